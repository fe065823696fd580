"""The step facts a record keeps (first 签收, last 上报, first 升级) equal its events' reading
after every kind of transition, and migration 0009e's backfill gives the same."""

import importlib.util
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.test_handling_fixtures import ISSUED_AT, build_world, new_warning
from warning.db.engine import transaction
from warning.db.models import HandlingEvent, HandlingRecord
from warning.handling.overdue import scan_overdue
from warning.handling.records import act
from warning.handling.step_facts import FACT_COLUMNS, facts_from_events

MIGRATION = (Path(__file__).resolve().parents[2] / "warning" / "db" / "migrations" / "versions"
             / "0009e_record_step_facts.py")
TUE_0310 = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)  # report (5 working days) due 03-09: late


def _stored_and_read(session: Session) -> list[tuple[dict[str, object], dict[str, object]]]:
    """Per record: (the facts it stores, the facts its events give)."""
    pairs = []
    for record in session.scalars(select(HandlingRecord).order_by(HandlingRecord.id)):
        events = session.execute(select(HandlingEvent.action, HandlingEvent.created_at)
                                 .where(HandlingEvent.record_id == record.id)).all()
        stored = {name: getattr(record, name) for name in FACT_COLUMNS}
        pairs.append((stored, facts_from_events((a, at) for a, at in events)))
    return pairs


def _assert_in_step(sessions: sessionmaker[Session]) -> dict[str, object]:
    with sessions() as session:
        pairs = _stored_and_read(session)
    for stored, read in pairs:
        assert stored == read
    return pairs[0][0]


def test_each_transition_keeps_the_step_facts_equal_to_the_events(
    session_factory: sessionmaker[Session],
) -> None:
    world = build_world(session_factory)
    handler, office = world.principals["handler_a"], world.principals["office"]
    leader = world.principals["leader"]
    kept = new_warning(session_factory, world, receive_days=1, report_days=5)
    dropped = new_warning(session_factory, world, receive_days=1, report_days=5)
    clock = iter(ISSUED_AT + timedelta(hours=h) for h in range(1, 100))

    def step(wid: int, who: object, action: str, at: datetime | None = None,
             **extra: str) -> dict[str, object]:
        with session_factory() as session:
            version = session.scalars(select(HandlingRecord.version)
                                      .where(HandlingRecord.warning_id == wid)).one()
        with transaction(session_factory) as session:
            act(session, warning_id=wid, principal=who,  # type: ignore[arg-type]
                action=action, version=version, now=at or next(clock), **extra)
        return _assert_in_step(session_factory)

    assert _assert_in_step(session_factory) == dict.fromkeys(FACT_COLUMNS)
    signed = step(kept, handler, "receive")
    assert signed["received_at"] is not None and signed["reported_at"] is None
    step(kept, handler, "assign", responsible_person="李四")
    with transaction(session_factory) as session:
        escalated = scan_overdue(session, TUE_0310).escalated
    assert escalated[1] == 2  # both: one the report, one the receipt (and again, level 2)
    facts = _assert_in_step(session_factory)
    assert facts["escalated_at"] == TUE_0310
    step(kept, leader, "urge", TUE_0310, comment="请尽快上报")
    first = step(kept, handler, "report", TUE_0310 + timedelta(hours=1), comment="已整改")
    step(kept, office, "return", TUE_0310 + timedelta(hours=2), comment="整改不彻底")
    again = step(kept, handler, "report", TUE_0310 + timedelta(hours=3), comment="已再整改")
    assert again["reported_at"] > first["reported_at"]  # type: ignore[operator]
    assert again["received_at"] == signed["received_at"]
    step(kept, office, "accept", TUE_0310 + timedelta(hours=4), comment="同意办结")
    step(dropped, office, "urge", TUE_0310, comment="请签收")
    step(dropped, office, "withdraw", TUE_0310 + timedelta(hours=1), comment="误发")
    with transaction(session_factory) as session:  # a later scan escalates no closed record
        scan_overdue(session, TUE_0310 + timedelta(days=10))
    _assert_in_step(session_factory)


def test_the_migration_backfills_the_facts_from_the_events(
    session_factory: sessionmaker[Session],
) -> None:
    spec = importlib.util.spec_from_file_location("m0009e", MIGRATION)
    assert spec is not None and spec.loader is not None
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    world = build_world(session_factory)
    handler = world.principals["handler_a"]
    wid = new_warning(session_factory, world, receive_days=1, report_days=5)
    new_warning(session_factory, world, receive_days=1, report_days=5)
    for action, extra in (("receive", {}), ("assign", {"responsible_person": "李四"}),
                          ("report", {"comment": "已整改"})):
        with transaction(session_factory) as session:
            version = session.scalars(select(HandlingRecord.version)
                                      .where(HandlingRecord.warning_id == wid)).one()
            act(session, warning_id=wid, principal=handler, action=action, version=version,
                now=ISSUED_AT + timedelta(hours=1), **extra)
    with transaction(session_factory) as session:
        scan_overdue(session, TUE_0310)
    with transaction(session_factory) as session:
        before = _stored_and_read(session)
        session.execute(update(HandlingRecord).values(dict.fromkeys(FACT_COLUMNS)))
        session.execute(text(migration.BACKFILL))
    with session_factory() as session:
        after = _stored_and_read(session)
    assert after == before and all(stored == read for stored, read in after)
    assert any(stored["escalated_at"] for stored, _ in after)
