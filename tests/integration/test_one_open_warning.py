"""At most one open warning per (risk point, subject), enforced by the database."""

import multiprocessing
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import JSON, Connection, Engine, func, insert, select, update
from sqlalchemy import column as sa_column
from sqlalchemy import table as sa_table
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.open_warning_race import SUBJECTS, race
from warning.db.migrate import alembic_config
from warning.db.models import HandlingEvent, HandlingRecord, RiskWarning, Signal, WarningSignal
from warning.handling.audit import verify_chains
from warning.handling.events import event_fields
from warning.runtime import Runtime

WORKERS, ROUNDS = 4, 12


def _open_per_key(sessions: sessionmaker[Session]) -> dict[tuple[int, str], int]:
    with sessions() as session:
        rows = session.execute(
            select(RiskWarning.risk_point_id, RiskWarning.subject_key, func.count())
            .where(RiskWarning.is_open.is_(True))
            .group_by(RiskWarning.risk_point_id, RiskWarning.subject_key)
        )
        return {(point, key): n for point, key, n in rows}


def test_concurrent_writers_in_separate_processes_open_one_warning_per_key(
    runtime: Runtime, db_url: str, rules_dir: Path
) -> None:
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(WORKERS)
    results = context.Queue()
    workers = [context.Process(target=race, args=(db_url, str(rules_dir), w, ROUNDS, barrier,
                                                  results)) for w in range(WORKERS)]
    for worker in workers:
        worker.start()
    stored = sum(results.get(timeout=240) for _ in workers)
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    assert stored == WORKERS * ROUNDS * 4
    while runtime.intake.retry_failed():  # a batch PostgreSQL chose as deadlock victim
        pass
    with runtime.sessions() as session:
        statuses = dict(session.execute(
            select(Signal.status, func.count()).group_by(Signal.status)).all())
        assert statuses == {"evaluated": stored}
        linked = session.scalar(select(func.count(func.distinct(WarningSignal.signal_id))))
        assert linked == stored  # every signal is on the one warning of its subject
        assert verify_chains(session) == []
    per_key = _open_per_key(runtime.sessions)
    assert len(per_key) == SUBJECTS and set(per_key.values()) == {1}


def test_database_refuses_a_second_open_warning_for_a_key(runtime: Runtime) -> None:
    [outcome] = runtime.intake.ingest([_petition("X-1", "张三")])
    [ref] = outcome.warnings
    with runtime.sessions() as session:
        row = session.execute(select(RiskWarning.__table__).where(RiskWarning.id == ref.id))
        values = dict(row.one()._mapping)
    values.pop("id")
    with pytest.raises(IntegrityError), runtime.sessions() as session, session.begin():
        session.execute(insert(RiskWarning.__table__).values(values))
    with runtime.sessions() as session, session.begin():  # a closed one does not count
        session.execute(insert(RiskWarning.__table__).values(values | {"is_open": False}))


def _petition(external_id: str, person: str) -> object:
    from warning.services.signal_input import SignalIn

    return SignalIn.model_validate({"channel": "petition", "external_id": external_id,
                                    "title": "反映串标", "text": "参与串标",
                                    "department": "CGZX", "person": person})


def _copy(conn: Connection, name: str, values: dict[str, Any]) -> int:
    """Insert a row as the schema before 0007c holds it (no Python-side defaults)."""
    columns = {k: v for k, v in values.items() if k != "id"}
    if "new_id" in columns:
        columns["id"] = columns.pop("new_id")
    data = {"data"} if name == "handling_events" else set()
    table = sa_table(name, *(sa_column(k, JSON() if k in data else None)
                             for k in columns if k != "id"), sa_column("id"))
    return conn.execute(insert(table).values(columns).returning(table.c.id)).scalar_one()


def test_migration_merges_existing_duplicates_before_the_index(
    runtime: Runtime, db_url: str, engine: Engine
) -> None:
    outcomes = runtime.intake.ingest([_petition(f"D-{n}", p) for n, p in
                                      enumerate(["甲", "乙", "甲", "丙"])])
    runtime.close()
    engine.dispose()
    command.downgrade(alembic_config(db_url), "0007c-1")  # just before 0007c
    kept = outcomes[0].warnings[0].id
    with engine.begin() as conn:  # what two writers left before 0007c: copies of 甲's warning
        row = dict(conn.execute(select(
            *[c for c in RiskWarning.__table__.c
              if c.name not in ("base_response", "rule_ids", "is_proposal")]  # added later
        ).where(RiskWarning.id == kept)).one()._mapping)
        record = dict(conn.execute(select(
            *[c for c in HandlingRecord.__table__.c  # added later:
              if c.name not in ("triage_due_at", "received_at", "reported_at", "escalated_at",
                                "issued_at", "triage_seq", "triage_version")]
        ).where(
            HandlingRecord.warning_id == kept)).one()._mapping)
        event = dict(conn.execute(select(HandlingEvent.__table__).where(
            HandlingEvent.record_id == record["id"], HandlingEvent.seq == 1)).one()._mapping)
        extras = []
        for n in range(2):  # numbered after it, as ids were in sequence before 0011a
            warning_id = _copy(conn, "warnings", row | {"new_id": kept + 1 + n})
            extras.append(warning_id)
            record_id = _copy(conn, "handling_records", record | {"warning_id": warning_id})
            chained = event_fields(**{k: event[k] for k in (
                "seq", "action", "from_state", "to_state", "actor", "comment", "data",
                "created_at", "prev_hash")}, record_id=record_id)
            _copy(conn, "handling_events", chained | {
                "created_at": event["created_at"].replace(tzinfo=None)
                if conn.dialect.name == "sqlite" else event["created_at"]})
            _copy(conn, "warning_signals", {"warning_id": warning_id, "rule_id": "bid-collusion",
                                            "signal_id": outcomes[3].signal_id,
                                            "attached_at": row["created_at"]})
        conn.execute(update(RiskWarning.__table__).where(RiskWarning.id.in_(extras))
                     .values(repeat_count=1))
    command.upgrade(alembic_config(db_url), "head")
    sessions = sessionmaker(engine)
    assert set(_open_per_key(sessions).values()) == {1}
    with sessions() as session:
        warnings = {w.id: w for w in session.scalars(select(RiskWarning))}
        assert warnings[kept].is_open and warnings[kept].repeat_count == 2 + 2
        assert not any(warnings[e].is_open for e in extras)
        states = dict(session.execute(select(HandlingRecord.warning_id, HandlingRecord.state)
                                      .where(HandlingRecord.warning_id.in_(extras))).all())
        assert set(states.values()) == {"withdrawn"}
        signals = set(session.scalars(select(WarningSignal.signal_id)
                                      .where(WarningSignal.warning_id == kept)))
        assert outcomes[3].signal_id in signals
        assert all(w.rule_ids == [w.rule_id] for w in warnings.values())
        assert verify_chains(session) == []
