"""Nothing reads the server's own zone: dates, deadlines and quarters come out the same
whatever TZ the process runs under (Beijing time is fixed; the server may be elsewhere)."""

import os
import subprocess
import sys

import pytest

# Each line one output that depends on a zone: a Beijing-day boundary, deadlines over the
# Spring Festival and a Friday evening, a quarter's bounds, a file's date without offset,
# and the pages' and exports' way of showing a stored time.
SCRIPT = """
from datetime import UTC, datetime
from zoneinfo import ZoneInfo
from warning.domain.calendar import due_at, local_date
from warning.domain.quarter import Quarter
from warning.exports.limits import local
from warning.handling.holidays import default_calendar
from warning.services.signal_input import naive_to_shanghai
from warning.web.pages.render import build_templates
cal = default_calendar()
for text in ("2026-03-31T15:59:59+00:00", "2026-03-31T16:00:00+00:00",
             "2026-02-13T12:00:00+00:00", "2026-09-30T10:00:00+00:00"):
    moment = datetime.fromisoformat(text)
    print(local_date(moment), Quarter.containing(moment),
          due_at(moment, 2, "working", cal), due_at(moment, 2, "calendar", cal))
print(Quarter(2026, 2).starts_at(), Quarter(2026, 2).ends_at())
print(naive_to_shanghai(datetime(2026, 4, 1, 0, 30)).astimezone(UTC))
print(local(datetime(2026, 3, 31, 16, 30, tzinfo=UTC), ZoneInfo("Asia/Shanghai")))
env = build_templates("Asia/Shanghai").env
print(env.filters["local"](datetime(2026, 3, 31, 16, 30, tzinfo=UTC)))
"""


def _outputs(zone: str) -> str:
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                          env={**os.environ, "TZ": zone}, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize("zone", ["America/New_York", "Pacific/Kiritimati", "Etc/GMT+12"])
def test_outputs_do_not_change_with_the_server_zone(zone: str) -> None:
    assert _outputs(zone) == _outputs("UTC")
