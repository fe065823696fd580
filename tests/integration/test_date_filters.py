"""The lists and exports filter by local day: 下达时间 of warnings, 接收时间 of signals.

A day is a day in Asia/Shanghai, as the lists show times: a signal received at 23:59 on
the 6th there (15:59 UTC) is not on the 7th, one at 00:00 on the 7th (16:00 UTC on the
6th) is. Every surface — the list page, the list API, the export and the command line —
reads the same bounds, and a date that is not a date is said so, never a traceback.
"""

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import update

from warning.auth.users import add_user, issue_token
from warning.cli.main import cli
from warning.db.models import Signal
from warning.runtime import Runtime
from warning.services.signal_input import SignalIn
from warning.web.app import create_app
from warning.web.security import SESSION_COOKIE

SEVENTH = datetime(2026, 9, 6, 16, 0, tzinfo=UTC)  # 2026-09-07 00:00 in Shanghai
MOMENTS = {  # external id: when it was received and (an audit finding) its warning issued
    "A-6-late": SEVENTH - timedelta(minutes=1),
    "A-7-early": SEVENTH,
    "A-7-late": SEVENTH + timedelta(days=1, minutes=-1),
    "A-8-early": SEVENTH + timedelta(days=1),
}
ON_THE_SEVENTH = {"A-7-early", "A-7-late"}
BAD = [("since", "2026-9-7"), ("until", "x"), ("since", "0001-01-01"),
       ("until", "2026-02-30"), ("since", "2026-09-08&until=2026-09-07")]


@pytest.fixture
def office(runtime: Runtime) -> Iterator[TestClient]:
    for external_id, moment in MOMENTS.items():
        runtime.intake.clock = lambda m=moment: m
        [outcome] = runtime.intake.ingest([SignalIn(
            channel="audit", department="CGZX", external_id=external_id, title=external_id,
            text="设备采购存在串标围标", person=external_id)])
        assert outcome.warnings, external_id  # each raises its own warning, issued then
    with runtime.sessions() as session, session.begin():
        for external_id, moment in MOMENTS.items():  # the intake stamps the wall clock
            session.execute(update(Signal).where(Signal.external_id == external_id)
                            .values(received_at=moment))
        token = issue_token(session, user=add_user(session, name="office", role="office"))
    yield TestClient(create_app(runtime), cookies={SESSION_COOKIE: token})


def _titles(csv_bytes: bytes, column: str) -> set[str]:
    return {row[column] for row in csv.DictReader(io.StringIO(csv_bytes.decode("utf-8-sig")))}


def test_the_signal_list_and_export_keep_the_local_day(office: TestClient) -> None:
    day = {"since": "2026-09-07", "until": "2026-09-07"}
    page = office.get("/signals", params=day).text
    assert all((f">{e}<" in page) == (e in ON_THE_SEVENTH) for e in MOMENTS), page
    exported = office.get("/api/signals/export", params=day | {"format": "csv"})
    assert _titles(exported.content, "来文编号") == ON_THE_SEVENTH
    after = office.get("/api/signals/export", params={"since": "2026-09-08"})
    assert _titles(after.content, "来文编号") == {"A-8-early"}
    before = office.get("/api/signals/export", params={"until": "2026-09-06"})
    assert _titles(before.content, "来文编号") == {"A-6-late"}


def test_the_warning_list_api_and_export_keep_the_local_day_of_issue(
    office: TestClient,
) -> None:
    day = {"since": "2026-09-07", "until": "2026-09-07"}
    listed = office.get("/api/warnings", params=day).json()
    issued = {datetime.fromisoformat(w["issued_at"]) for w in listed["items"]}
    assert issued == {MOMENTS[e] for e in ON_THE_SEVENTH} and listed["total"] == len(issued)
    exported = office.get("/api/warnings/export", params=day | {"format": "csv"})
    assert _titles(exported.content, "下达时间") == {"2026-09-07 00:00", "2026-09-07 23:59"}
    page = office.get("/warnings", params=day).text
    assert "2026-09-07 00:00" in page and "2026-09-06 23:59" not in page
    assert "2026-09-08 00:00" not in page


def test_the_export_buttons_carry_the_dates(office: TestClient) -> None:
    page = office.get("/warnings", params={"since": "2026-09-07"}).text
    assert "/api/warnings/export?format=xlsx&amp;since=2026-09-07" in page


@pytest.mark.parametrize(("field", "value"), BAD)
def test_a_date_that_is_not_one_is_said_so_on_every_surface(
    office: TestClient, field: str, value: str,
) -> None:
    query = f"{field}={value}"
    named = "until" if "&" in value else field
    for path in ("/api/warnings", "/api/warnings/export", "/api/signals/export"):
        got = office.get(f"{path}?{query}")
        assert got.status_code == 422, (path, got.text)
        assert got.json()["error"]["field"] == named, (path, got.json())
    for path in ("/warnings", "/signals"):
        page = office.get(f"{path}?{query}")
        assert page.status_code == 200 and 'id="filter-problem"' in page.text, path
        assert "Traceback" not in page.text and "<tbody>" not in page.text, path


def test_the_command_line_exports_by_day(
    office: TestClient, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("QINGFENG_DATABASE_URL", db_url)
    out = tmp_path / "signals.csv"
    done = CliRunner().invoke(cli, ["signal", "export", str(out), "--since", "2026-09-07",
                                    "--until", "2026-09-07"])
    assert done.exit_code == 0, done.output
    assert _titles(out.read_bytes(), "来文编号") == ON_THE_SEVENTH
    refused = CliRunner().invoke(cli, ["warnings", "export", str(tmp_path / "w.csv"),
                                       "--since", "2026-09-08", "--until", "2026-09-07"])
    assert refused.exit_code == 1 and "早于" in refused.output and "Traceback" not in refused.output
