"""When a signal happened: a number or a future date is refused, by API, file and form.

A number was read as Unix seconds: the spreadsheet date 20260401 was stored as
1970-08-23 and the Excel serial 46113 as 1970-01-01, in silence. A date years ahead
(2099 for 2026) was stored and counted in repeat windows. Each is refused naming the
field (API, form) or the row (import); a date with any real offset is kept exactly.
"""

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import Workbook
from pydantic import ValidationError
from sqlalchemy import func, select

from tests.integration.page_client import build_site
from tests.integration.test_petition_form import Office, office  # noqa: F401 (fixture)
from tests.integration.test_signal_form_repeat import _form
from tests.integration.test_signal_import import env  # noqa: F401 - fixture
from warning.cli.main import cli
from warning.db.models import Signal
from warning.petitions.input import PetitionIn
from warning.runtime import Runtime
from warning.services.signal_input import SignalIn

NOW = datetime.now(UTC)
NUMBERS: list[object] = [1767225600, 20260401, 46113, -1, 1.5, "1767225600", "20260401",
                         " 46113 ", "1.7e9"]
FUTURE = [(NOW + timedelta(days=2)).isoformat(), "2099-01-01T00:00:00+08:00",
          "9998-12-31T23:59:59Z"]
KEPT = {"2026-04-01T00:00:00+14:00": "2026-03-31T10:00:00Z",
        "2026-04-01T00:00:00-12:00": "2026-04-01T12:00:00Z",
        "2026-04-01T00:30:00+08:00": "2026-03-31T16:30:00Z",
        (NOW + timedelta(hours=12)).isoformat(): None}  # clock skew is allowed


def _stored(runtime: Runtime) -> int:
    with runtime.sessions() as session:
        return session.scalar(select(func.count()).select_from(Signal)) or 0


def test_the_api_refuses_numbers_and_future_dates_and_keeps_any_offset(
    runtime: Runtime, tmp_path: Path,
) -> None:
    client = build_site(runtime, tmp_path).client("office")
    before = _stored(runtime)
    failures = []
    for n, value in enumerate([*NUMBERS, *FUTURE]):
        answer = client.post("/api/signals", json={
            "channel": "audit", "external_id": f"bad-{n}", "title": "t", "occurred_at": value})
        if answer.status_code != 422 or "occurred_at" not in answer.text:
            failures.append(f"{value!r}: {answer.status_code} {answer.text[:200]}")
    assert failures == [], "\n".join(failures)
    assert _stored(runtime) == before
    for n, (value, utc) in enumerate(KEPT.items()):
        answer = client.post("/api/signals", json={
            "channel": "audit", "external_id": f"ok-{n}", "title": "t", "occurred_at": value})
        assert answer.status_code == 201, (value, answer.text)
        shown = client.get(f"/api/signals/{answer.json()['signal_id']}").json()["occurred_at"]
        expected = utc or datetime.fromisoformat(value).astimezone(UTC).isoformat()
        assert datetime.fromisoformat(shown) == datetime.fromisoformat(expected), value


@pytest.mark.parametrize("model", [SignalIn, PetitionIn])
@pytest.mark.parametrize("index", range(len(NUMBERS) + len(FUTURE)))
def test_both_intake_models_refuse_the_value_naming_the_field(model: type, index: int) -> None:
    # by index: a value holding the time of collection differs between xdist workers
    value = [*NUMBERS, *FUTURE][index]
    fields = {"channel": "petition", "external_id": "X", "title": "t", "occurred_at": value}
    if model is PetitionIn:
        fields["anonymous"] = True
    with pytest.raises(ValidationError) as caught:
        model.model_validate(fields)
    assert caught.value.errors()[0]["loc"] == ("occurred_at",)


def test_an_import_names_each_numeric_or_future_date_row_and_stores_nothing(
    env: Runtime, tmp_path: Path,  # noqa: F811
) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["渠道", "编号", "标题", "发生时间"])
    sheet.append(["petition", "X-1", "来信", datetime(2026, 4, 1, 9, 30)])  # a date cell: kept
    sheet.append(["petition", "X-2", "来信", 46113])  # an Excel serial left as a number
    sheet.append(["petition", "X-3", "来信", 20260401])
    sheet.append(["petition", "X-4", "来信", datetime(2099, 1, 1)])
    sheet.append(["petition", "X-5", "来信", "2099-01-01 08:00"])
    buffer = io.BytesIO()
    book.save(buffer)
    path = tmp_path / "signals.xlsx"
    path.write_bytes(buffer.getvalue())
    before = _stored(env)
    result = CliRunner().invoke(cli, ["signal", "import", str(path)])
    output = result.output + (str(result.exception) if result.exception else "")
    assert result.exit_code == 1 and "Traceback" not in output, output
    for line in (3, 4, 5, 6):
        assert f"{path}:{line}: occurred_at" in output, output
    assert f"{path}:2:" not in output
    assert _stored(env) == before


def test_the_form_says_a_future_date_is_in_the_future(office: Office) -> None:  # noqa: F811
    client = office.client()
    before, _ = office.counts()
    answer = client.post("/signals/new", data=_form(client) | {
        "channel": "audit", "title": "未来日期", "department": "CGZX",
        "occurred_at": "2099-01-01 09:30"})
    assert answer.status_code in (200, 422), answer.status_code
    assert "晚于当前时间" in answer.text
    assert office.counts()[0] == before
