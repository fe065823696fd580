"""A small world for handling tests: departments, leaders, users of every role, warnings."""

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session, sessionmaker

from warning.auth.principal import Principal
from warning.auth.users import add_user, issue_token, principal_of
from warning.db.engine import transaction
from warning.db.id_counters import next_ids
from warning.db.models import (
    Channel,
    Department,
    HandlingEvent,
    HandlingRecord,
    Person,
    RiskPoint,
    RiskWarning,
    Signal,
    Unit,
)
from warning.handling.events import event_fields
from warning.handling.opening import open_record

ISSUED_AT = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai


@dataclass
class World:
    """Ids and tokens of what `build_world` created."""

    departments: dict[str, int] = field(default_factory=dict)
    people: dict[str, int] = field(default_factory=dict)
    principals: dict[str, Principal] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    point_id: int = 0
    signal_id: int = 0


def build_world(sessions: sessionmaker[Session]) -> World:
    """Create departments A and B (B supervised by the leader), a top leader, six users."""
    world = World()
    with transaction(sessions) as session:
        unit = Unit(code="U", name="测试局")
        session.add(unit)
        session.flush()
        for code, name in (("LD", "局领导"), ("A", "采购中心"), ("B", "财务科"), ("C", "办公室")):
            session.add(Department(unit_id=unit.id, code=code, name=name))
        session.flush()
        depts = {d.code: d for d in session.scalars(select(Department))}
        world.departments = {code: d.id for code, d in depts.items()}
        top = Person(name="局长", department_id=depts["LD"].id, email="top@example.cn")
        leader = Person(name="分管副局长", department_id=depts["LD"].id, email="vp@example.cn")
        session.add_all([top, leader])
        session.flush()
        depts["LD"].leader_id = top.id
        depts["A"].leader_id = leader.id
        depts["B"].leader_id = leader.id
        world.people = {"top": top.id, "leader": leader.id}
        specs = [("admin", "admin", None), ("office", "office", None),
                 ("handler_a", "handler", "A"), ("handler_b", "handler", "B"),
                 ("leader", "leader", None), ("reviewer", "reviewer", None)]
        for name, role, dept in specs:
            user = add_user(session, name=name, role=role, department_code=dept,
                            email=f"{name}@example.cn",
                            person_id=leader.id if role == "leader" else None)
            world.principals[name] = principal_of(user)
            world.tokens[name] = issue_token(session, user=user)
        point = RiskPoint(code="P1", name="物资采购中串通投标", category="业务流程",
                          level="high", owner_level="department", department_id=depts["A"].id)
        channel = Channel(code="petition", name="信访举报", kind="manual", confidential=True)
        session.add_all([point, channel])
        session.flush()
        signal = Signal(channel_id=channel.id, external_id="S1", title="来信",
                        text="反映串标", extra={"reporter": "举报人张三 13800000000"})
        session.add(signal)
        session.flush()
        world.point_id, world.signal_id = point.id, signal.id
    return world


_SUBJECTS = itertools.count(1)


def new_warning(
    sessions: sessionmaker[Session], world: World, dept: str = "A", *,
    now: datetime = ISSUED_AT, receive_days: int = 1, report_days: int = 10,
) -> int:
    """Raise a warning on department `dept` and open its record; return the warning id."""
    with transaction(sessions) as session:
        warning = RiskWarning(
            risk_point_id=world.point_id, department_id=world.departments[dept],
            # one open warning per (risk point, subject) is enforced: each its own subject
            subject_kind="department", subject_key=f"department:{dept}#{next(_SUBJECTS)}",
            subject_name=dept,
            rule_id="r1", rule_version="v1", signal_id=world.signal_id, response="rectification",
        )
        session.add(warning)
        session.flush()
        open_record(session, warning=warning, actor="system:test",
                    receive_days=receive_days, report_days=report_days, now=now)
        return warning.id


def bulk_warnings(session: Session, world: World, count: int, due: datetime) -> None:
    """Insert `count` issued warnings with records and first events, set-based; the
    warnings' ids drawn as intake draws them, the records' given by the database."""
    ids = next_ids(session.connection(), "warnings", count)
    session.execute(insert(RiskWarning), [
        {"id": i, "risk_point_id": world.point_id, "department_id": world.departments["A"],
         "subject_kind": "department", "subject_key": f"k{i}", "rule_id": "r1",
         "rule_version": "v1", "signal_id": world.signal_id, "response": "reminder"}
        for i in ids
    ])
    records = session.scalars(insert(HandlingRecord).returning(HandlingRecord.id), [
        {"warning_id": i, "state": "issued", "version": 1, "receive_due_at": due,
         "report_due_at": due} for i in ids
    ]).all()
    session.execute(insert(HandlingEvent), [
        event_fields(record_id=record, seq=1, action="issue", from_state="", to_state="issued",
                     actor="system:test", created_at=ISSUED_AT, prev_hash="")
        for record in records
    ])
