"""A date a client sends is stored only if every page, export and rule can use it.

`occurred_at` was checked to exist in UTC only. The pages and exports show it in the
service's time zone, where 9999-12-31T23:59Z is year 10000: the signal's page and every
signal export holding it answered 500 for everyone who could see it. A repeat rule counts
back up to 3,660 days from it: a signal of year 1 failed its evaluation again and again. A
date outside 1900 .. 9998 is refused, naming the field; any date inside is shown and
evaluated.
"""

from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.integration.page_client import build_site
from warning.db.models import Signal
from warning.domain.input_text import check_utc
from warning.runtime import Runtime

# Each exists in UTC. The first two are past the calendar's end in Shanghai (UTC+8); the
# others leave a repeat window no room before year 1, or hold no spreadsheet date.
EDGES = ["9999-12-31T23:59:59Z", "9999-12-31T16:00:00+00:00", "0001-01-01T00:00:00Z",
         "0001-01-05T00:00:00Z", "1899-12-31T23:59:59Z", "9999-01-01T00:00:00Z"]
# The range's far end is also in the future, refused as such (test_occurred_at_inputs.py).
FUTURE = ["9998-12-31T23:59:59Z"]
INSIDE = ["1900-01-01T00:00:00Z", "1900-01-01T08:00:00+08:00"]
SHOWN = ["/signals/{id}", "/signals", "/api/signals/{id}", "/api/signals/export?format=csv",
         "/api/signals/export?format=xlsx", "/search?q=edge-date"]


def test_every_date_refused_outside_the_range_and_every_other_shown_and_evaluated(
    runtime: Runtime, tmp_path: Path,
) -> None:
    client = build_site(runtime, tmp_path).client("office")
    failures = []
    for n, moment in enumerate(EDGES + FUTURE + INSIDE):
        # a false-claims finding about one person: the test rules' repeat rule reads it
        answer = client.post("/api/signals", json={
            "channel": "audit", "external_id": f"edge-{n}", "title": f"edge-date {n}",
            "text": "虚报差旅费", "person": "林某", "department": "CWK", "occurred_at": moment})
        if moment in EDGES + FUTURE:
            if answer.status_code != 422 or "occurred_at" not in answer.text:
                failures.append(f"{moment}: {answer.status_code}, not refused")
            continue
        assert answer.status_code == 201, answer.text
        signal_id = answer.json()["signal_id"]
        with runtime.sessions() as session:
            status = session.scalars(select(Signal.status).where(Signal.id == signal_id)).one()
        if status != "evaluated":
            failures.append(f"{moment}: evaluation {status}")
        for url in SHOWN:
            shown = client.get(url.format(id=signal_id))
            if shown.status_code != 200:
                failures.append(f"{moment} {url}: {shown.status_code}")
    assert failures == [], "\n".join(failures)


@pytest.mark.parametrize("moment", EDGES)
def test_check_utc_refuses_a_date_outside_the_range(moment: str) -> None:
    with pytest.raises(ValueError, match="range"):
        check_utc(datetime.fromisoformat(moment.replace("Z", "+00:00")))
