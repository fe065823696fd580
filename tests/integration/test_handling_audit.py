"""An event edited behind the service's back is caught by the chain check, also by the CLI."""

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.test_handling_fixtures import build_world, new_warning
from warning.db.engine import transaction
from warning.handling.audit import verify_chains
from warning.handling.records import act


def test_sql_update_of_an_event_is_caught(session_factory: sessionmaker[Session]) -> None:
    world = build_world(session_factory)
    first, second = new_warning(session_factory, world), new_warning(session_factory, world)
    with transaction(session_factory) as session:
        act(session, warning_id=first, principal=world.principals["handler_a"],
            action="receive", version=1)
    with session_factory() as session:
        assert verify_chains(session) == []
    with transaction(session_factory) as session:
        session.execute(text(
            "UPDATE handling_events SET comment = '已签收（改）' WHERE seq = 2"
        ))
        record_id = session.execute(text(
            "SELECT record_id FROM handling_events WHERE seq = 2"
        )).scalar_one()
    with session_factory() as session:
        broken = verify_chains(session)
    assert [(b.record_id, b.seq) for b in broken] == [(record_id, 2)]
    assert "hash mismatch" in broken[0].reason
    assert second  # the untouched record's chain still holds


def test_deleted_event_breaks_the_sequence(session_factory: sessionmaker[Session]) -> None:
    world = build_world(session_factory)
    wid = new_warning(session_factory, world)
    with transaction(session_factory) as session:
        act(session, warning_id=wid, principal=world.principals["handler_a"],
            action="receive", version=1)
        act(session, warning_id=wid, principal=world.principals["handler_a"],
            action="assign", version=2, responsible_person="李四")
    with transaction(session_factory) as session:
        session.execute(text("DELETE FROM handling_events WHERE seq = 2"))
    with session_factory() as session:
        broken = verify_chains(session)
    assert [b.seq for b in broken] == [3] and "seq gap" in broken[0].reason
