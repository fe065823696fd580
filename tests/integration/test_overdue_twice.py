"""The overdue scan run by two instances at the same moment records each escalation once,
and a scan a user action collides with still writes every due escalation in its run."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests.integration.test_handling_fixtures import build_world, bulk_warnings
from warning.db.engine import make_engine, make_sessionmaker, transaction
from warning.db.models import HandlingEvent, HandlingRecord, Notice
from warning.handling import overdue
from warning.handling.audit import verify_chains
from warning.handling.overdue import ScanResult, run_scan
from warning.handling.records import act


def test_two_scans_at_once_escalate_each_record_once(db_url: str) -> None:
    engines = [make_engine(db_url) for _ in range(2)]  # as two instances would
    sessions = [make_sessionmaker(engine) for engine in engines]
    world = build_world(sessions[0])
    with transaction(sessions[0]) as session:
        bulk_warnings(session, world, 300, due=datetime.now(UTC) - timedelta(hours=2))
    start = threading.Barrier(2)
    results: list[ScanResult] = []

    def scan(factory):  # type: ignore[no-untyped-def]
        start.wait()
        results.append(run_scan(factory))

    threads = [threading.Thread(target=scan, args=(f,)) for f in sessions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 2  # neither scan failed
    assert sum(r.escalated.get(1, 0) for r in results) == 300  # one did it, the other gave way
    with sessions[0]() as session:
        per_record = session.execute(
            select(HandlingEvent.record_id, func.count())
            .where(HandlingEvent.action == "escalate").group_by(HandlingEvent.record_id)).all()
        keys = session.scalar(select(func.count(func.distinct(Notice.key))))
        assert keys == session.scalar(select(func.count()).select_from(Notice))
        assert verify_chains(session) == []
    assert len(per_record) == 300 and {n for _, n in per_record} == {1}
    for engine in engines:
        engine.dispose()


def test_a_scan_that_collides_with_a_user_action_reads_again_and_writes_the_rest(
    db_url: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A handler acts on one record after the scan read it: the scan is refused whole by
    (record, seq), and must not hold the other records' escalations back to its next run."""
    engine = make_engine(db_url)
    sessions = make_sessionmaker(engine)
    world = build_world(sessions)
    with transaction(sessions) as session:
        bulk_warnings(session, world, 20, due=datetime.now(UTC) - timedelta(hours=2))
    real_write = overdue._write
    acted: list[int] = []

    def write_after_a_user_acts(session, rows, now, **kind):  # type: ignore[no-untyped-def]
        if rows and not acted:  # between this scan's read and its write
            with transaction(sessions) as other:
                act(other, warning_id=rows[0]["warning_id"], action="receive", version=1,
                    principal=world.principals["handler_a"])
            acted.append(rows[0]["record_id"])
        return real_write(session, rows, now, **kind)

    monkeypatch.setattr(overdue, "_write", write_after_a_user_acts)
    result = run_scan(sessions)
    assert acted
    # The received record waits on its report, due two hours ago as well: all 20 escalate.
    assert result.escalated[1] == 20
    with sessions() as session:
        trail = session.scalars(select(HandlingEvent.action).where(
            HandlingEvent.record_id == acted[0]).order_by(HandlingEvent.seq)).all()
        assert verify_chains(session) == []
        escalated = session.scalar(select(func.count()).select_from(HandlingRecord)
                                   .where(HandlingRecord.overdue_level == 1))
    assert trail == ["issue", "receive", "escalate"] and escalated == 20
    engine.dispose()
