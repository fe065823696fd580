"""insert_many writes what an executemany writes, whether it takes COPY or not."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, select

from tests.integration.test_handling_fixtures import build_world, bulk_warnings
from warning.db.bulk import COPY_FROM, insert_many
from warning.db.engine import transaction
from warning.db.models import HandlingEvent
from warning.handling.events import event_fields

WHEN = datetime(2026, 3, 4, 2, 0, 0, 123456, tzinfo=UTC)


def _events(first_record: int, count: int, actor: str) -> list[dict[str, Any]]:
    return [
        event_fields(record_id=first_record + i, seq=2, action="escalate", from_state="issued",
                     to_state="issued", actor=actor, comment="已逾期：升级督办", created_at=WHEN,
                     data={"level": 1, "notified": ["office", "person:7"], "说明": None},
                     prev_hash="ab" * 32)
        for i in range(count)
    ]


def test_copy_and_executemany_store_the_same_rows(engine: Engine, session_factory: Any) -> None:
    world = build_world(session_factory)
    count = COPY_FROM + 20  # PostgreSQL takes COPY for this many, SQLite executemany
    with transaction(session_factory) as session:
        bulk_warnings(session, world, 2 * count, due=WHEN)
        first = min(session.scalars(select(HandlingEvent.record_id)))
        insert_many(session.connection(), HandlingEvent.__table__,
                    _events(first, count, "system:bulk"))
        session.connection().execute(HandlingEvent.__table__.insert(),
                                     _events(first + count, count, "system:plain"))
    with session_factory() as session:
        stored = session.scalars(select(HandlingEvent).where(HandlingEvent.seq == 2)
                                 .order_by(HandlingEvent.record_id)).all()
    columns = ("seq", "action", "from_state", "to_state", "comment", "data", "created_at",
               "prev_hash")
    bulk = [tuple(getattr(e, c) for c in columns) for e in stored if e.actor == "system:bulk"]
    plain = [tuple(getattr(e, c) for c in columns) for e in stored if e.actor == "system:plain"]
    assert len(bulk) == len(plain) == count
    assert bulk == plain
    assert bulk[0][5] == {"level": 1, "notified": ["office", "person:7"], "说明": None}
    assert bulk[0][6] == WHEN
