"""Seed and check the database of bench/transitions_bench.py.

`seed_world` writes eight departments with one handler each, an office user, and N issued
warnings (records and hash-chained `issue` events written set-based with Core, spread over
the departments). `check_world` afterwards compares the database with what the clients saw.
"""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select, text

from bench.workload import DEPARTMENTS, seed_database
from warning.auth.users import add_user, issue_token
from warning.channels.loader import load_channels
from warning.channels.sync import sync_channels
from warning.db.engine import make_engine, make_sessionmaker, transaction
from warning.db.models import (
    Channel,
    Department,
    HandlingEvent,
    HandlingRecord,
    RiskPoint,
    RiskWarning,
    Signal,
)
from warning.handling.audit import verify_chains
from warning.handling.events import event_fields


@dataclass(frozen=True)
class Opened:
    """A warning as seeded: its department's handler (index into tokens) and record."""

    warning_id: int
    handler: int
    version: int
    events: int


@dataclass
class World:
    """Tokens and the seeded warnings of one bench database."""

    handler_tokens: list[str] = field(default_factory=list)
    office_token: str = ""
    warnings: list[Opened] = field(default_factory=list)


@contextmanager
def scratch_database(admin_url: str | None, root: Path, name: str) -> Iterator[str]:
    """Yield the URL of a new empty database: a SQLite file, or a PostgreSQL one dropped after."""
    if admin_url is None or admin_url.startswith("sqlite"):
        yield f"sqlite:///{root / (name + '.db')}"
        return
    admin = make_engine(admin_url, isolation_level="AUTOCOMMIT")
    db = f"qf_transitions_{name}_{os.getpid()}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{db}"'))
    try:
        yield admin_url.rsplit("/", 1)[0] + "/" + db
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
        admin.dispose()


def seed_world(url: str, channels_dir: Path, count: int) -> World:
    """Migrate `url`, add the organisation, users and `count` issued warnings."""
    seed_database(url, 1)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    world = World()
    now = datetime.now(UTC)
    with transaction(sessions) as session:
        sync_channels(session, load_channels(channels_dir))
        channel_id = session.scalar(select(Channel.id).where(Channel.code == "petition"))
        signal = Signal(channel_id=channel_id, external_id="T-1", title="关于有关情况的反映")
        session.add(signal)
        departments = dict(session.execute(select(Department.code, Department.id)).all())
        for code, _ in DEPARTMENTS:
            user = add_user(session, name=f"handler_{code}", role="handler", department_code=code)
            world.handler_tokens.append(issue_token(session, user=user))
        world.office_token = issue_token(session, user=add_user(session, name="office",
                                                                 role="office"))
        session.flush()
        point_id = session.scalar(select(RiskPoint.id))
        codes = [code for code, _ in DEPARTMENTS]
        ids = range(1, count + 1)
        session.execute(insert(RiskWarning), [
            {"id": i, "risk_point_id": point_id, "department_id": departments[codes[i % 8]],
             "subject_kind": "department", "subject_key": f"department:{codes[i % 8]}:{i}",
             "subject_name": codes[i % 8], "rule_id": "bench-0", "rule_version": "v1",
             "signal_id": signal.id, "response": "rectification", "created_at": now}
            for i in ids
        ])
        session.execute(insert(HandlingRecord), [
            {"id": i, "warning_id": i, "state": "issued", "version": 1, "updated_at": now,
             "receive_due_at": now + timedelta(days=2), "report_due_at": now + timedelta(days=20)}
            for i in ids
        ])
        session.execute(insert(HandlingEvent), [
            event_fields(record_id=i, seq=1, action="issue", from_state="", to_state="issued",
                         actor="system:bench", data={"response": "rectification"},
                         created_at=now, prev_hash="")
            for i in ids
        ])
    _sequences_past(engine, count)
    with sessions() as session:
        handler_of = {departments[code]: n for n, code in enumerate(codes)}
        events = dict(session.execute(select(HandlingEvent.record_id, func.count())
                                      .group_by(HandlingEvent.record_id)).all())
        rows = session.execute(
            select(RiskWarning.id, RiskWarning.department_id, HandlingRecord.id,
                   HandlingRecord.version)
            .join(HandlingRecord, HandlingRecord.warning_id == RiskWarning.id)
            .order_by(RiskWarning.id)
        )
        world.warnings = [Opened(w, handler_of[d], v, events.get(r, 0)) for w, d, r, v in rows]
    engine.dispose()
    return world


def _sequences_past(engine: object, count: int) -> None:
    """Move PostgreSQL's id sequences past the explicit ids written above."""
    if engine.dialect.name != "postgresql":  # type: ignore[attr-defined]
        return
    with engine.begin() as conn:  # type: ignore[attr-defined]
        for table in ("warnings", "handling_records", "handling_events"):
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                              f"(SELECT max(id) FROM {table}))"))


@dataclass
class Check:
    """What the database holds against what the clients were told."""

    acknowledged: int = 0  # 2xx responses the clients received
    new_events: int = 0  # events written after seeding
    unanswered_committed: int = 0  # requests in flight when the clients stopped, yet stored
    lost: list[int] = field(default_factory=list)
    duplicated: list[int] = field(default_factory=list)
    repeated_actions: int = 0
    version_mismatch: list[int] = field(default_factory=list)
    broken_chains: int = 0

    @property
    def ok(self) -> bool:
        return not (self.lost or self.duplicated or self.repeated_actions
                    or self.version_mismatch or self.broken_chains)


def check_world(url: str, world: World, seen: dict[int, tuple[int, bool]]) -> Check:
    """Compare, per warning, events stored with successes seen (and maybe one unanswered)."""
    engine = make_engine(url)
    check = Check()
    with make_sessionmaker(engine)() as session:
        records = {w: (r, v, s) for w, r, v, s in session.execute(select(
            HandlingRecord.warning_id, HandlingRecord.id, HandlingRecord.version,
            HandlingRecord.state))}
        counts = dict(session.execute(select(HandlingEvent.record_id, func.count())
                                      .group_by(HandlingEvent.record_id)).all())
        last_seq = select(HandlingEvent.record_id, func.max(HandlingEvent.seq).label("seq")) \
            .group_by(HandlingEvent.record_id).subquery()
        last_state = dict(session.execute(
            select(HandlingEvent.record_id, HandlingEvent.to_state).join(
                last_seq, (last_seq.c.record_id == HandlingEvent.record_id)
                & (last_seq.c.seq == HandlingEvent.seq))).all())
        check.repeated_actions = len(session.execute(
            select(HandlingEvent.record_id, HandlingEvent.action)
            .group_by(HandlingEvent.record_id, HandlingEvent.action)
            .having(func.count() > 1)).all())
        check.broken_chains = len(verify_chains(session))
    engine.dispose()
    for opened in world.warnings:
        record_id, version, state = records[opened.warning_id]
        stored = counts.get(record_id, 0) - opened.events
        successes, unanswered = seen.get(opened.warning_id, (0, False))
        check.acknowledged += successes
        check.new_events += stored
        if stored < successes:
            check.lost.append(opened.warning_id)
        elif stored > successes + (1 if unanswered else 0):
            check.duplicated.append(opened.warning_id)
        else:
            check.unanswered_committed += stored - successes
        if version - opened.version != stored or last_state.get(record_id) != state:
            check.version_mismatch.append(opened.warning_id)
    return check
