"""A warning with many signals: the page lists the first and the latest, and says how many
it left out; the API and the printed record still count every one.

A feed that keeps hitting one subject gathers thousands of signals on one open warning,
and its page loaded every signal with its text (70,000 took 20-35 s).
"""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from warning.auth.users import add_user, issue_token
from warning.auth.visibility import hidden_signals_note
from warning.db.models import WarningSignal
from warning.queries.warnings import TIMELINE_SHOWN
from warning.runtime import Runtime
from warning.services.signal_input import SignalIn
from warning.web.app import create_app
from warning.web.security import SESSION_COOKIE

MANY = TIMELINE_SHOWN + 30


def _finding(n: int, channel: str = "audit") -> SignalIn:
    return SignalIn(channel=channel, department="CGZX", external_id=f"{channel}-{n}",
                    title=f"第{n}次审计发现", text="设备采购存在串标围标")


@pytest.fixture
def warning_id(runtime: Runtime) -> int:
    outcomes = runtime.intake.ingest([_finding(n) for n in range(MANY)])
    ids = {w.id for outcome in outcomes for w in outcome.warnings}
    assert len(ids) == 1, ids  # every finding joined the one open warning
    return ids.pop()


def _client(runtime: Runtime, name: str, role: str, department: str | None = None) -> TestClient:
    with runtime.sessions() as session, session.begin():
        user = add_user(session, name=name, role=role, department_code=department,
                        password=f"pw-{name}-12345")
        token = issue_token(session, user=user)
    return TestClient(create_app(runtime), cookies={SESSION_COOKIE: token})


@pytest.fixture
def office(runtime: Runtime) -> Iterator[TestClient]:
    yield _client(runtime, "office", "office")


def test_the_page_lists_the_first_and_the_latest_and_says_how_many_are_left_out(
    warning_id: int, office: TestClient,
) -> None:
    page = office.get(f"/warnings/{warning_id}").text
    listed = [n for n in range(MANY) if f">第{n}次审计发现<" in page]
    assert listed == [0, *range(MANY - TIMELINE_SHOWN + 1, MANY)]
    omitted = MANY - TIMELINE_SHOWN
    assert f"其后另有 {omitted} 条信号未列出（共 {MANY} 条" in page


def test_the_api_and_the_record_still_count_every_signal(
    runtime: Runtime, warning_id: int, office: TestClient,
) -> None:
    got = office.get(f"/api/warnings/{warning_id}")
    assert got.status_code == 200, got.text
    body = got.json()
    with runtime.sessions() as session:
        linked = list(session.scalars(select(WarningSignal.signal_id).where(
            WarningSignal.warning_id == warning_id).order_by(WarningSignal.id)))
    assert body["signal_ids"] == linked and len(linked) == MANY
    printed = office.get(f"/warnings/{warning_id}/print")  # 预警处置记录表: its sources
    assert printed.status_code == 200 and "审计" in printed.text


def test_a_department_counts_only_what_it_may_read(runtime: Runtime, warning_id: int) -> None:
    """Petitions on the same subject are kept from the department, and not counted as left
    out: the page says how many are kept, as it always did."""
    runtime.intake.ingest([_finding(n, "petition") for n in range(3)])
    handler = _client(runtime, "cg", "handler", "CGZX")
    body = handler.get(f"/api/warnings/{warning_id}").json()
    if body["hidden_signals"] == 0:
        pytest.skip("the petitions raised their own proposal; nothing joined this warning")
    page = handler.get(f"/warnings/{warning_id}").text
    assert f"其后另有 {MANY - TIMELINE_SHOWN} 条" in page
    assert hidden_signals_note(body["hidden_signals"]) in page
    assert "第0次审计发现" in page and len(body["signal_ids"]) == MANY
