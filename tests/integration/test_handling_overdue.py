"""Reminders before, escalation after a deadline; each once; 10,000 records in time."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.test_handling_fixtures import build_world, bulk_warnings, new_warning
from warning.db.engine import transaction
from warning.db.models import HandlingEvent, HandlingRecord, Notice
from warning.handling.audit import verify_chains
from warning.handling.overdue import register_jobs, scan_overdue
from warning.handling.records import act

# Issued Mon 2026-03-02 10:00 +08: receive due Tue 03-03, report due Mon 03-09 (5 working days).
TUE_MORNING = datetime(2026, 3, 3, 1, 0, tzinfo=UTC)  # Tue 09:00 +08
WED = datetime(2026, 3, 4, 2, 0, tzinfo=UTC)
NEXT_WED = datetime(2026, 3, 11, 2, 0, tzinfo=UTC)  # more than 3 working days past 03-03


def _scan(sessions: sessionmaker[Session], now: datetime):  # type: ignore[no-untyped-def]
    with transaction(sessions) as session:
        return scan_overdue(session, now)


def _notices(sessions: sessionmaker[Session]) -> list[tuple[str, int, str, str]]:
    with sessions() as session:
        rows = session.execute(select(Notice.kind, Notice.level, Notice.stage, Notice.audience)
                               .where(Notice.kind != "issued").order_by(Notice.id))
        return [tuple(r) for r in rows]  # type: ignore[misc]


def test_remind_then_escalate_twice_each_once(session_factory: sessionmaker[Session]) -> None:
    world = build_world(session_factory)
    wid = new_warning(session_factory, world, receive_days=1, report_days=5)
    dept = f"department:{world.departments['A']}"
    leader, top = f"person:{world.people['leader']}", f"person:{world.people['top']}"

    assert _scan(session_factory, TUE_MORNING).reminded == 1
    assert _scan(session_factory, TUE_MORNING).reminded == 0
    assert _notices(session_factory) == [("reminder", 0, "receive", dept)]

    first = _scan(session_factory, WED)
    assert first.escalated == {1: 1, 2: 0}
    assert _scan(session_factory, WED).escalated == {1: 0, 2: 0}
    assert _notices(session_factory)[1:] == [
        ("escalation", 1, "receive", dept), ("escalation", 1, "receive", leader),
        ("escalation", 1, "receive", "office"),
    ]
    second = _scan(session_factory, NEXT_WED)
    assert second.escalated == {1: 0, 2: 1}
    assert _scan(session_factory, NEXT_WED + timedelta(days=30)).escalated == {1: 0, 2: 0}
    assert _notices(session_factory)[4:] == [
        ("escalation", 2, "receive", leader), ("escalation", 2, "receive", top),
        ("escalation", 2, "receive", "office"),
    ]
    with session_factory() as session:
        record = session.scalars(
            select(HandlingRecord).where(HandlingRecord.warning_id == wid)
        ).one()
        actions = session.scalars(select(HandlingEvent.action).order_by(HandlingEvent.seq)).all()
        assert verify_chains(session) == []
    assert record.overdue_level == 2 and record.version == 4
    assert actions == ["issue", "remind", "escalate", "escalate"]


def test_acting_after_a_scan_needs_the_new_version(session_factory: sessionmaker[Session]) -> None:
    world = build_world(session_factory)
    wid = new_warning(session_factory, world, receive_days=1, report_days=5)
    _scan(session_factory, TUE_MORNING)
    with transaction(session_factory) as session:
        acted = act(session, warning_id=wid, principal=world.principals["handler_a"],
                    action="receive", version=2)
    assert (acted.event.seq, acted.version) == (3, 3)
    # Received: the report deadline is next; the receive reminder does not repeat.
    assert _scan(session_factory, WED).escalated == {1: 0, 2: 0}


def test_closed_records_are_left_alone(session_factory: sessionmaker[Session]) -> None:
    world = build_world(session_factory)
    wid = new_warning(session_factory, world)
    with transaction(session_factory) as session:
        act(session, warning_id=wid, principal=world.principals["office"], action="withdraw",
            version=1, comment="误报")
    assert _scan(session_factory, NEXT_WED).escalated == {1: 0, 2: 0}


def test_ten_thousand_open_records_escalate_once_each(
    session_factory: sessionmaker[Session],
) -> None:
    world = build_world(session_factory)
    with transaction(session_factory) as session:
        bulk_warnings(session, world, 10_000, due=datetime(2026, 3, 3, 15, 59, 59, tzinfo=UTC))
    result = _scan(session_factory, WED)  # its speed is measured in bench/overdue_bench.py
    assert result.escalated[1] == 10_000
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Notice)) == 30_000
        # written by COPY on PostgreSQL: the stored events still hash to their chain
        assert verify_chains(session) == []
    assert _scan(session_factory, WED).escalated == {1: 0, 2: 0}


def test_register_jobs_adds_the_scan(session_factory: sessionmaker[Session]) -> None:
    from apscheduler.schedulers.background import BackgroundScheduler

    scheduler = BackgroundScheduler()
    register_jobs(scheduler, session_factory, deliver=lambda: None)
    assert {job.id for job in scheduler.get_jobs()} == {"handling-scan-overdue", "notify-deliver"}
