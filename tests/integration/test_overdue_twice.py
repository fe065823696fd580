"""The overdue scan run by two instances at the same moment records each escalation once."""

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from tests.integration.test_handling_fixtures import build_world, bulk_warnings
from warning.db.engine import make_engine, make_sessionmaker, transaction
from warning.db.models import HandlingEvent, Notice
from warning.handling.audit import verify_chains
from warning.handling.overdue import ScanResult, run_scan


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
