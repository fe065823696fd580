"""Grading as rules/README.md documents it, on SQLite and PostgreSQL.

The heaviest rule wins whatever the file order and every rule that hit is recorded; a
regrade moves the open deadlines to the new response's from the regrade; a repeat rule
needs its subject; repeat windows count when signals occurred.
"""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.support import seeded_runtime
from warning.db.models import HandlingEvent, HandlingRecord, RiskWarning
from warning.domain.calendar import DayKind, due_at
from warning.handling.audit import verify_chains
from warning.handling.holidays import default_calendar
from warning.runtime import Runtime
from warning.services.signal_input import SignalIn

LIGHT = """\
  - id: light-rule
    name: 轻
    risk_point: CG-002
    severity: 1
    when: {text: {any: [拆分合同]}}
"""
HEAVY = """\
  - id: heavy-rule
    name: 重
    risk_point: CG-002
    severity: 3
    when: {text: {any: [拆分合同]}}
    response: rectification
"""
MIDDLE = """\
  - id: middle-rule
    name: 中
    risk_point: CG-002
    severity: 2
    when: {text: {any: [拆分合同]}}
"""


@pytest.fixture
def rules_body() -> str:
    """The rules under test, written before the runtime loads (no reload in these tests)."""
    return ""


@pytest.fixture
def runtime(db_url: str, rules_dir: Path, rules_body: str) -> Iterator[Runtime]:
    """The integration runtime, with `rules_body` in rules/grading-test.yaml."""
    if rules_body:
        (rules_dir / "grading-test.yaml").write_text("rules:\n" + rules_body, encoding="utf-8")
    yield from seeded_runtime(db_url, rules_dir)


def _signal(n: int, text: str, **fields: object) -> SignalIn:
    base = {"channel": "audit", "external_id": f"G-{n}", "title": f"审计 {n}", "text": text,
            "department": "CGZX"}
    return SignalIn.model_validate(base | fields)


def _warnings(runtime: Runtime) -> list[RiskWarning]:
    with runtime.sessions() as session:
        return list(session.scalars(select(RiskWarning).order_by(RiskWarning.id)))


@pytest.mark.parametrize("rules_body", [LIGHT + MIDDLE + HEAVY, HEAVY + LIGHT + MIDDLE,
                                        MIDDLE + HEAVY + LIGHT])
def test_heaviest_rule_wins_whatever_the_file_order_and_all_are_recorded(
    runtime: Runtime,
) -> None:
    [outcome] = runtime.intake.ingest([_signal(1, "审计发现拆分合同")])
    [warning] = _warnings(runtime)
    assert warning.response == "rectification" and warning.rule_id == "heavy-rule"
    assert sorted(warning.rule_ids) == ["heavy-rule", "light-rule", "middle-rule"]
    assert [(w.rule_id, w.response, w.new) for w in outcome.warnings] == [
        ("heavy-rule", "rectification", True)
    ]
    with runtime.sessions() as session:
        record = session.scalar(select(HandlingRecord))
        assert record is not None
        issue = session.scalar(select(HandlingEvent).where(HandlingEvent.record_id == record.id))
        assert issue is not None and issue.data["response"] == "rectification"
        assert issue.data["report_days"] == 30 and issue.data["day_kind"] == "calendar"
    from fastapi.testclient import TestClient

    from tests.integration.test_api_signals import _token
    from warning.web.app import create_app

    with TestClient(create_app(runtime)) as client:
        client.headers["Authorization"] = f"Bearer {_token(runtime, 'office', 'office')}"
        shown = client.get(f"/api/warnings/{warning.id}").json()
    assert shown["rule_id"] == "heavy-rule" and shown["response"] == "rectification"
    assert sorted(shown["rule_ids"]) == ["heavy-rule", "light-rule", "middle-rule"]


@pytest.mark.parametrize("rules_body", [MIDDLE])  # medium x 2 = talk
def test_regrade_recomputes_open_deadlines_from_the_regrade_and_records_both(
    runtime: Runtime,
) -> None:
    first_at = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    later = first_at + timedelta(days=9)
    runtime.intake.clock = lambda: first_at
    runtime.intake.ingest([_signal(1, "拆分合同一", person="孙八")])
    with runtime.sessions() as session:
        before = session.scalar(select(HandlingRecord))
        assert before is not None
    runtime.intake.clock = lambda: later
    runtime.intake.ingest([_signal(2, "拆分合同二", person="孙八")])
    [warning] = _warnings(runtime)
    assert warning.response == "admonition" and warning.repeat_count == 2
    calendar = default_calendar()
    with runtime.sessions() as session:
        record = session.scalar(select(HandlingRecord))
        assert record is not None
        assert record.receive_due_at == due_at(later, 2, DayKind.WORKING, calendar)
        assert record.report_due_at == due_at(later, 10, DayKind.WORKING, calendar)
        assert before.receive_due_at == due_at(first_at, 3, DayKind.WORKING, calendar)
        regrade = session.scalar(select(HandlingEvent).where(HandlingEvent.action == "regrade"))
        assert regrade is not None
        assert (regrade.data["from"], regrade.data["to"]) == ("talk", "admonition")
        assert regrade.data["previous_receive_due_at"] == before.receive_due_at.isoformat()
        assert regrade.data["previous_report_due_at"] == before.report_due_at.isoformat()
        assert regrade.data["receive_due_at"] == record.receive_due_at.isoformat()
        assert regrade.data["report_due_at"] == record.report_due_at.isoformat()
        assert verify_chains(session) == []


@pytest.mark.parametrize("rules_body", [LIGHT])
def test_two_regrades_of_one_warning_in_one_batch_chain_in_signal_order(
    runtime: Runtime,
) -> None:
    """The regrades of a batch are written together: the second of one warning chains to
    the first, and the record ends at the last one's deadlines."""
    start = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    runtime.intake.clock = lambda: start
    runtime.intake.ingest([_signal(1, "拆分合同一", person="孙八")])
    later = start + timedelta(days=2)
    runtime.intake.clock = lambda: later
    runtime.intake.ingest([_signal(n, f"拆分合同{n}", person="孙八") for n in (2, 3, 4)])
    [warning] = _warnings(runtime)
    assert (warning.response, warning.repeat_count) == ("admonition", 4)
    with runtime.sessions() as session:
        record = session.scalar(select(HandlingRecord))
        events = session.scalars(select(HandlingEvent).order_by(HandlingEvent.seq)).all()
        assert record is not None
        regrades = [e for e in events if e.action == "regrade"]
        assert [(e.seq, e.data["from"], e.data["to"], e.data["repeat_count"])
                for e in regrades] == [(2, "reminder", "talk", 2), (3, "talk", "admonition", 3)]
        assert regrades[1].prev_hash == regrades[0].hash
        assert regrades[1].data["previous_receive_due_at"] == regrades[0].data["receive_due_at"]
        assert record.receive_due_at == due_at(later, 2, DayKind.WORKING, default_calendar())
        assert regrades[1].data["receive_due_at"] == record.receive_due_at.isoformat()
        assert record.report_due_at == due_at(later, 10, DayKind.WORKING, default_calendar())
        assert verify_chains(session) == []


@pytest.mark.parametrize("rules_body", [MIDDLE])
def test_regrade_after_receipt_moves_only_the_report_deadline(runtime: Runtime) -> None:
    from warning.db.models import HandlingRecord as Record

    start = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    runtime.intake.clock = lambda: start
    runtime.intake.ingest([_signal(1, "拆分合同一", person="孙八")])
    with runtime.sessions() as session, session.begin():
        record = session.scalar(select(Record))
        assert record is not None
        record.state = "received"
        received_due = record.receive_due_at
    later = start + timedelta(days=3)
    runtime.intake.clock = lambda: later
    runtime.intake.ingest([_signal(2, "拆分合同二", person="孙八")])
    with runtime.sessions() as session:
        record = session.scalar(select(Record))
        assert record is not None and record.receive_due_at == received_due
        assert record.report_due_at == due_at(later, 10, DayKind.WORKING, default_calendar())


REPEAT_PERSON = """\
  - id: repeat-person
    name: 同一人多次
    risk_point: CW-001
    when: {text: {any: [报销异常]}, repeat: {count: 2, days: 30, subject: person}}
  - id: repeat-post
    name: 同一岗位多次
    risk_point: CW-001
    when: {text: {any: [岗位异常]}, repeat: {count: 2, days: 30, subject: post}}
  - id: repeat-department
    name: 同一部门多次
    risk_point: BG-001
    when: {text: {any: [部门异常]}, repeat: {count: 2, days: 30, subject: department}}
"""


@pytest.mark.parametrize("rules_body", [REPEAT_PERSON])
@pytest.mark.parametrize("words", ["报销异常", "岗位异常", "部门异常"])
def test_repeat_rule_on_signals_without_its_subject_does_not_fire(
    runtime: Runtime, words: str
) -> None:
    runtime.intake.ingest([_signal(n, f"匿名反映{words}", department=None) for n in range(3)])
    runtime.intake.ingest([_signal(9, f"再次匿名反映{words}", department=None)])
    assert _warnings(runtime) == []


@pytest.mark.parametrize("rules_body", [REPEAT_PERSON])
def test_repeat_rule_with_its_subject_fires_on_the_count_th(runtime: Runtime) -> None:
    runtime.intake.ingest([_signal(1, "报销异常", person="周九")])
    assert _warnings(runtime) == []
    runtime.intake.ingest([_signal(2, "报销异常", person="周九")])
    [warning] = _warnings(runtime)
    assert warning.rule_id == "repeat-person" and warning.subject_key.endswith("周九")


@pytest.mark.parametrize("rules_body", [REPEAT_PERSON])
def test_repeat_window_counts_when_signals_occurred_not_when_evaluated(runtime: Runtime) -> None:
    long_ago = datetime(2025, 1, 10, tzinfo=UTC)
    runtime.intake.ingest([
        _signal(1, "报销异常", person="吴十", occurred_at=long_ago.isoformat()),
        _signal(2, "报销异常", person="吴十",
                occurred_at=(long_ago + timedelta(days=400)).isoformat()),
    ])
    assert _warnings(runtime) == []  # 400 days apart, although evaluated together
    [third] = runtime.intake.ingest([_signal(
        3, "报销异常", person="吴十", occurred_at=(long_ago + timedelta(days=420)).isoformat())])
    [warning] = _warnings(runtime)  # 20 days after the second one
    assert warning.signal_id == third.signal_id and warning.rule_id == "repeat-person"


@pytest.mark.parametrize("rules_body", [REPEAT_PERSON])
def test_signal_without_occurred_at_counts_at_its_received_time(runtime: Runtime) -> None:
    long_ago = datetime(2025, 1, 10, tzinfo=UTC)
    runtime.intake.ingest([_signal(1, "报销异常", person="郑一", occurred_at=long_ago.isoformat())])
    runtime.intake.ingest([_signal(2, "报销异常", person="郑一")])  # received now
    assert _warnings(runtime) == []
    runtime.intake.ingest([_signal(3, "报销异常", person="郑一")])
    assert len(_warnings(runtime)) == 1


@pytest.mark.parametrize("rules_body", [LIGHT])
@pytest.mark.parametrize("together", [True, False])
def test_signals_that_name_no_subject_are_not_pooled_into_one_warning(
    runtime: Runtime, together: bool
) -> None:
    """Two anonymous items about nobody in particular are not one subject: they had joined
    one warning under the shared key `department:-` and raised each other's grade."""
    anonymous = [_signal(n, "匿名反映拆分合同", department=None) for n in (1, 2)]
    if together:
        runtime.intake.ingest(anonymous)
    else:
        for item in anonymous:
            runtime.intake.ingest([item])
    warnings = _warnings(runtime)
    assert [(w.response, w.repeat_count) for w in warnings] == [("reminder", 1)] * 2
    assert len({w.subject_key for w in warnings}) == 2
