"""Fifty racing transitions on one record: exactly one wins, no event lost or doubled."""

import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.test_handling_fixtures import build_world, new_warning
from warning.db.models import HandlingEvent, HandlingRecord
from warning.handling.audit import verify_chains
from warning.handling.errors import Conflict
from warning.handling.records import act

RACERS = 50


def test_fifty_concurrent_receives_one_wins(session_factory: sessionmaker[Session]) -> None:
    world = build_world(session_factory)
    wid = new_warning(session_factory, world)
    handler = world.principals["handler_a"]
    barrier = threading.Barrier(RACERS)

    def attempt(_: int) -> str:
        session = session_factory()
        try:
            barrier.wait()
            act(session, warning_id=wid, principal=handler, action="receive", version=1)
            session.commit()
            return "won"
        except Conflict as conflict:
            session.rollback()
            assert conflict.version >= 1
            return "conflict"
        finally:
            session.close()

    with ThreadPoolExecutor(RACERS) as pool:
        outcomes = list(pool.map(attempt, range(RACERS)))
    assert outcomes.count("won") == 1, outcomes
    assert outcomes.count("conflict") == RACERS - 1
    with session_factory() as session:
        record = session.scalars(
            select(HandlingRecord).where(HandlingRecord.warning_id == wid)
        ).one()
        events = session.scalars(
            select(HandlingEvent).where(HandlingEvent.record_id == record.id)
            .order_by(HandlingEvent.seq)
        ).all()
        assert verify_chains(session) == []
    assert (record.state, record.version) == ("received", 2)
    assert [(e.seq, e.action) for e in events] == [(1, "issue"), (2, "receive")]
