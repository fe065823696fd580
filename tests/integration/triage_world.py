"""A runtime whose petition channel proposes (its default) and one user per role."""

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from tests.support import DATA, seed_org
from warning.auth.principal import Principal
from warning.auth.users import add_user, issue_token, principal_of
from warning.db.models import (
    Base,
    Department,
    HandlingEvent,
    HandlingRecord,
    Notice,
    Person,
    RiskWarning,
)
from warning.handling.audit import verify_chains
from warning.runtime import Runtime, build_runtime
from warning.services.signal_input import SignalIn
from warning.settings import load_settings
from warning.web.app import create_app
from warning.web.security import SESSION_COOKIE

ROLES = {"admin": ("admin", None), "office": ("office", None), "reviewer": ("reviewer", None),
         "handler_a": ("handler", "CGZX"), "handler_b": ("handler", "CWK"),
         "leader_a": ("leader", None)}
# Raises bid-collusion (CG-001, department CGZX) on whatever channel it comes in.
COLLUSION = "采购中心评标中有人串标Z{n}"


@dataclass
class TriageWorld:
    runtime: Runtime
    principals: dict[str, Principal]
    tokens: dict[str, str]

    def client(self, role: str) -> TestClient:
        """Return a page and API client signed in as `role`."""
        app = create_app(self.runtime)
        return TestClient(app, cookies={SESSION_COOKIE: self.tokens[role]},
                          follow_redirects=False)

    def petition(self, n: int, **fields: object) -> tuple[int, list[int]]:
        """Log a petition about CGZX that raises bid-collusion; return signal and warning ids."""
        values: dict[str, object] = {"channel": "petition", "department": "CGZX",
                                     "title": f"举报{n}", "text": COLLUSION.format(n=n),
                                     "external_id": f"T-{n}"}
        values.update(fields)
        outcome = self.runtime.intake.ingest([SignalIn(**values)])[0]  # type: ignore[arg-type]
        assert outcome.signal_id is not None
        return outcome.signal_id, [w.id for w in outcome.warnings]


def channels_proposing(tmp_path: Path) -> Path:
    """Copy the test channels, the petition channel left to its default (confidential:
    proposals)."""
    target = tmp_path / "channels"
    shutil.copytree(DATA / "channels", target)
    petition = target / "petition.yaml"
    lines = [line for line in petition.read_text(encoding="utf-8").splitlines()
             if not line.startswith("triage:")]
    petition.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target


def build_triage_world(db_url: str, rules_dir: Path, tmp_path: Path) -> Iterator[TriageWorld]:
    """Yield the world; close its runtime after the test."""
    settings = load_settings(database_url=db_url, rules_dir=rules_dir,
                             channels_dir=channels_proposing(tmp_path), intake_batch_wait_ms=1.0,
                             run_scheduler=False, attachments_dir=tmp_path / "files",
                             data_dir=tmp_path / "data")
    runtime = build_runtime(settings, load_rules=False)
    seed_org(runtime.sessions)
    runtime.sync_channels()
    assert runtime.rules.load() == []
    with runtime.sessions() as session, session.begin():
        leader = Person(name="甲部门分管领导", department_id=None)
        session.add(leader)
        session.flush()
        cgzx = session.scalars(select(Department).where(Department.code == "CGZX")).one()
        cgzx.leader_id = leader.id
        users = {role: add_user(session, name=role, role=kind, department_code=department,
                                person_id=leader.id if role == "leader_a" else None)
                 for role, (kind, department) in ROLES.items()}
        tokens = {role: issue_token(session, user=user) for role, user in users.items()}
        principals = {role: principal_of(user) for role, user in users.items()}
    try:
        yield TriageWorld(runtime, principals, tokens)
    finally:
        runtime.close()


def record_state(world: TriageWorld, warning_id: int) -> tuple[str, list[str], list[str], int]:
    """Return a warning's record state, trail actions, notice kinds and repeat count, once
    every event chain is checked."""
    with world.runtime.sessions() as session:
        record = session.scalars(select(HandlingRecord)
                                 .where(HandlingRecord.warning_id == warning_id)).one()
        actions = list(session.scalars(select(HandlingEvent.action)
                                       .where(HandlingEvent.record_id == record.id)
                                       .order_by(HandlingEvent.seq)))
        notices = list(session.scalars(select(Notice.kind)
                                       .where(Notice.record_id == record.id)))
        warning = session.get(RiskWarning, warning_id)
        assert warning is not None and verify_chains(session) == []
        return record.state, actions, notices, warning.repeat_count


def _reset(db_url: str) -> None:
    """Empty every table but the migrated categories, ids given again from the start."""
    from sqlalchemy import create_engine

    engine = create_engine(db_url)
    kept = ("categories", "id_counters")  # id_counters: the counter starts again below
    tables = [t.name for t in Base.metadata.sorted_tables if t.name not in kept]
    with engine.begin() as conn:
        if db_url.startswith("sqlite"):
            for name in reversed(tables):
                conn.execute(text(f'DELETE FROM "{name}"'))
            if conn.execute(text("SELECT name FROM sqlite_master "
                                 "WHERE name = 'sqlite_sequence'")).first():
                conn.execute(text("DELETE FROM sqlite_sequence"))
            conn.execute(text("UPDATE id_counters SET last = 0"))
        else:
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
            conn.execute(text("ALTER SEQUENCE warnings_numbers RESTART"))
    engine.dispose()


@pytest.fixture
def worlds(db_url: str, rules_dir: Path, tmp_path: Path) -> Iterator[Any]:
    """Yield a function that builds a fresh world (the database emptied) per call."""
    opened: list[Iterator[TriageWorld]] = []

    def fresh(name: str) -> TriageWorld:
        for previous in opened:
            next(previous, None)  # closes the runtime
        opened.clear()
        _reset(db_url)
        place = tmp_path / name
        place.mkdir()
        built = build_triage_world(db_url, rules_dir, place)
        opened.append(built)
        return next(built)

    yield fresh
    for previous in opened:
        next(previous, None)
