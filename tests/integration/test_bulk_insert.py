"""insert_many writes what an executemany writes, whether it takes COPY or not."""

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, select, text

from tests.integration.test_handling_fixtures import build_world, bulk_warnings
from warning.db.bulk import COPY_FROM, insert_many, insert_returning
from warning.db.engine import transaction
from warning.db.models import HandlingEvent, RiskWarning, Signal
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


def test_the_driver_path_stores_the_very_text_core_stores(
    engine: Engine, session_factory: Any
) -> None:
    """On SQLite insert_many bypasses SQLAlchemy's parameter handling: the stored text of
    datetimes (another time zone given) and JSON must be what Core would have stored."""
    world = build_world(session_factory)
    shanghai = WHEN.astimezone(timezone(timedelta(hours=8)))
    with transaction(session_factory) as session:
        bulk_warnings(session, world, 4, due=WHEN)
        first = min(session.scalars(select(HandlingEvent.record_id)))
        fast = _events(first, 2, "system:bulk")
        plain = _events(first + 2, 2, "system:plain")
        for event in (*fast, *plain):
            event["created_at"] = shanghai
        insert_many(session.connection(), HandlingEvent.__table__, fast)
        session.connection().execute(HandlingEvent.__table__.insert(), plain)
    with engine.connect() as conn:
        stored = conn.execute(text(
            "SELECT actor, CAST(created_at AS TEXT), CAST(data AS TEXT), hash FROM "
            "handling_events WHERE seq = 2 ORDER BY record_id")).all()
    assert [row[0] for row in stored] == ["system:bulk"] * 2 + ["system:plain"] * 2
    assert {row[1:3] for row in stored} == {stored[-1][1:3]}


def test_insert_returning_skips_conflicting_rows_and_returns_the_rest(
    session_factory: Any,
) -> None:
    """The open-warning race relies on this: a row whose key is taken returns nothing."""
    world = build_world(session_factory)
    table = RiskWarning.__table__
    common = {"risk_point_id": world.point_id, "department_id": world.departments["A"],
              "subject_kind": "department", "rule_id": "r1", "rule_version": "v1",
              "signal_id": world.signal_id, "response": "reminder", "is_open": True,
              "rule_ids": ["r1"], "created_at": WHEN}
    conflict = "ON CONFLICT (risk_point_id, subject_key) WHERE is_open DO NOTHING"
    with transaction(session_factory) as session:
        first = insert_returning(session.connection(), table,
                                 [common | {"subject_key": "k1"}], ("id", "subject_key"),
                                 on_conflict=conflict)
        again = insert_returning(
            session.connection(), table,
            [common | {"subject_key": key} for key in ("k1", "k2", "k3")],
            ("id", "subject_key"), on_conflict=conflict)
    assert [key for _id, key in first] == ["k1"]
    assert sorted(key for _id, key in again) == ["k2", "k3"]
    with session_factory() as session:
        rows = session.execute(select(RiskWarning.id, RiskWarning.subject_key,
                                      RiskWarning.rule_ids, RiskWarning.created_at)
                               .order_by(RiskWarning.id)).all()
    assert {(r.id, r.subject_key) for r in rows} == {*first, *again}
    assert all(r.rule_ids == ["r1"] and r.created_at == WHEN for r in rows)


def test_equal_rule_id_lists_and_booleans_store_what_core_stores(
    engine: Engine, session_factory: Any,
) -> None:
    """insert_many encodes an equal list of strings once and a boolean from a table: the
    stored text must still be Core's, row by row, lists that differ staying apart."""
    world = build_world(session_factory)
    table = RiskWarning.__table__
    common = {"risk_point_id": world.point_id, "department_id": world.departments["A"],
              "subject_kind": "department", "rule_id": "r1", "rule_version": "v1",
              "signal_id": world.signal_id, "response": "reminder", "created_at": WHEN}
    lists = [["r1"], ["r1"], ["r1", "规则二"], [], ["r2", "r1"], ["r1", "规则二"]]
    flags = [True, False, True, False, True, False]
    fast = [common | {"subject_key": f"fast{i}", "rule_ids": ids, "is_open": i % 2 == 0,
                      "is_proposal": flag}
            for i, (ids, flag) in enumerate(zip(lists, flags, strict=True))]
    plain = [row | {"subject_key": row["subject_key"].replace("fast", "plain"),
                    "rule_ids": list(row["rule_ids"])} for row in fast]
    with transaction(session_factory) as session:
        insert_many(session.connection(), table, fast)
        session.connection().execute(table.insert(), plain)
    with engine.connect() as conn:
        stored = conn.execute(text(
            "SELECT subject_key, CAST(rule_ids AS TEXT), CAST(is_open AS TEXT), "
            "CAST(is_proposal AS TEXT) FROM warnings ORDER BY id")).all()
    by_key = {row[0]: row[1:] for row in stored}
    assert [by_key[f"fast{i}"] for i in range(6)] == [by_key[f"plain{i}"] for i in range(6)]
    with session_factory() as session:
        rules = session.execute(select(RiskWarning.subject_key, RiskWarning.rule_ids,
                                       RiskWarning.is_proposal)
                                .where(RiskWarning.subject_key.like("fast%"))
                                .order_by(RiskWarning.subject_key)).all()
    assert [r.rule_ids for r in rules] == lists
    assert [r.is_proposal for r in rules] == flags


HOSTILE = ["NULL", "", '"', "\\", "{a,b}", "a,b", "行\n二\t三", "'; DROP TABLE signals; --",
           "😀", "(1,2)", " lead and trail ", "\\N"]


def test_insert_returning_stores_what_core_stores_for_every_kind_of_value(
    engine: Engine, session_factory: Any, monkeypatch: Any,
) -> None:
    """On PostgreSQL the rows go as one array a column (unnest), in chunks: text that
    array syntax gives meaning to, NULLs, JSON, amounts and instants must be stored as Core
    stores them, every row once, and each row's returned key must be its own."""
    import warning.db.bulk_unnest as unnest

    monkeypatch.setattr(unnest, "ROWS_PER_STATEMENT", 5)  # several statements, a short last
    world = build_world(session_factory)
    with session_factory() as session:
        channel = session.scalar(select(Signal.channel_id).where(Signal.id == world.signal_id))
    shanghai = timezone(timedelta(hours=8))
    amounts = [Decimal("99999999999999.99"), None, Decimal("0.01"), Decimal("-5")]
    extras = [{"k": "v", "列表": [1, None, "x"]}, {}, {"s": '"\\{}'}, {"n": None}]

    def row(prefix: str, i: int) -> dict[str, Any]:
        return {"channel_id": channel, "external_id": f"{prefix}{i}",
                "title": HOSTILE[i % len(HOSTILE)], "text": HOSTILE[-1 - i % len(HOSTILE)],
                "department_id": world.departments["A"] if i % 3 else None,
                "person": HOSTILE[(i + 3) % len(HOSTILE)], "post": "",
                "amount": amounts[i % len(amounts)], "extra": extras[i % len(extras)],
                "occurred_at": None if i % 2 else (WHEN + timedelta(days=i)).astimezone(shanghai),
                "received_at": WHEN}

    count = 2 * len(HOSTILE) + 1
    with transaction(session_factory) as session:
        returned = insert_returning(session.connection(), Signal.__table__,
                                    [row("fast", i) for i in range(count)],
                                    ("id", "external_id"))
        session.connection().execute(Signal.__table__.insert(),
                                     [row("plain", i) for i in range(count)])
    assert sorted(key for _id, key in returned) == sorted(f"fast{i}" for i in range(count))
    columns = ("title", "text", "department_id", "person", "amount", "extra", "occurred_at",
               "received_at")
    shown = ", ".join(f"CAST({c} AS TEXT)" for c in columns)
    with engine.connect() as conn:
        stored = {key: (id_, rest) for key, id_, *rest in conn.execute(text(
            f"SELECT external_id, id, {shown} FROM signals WHERE external_id LIKE 'fast%' "
            "OR external_id LIKE 'plain%'"))}
    for i in range(count):
        assert stored[f"fast{i}"][1] == stored[f"plain{i}"][1], i
    assert {stored[key][0] for _id, key in returned} == {id_ for id_, _key in returned}
    assert all(stored[key][0] == id_ for id_, key in returned)
