"""A returned report gets a fresh deadline, its own reminder and its own escalation."""

from datetime import UTC, datetime

from alembic import command
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.test_handling_fixtures import ISSUED_AT, build_world, new_warning
from warning.db.engine import transaction
from warning.db.migrate import alembic_config
from warning.db.models import HandlingEvent, HandlingRecord, Notice
from warning.handling.audit import verify_chains
from warning.handling.overdue import scan_overdue
from warning.handling.records import act

# Issued Mon 2026-03-02 10:00 +08 with 5 working days: report due Mon 03-09 end of day.
FRI_0306 = datetime(2026, 3, 6, 1, 0, tzinfo=UTC)
TUE_0310 = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)
WED_0311 = datetime(2026, 3, 11, 2, 0, tzinfo=UTC)  # returned: 5 working days -> Wed 03-18
NEW_DUE = datetime(2026, 3, 18, 15, 59, 59, 999_999, tzinfo=UTC)
TUE_0317 = datetime(2026, 3, 17, 1, 0, tzinfo=UTC)
THU_0319 = datetime(2026, 3, 19, 2, 0, tzinfo=UTC)


def _record(sessions: sessionmaker[Session], wid: int) -> HandlingRecord:
    with sessions() as session:
        return session.scalars(
            select(HandlingRecord).where(HandlingRecord.warning_id == wid)
        ).one()


def _act(sessions: sessionmaker[Session], wid: int, principal: object, action: str,
         now: datetime, **extra: str) -> HandlingEvent:
    version = _record(sessions, wid).version
    with transaction(sessions) as session:
        return act(session, warning_id=wid, principal=principal,  # type: ignore[arg-type]
                   action=action, version=version, now=now, **extra).event


def _scan(sessions: sessionmaker[Session], now: datetime) -> tuple[int, dict[int, int]]:
    with transaction(sessions) as session:
        result = scan_overdue(session, now)
    return result.reminded, result.escalated


def _stages(sessions: sessionmaker[Session], kind: str) -> list[tuple[str, int]]:
    with sessions() as session:
        rows = session.execute(select(Notice.stage, Notice.level).where(Notice.kind == kind)
                               .distinct().order_by(Notice.stage, Notice.level))
        return [(stage, level) for stage, level in rows]


def test_a_return_restarts_the_report_deadline_and_its_escalation(
    session_factory: sessionmaker[Session],
) -> None:
    world = build_world(session_factory)
    wid = new_warning(session_factory, world, receive_days=1, report_days=5)
    handler, office = world.principals["handler_a"], world.principals["office"]
    _act(session_factory, wid, handler, "receive", ISSUED_AT)
    _act(session_factory, wid, handler, "assign", ISSUED_AT, responsible_person="李四")
    assert _scan(session_factory, FRI_0306) == (1, {1: 0, 2: 0})
    assert _scan(session_factory, TUE_0310) == (0, {1: 1, 2: 0})
    assert _record(session_factory, wid).overdue_level == 1
    first_due = _record(session_factory, wid).report_due_at

    _act(session_factory, wid, handler, "report", TUE_0310, comment="已整改")
    event = _act(session_factory, wid, office, "return", WED_0311, comment="整改不彻底")
    record = _record(session_factory, wid)
    assert (record.state, record.report_due_at, record.overdue_level) == (
        "in_progress", NEW_DUE, 0)
    assert event.data == {
        "report_due_at": NEW_DUE.isoformat(),
        "previous_report_due_at": first_due.astimezone(UTC).isoformat() if first_due else None,
        "report_days": 5, "day_kind": "working", "report_round": 1,
    }

    assert _scan(session_factory, WED_0311) == (0, {1: 0, 2: 0})
    assert _scan(session_factory, TUE_0317) == (1, {1: 0, 2: 0})
    assert _scan(session_factory, TUE_0317) == (0, {1: 0, 2: 0})
    assert _scan(session_factory, THU_0319) == (0, {1: 1, 2: 0})
    assert _record(session_factory, wid).overdue_level == 1
    assert _stages(session_factory, "reminder") == [("report", 0), ("report2", 0)]
    assert _stages(session_factory, "escalation") == [("report", 1), ("report2", 1)]
    with session_factory() as session:
        reminders = session.scalars(select(HandlingEvent).where(HandlingEvent.action == "remind")
                                    .order_by(HandlingEvent.seq)).all()
        assert [e.data["stage"] for e in reminders] == ["report", "report2"]
        assert "退回后的整改情况上报期限" in reminders[-1].comment
        assert verify_chains(session) == []


def test_a_second_return_names_a_third_deadline(session_factory: sessionmaker[Session]) -> None:
    world = build_world(session_factory)
    wid = new_warning(session_factory, world, receive_days=1, report_days=5)
    handler, office = world.principals["handler_a"], world.principals["office"]
    _act(session_factory, wid, handler, "receive", ISSUED_AT)
    _act(session_factory, wid, handler, "assign", ISSUED_AT, responsible_person="李四")
    for _ in range(2):
        _act(session_factory, wid, handler, "report", ISSUED_AT, comment="已整改")
        _act(session_factory, wid, office, "return", WED_0311, comment="再改")
    assert _scan(session_factory, TUE_0317) == (1, {1: 0, 2: 0})
    assert _stages(session_factory, "reminder") == [("report3", 0)]


def test_migration_0005_counts_the_returns_of_existing_records(
    db_url: str, session_factory: sessionmaker[Session],
) -> None:
    world = build_world(session_factory)
    wid = new_warning(session_factory, world, receive_days=1, report_days=5)
    handler, office = world.principals["handler_a"], world.principals["office"]
    _act(session_factory, wid, handler, "receive", ISSUED_AT)
    _act(session_factory, wid, handler, "assign", ISSUED_AT, responsible_person="李四")
    for _ in range(2):
        _act(session_factory, wid, handler, "report", ISSUED_AT, comment="已整改")
        _act(session_factory, wid, office, "return", WED_0311, comment="再改")
    session_factory.kw["bind"].dispose()
    command.downgrade(alembic_config(db_url), "0004")
    command.upgrade(alembic_config(db_url), "head")
    assert _record(session_factory, wid).report_round == 2
