"""A small world for the quarterly review of 2026Q3, with every figure known in advance.

On the seed_org register (CG-001 high, CG-002 medium: 采购中心 CGZX; CW-001 high: 财务科 CWK;
BG-001 low: 办公室 BGS). Times are UTC; Q3 is 2026-06-30 16:00 to 2026-09-30 16:00 UTC.

warning  point   dept  raised      response       what happens
W0       CG-001  CGZX  06-15 (Q2)  reminder       closed in Q2 (last quarter's hit)
W8       CG-002  CGZX  05-11 (Q2)  reminder       closed in Q2
W1       CG-001  CGZX  07-10       rectification  repeated 3 times; reported, closed on time
W2       CG-001  CGZX  08-05       talk           returned, reported again in time, accepted
                                                  09-30 23:30 +08: closed on time, in Q3
W3       CW-001  CWK   08-01       admonition     escalated 08-20; reported late, closed late
W4       CG-002  CGZX  09-01       reminder       never signed for: overdue
W5       BG-001  BGS   07-20       reminder       withdrawn
W6       CW-001  CWK   09-29       reminder       in progress, not due
W7       CG-001  CGZX  10-02 (Q4)  reminder       outside the quarter
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from warning.auth.principal import Principal
from warning.auth.users import add_user, issue_token
from warning.db.engine import transaction
from warning.db.models import (
    Channel,
    Department,
    HandlingRecord,
    RiskPoint,
    RiskWarning,
    Signal,
    WarningSignal,
)
from warning.domain.lifecycle import Action, Role
from warning.handling.opening import open_record
from warning.handling.overdue import scan_overdue
from warning.handling.records import act

Q3_CLOSING_MINUTE = datetime(2026, 9, 30, 15, 30, tzinfo=UTC)  # 23:30 in Shanghai
USERS = [("office", "office", None), ("reviewer", "reviewer", None),
         ("cg", "handler", "CGZX"), ("cw", "handler", "CWK"), ("leader", "leader", None)]


def at(month: int, day: int, hour: int = 2) -> datetime:
    """Return 2026-`month`-`day` `hour`:00 UTC."""
    return datetime(2026, month, day, hour, tzinfo=UTC)


@dataclass
class ReviewWorld:
    """Tokens per user name and warning ids per name (W0 ... W8)."""

    tokens: dict[str, str] = field(default_factory=dict)
    warnings: dict[str, int] = field(default_factory=dict)


class _Builder:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions
        with sessions() as session:
            self.departments = dict(session.execute(select(Department.code, Department.id)).all())
            self.points = dict(session.execute(select(RiskPoint.code, RiskPoint.id)).all())
            self.channels = dict(session.execute(select(Channel.code, Channel.id)).all())
        self.office = Principal(user_id=0, name="office", role=Role.OFFICE)

    def signal(self, channel: str, dept: str | None, received: datetime, key: str) -> int:
        with transaction(self.sessions) as session:
            signal = Signal(channel_id=self.channels[channel], external_id=key, title=key,
                            department_id=self.departments[dept] if dept else None,
                            received_at=received, status="evaluated")
            session.add(signal)
            session.flush()
            return signal.id

    def warning(self, point: str, dept: str, raised: datetime, response: str, subject: str,
                signal_id: int, *, repeat: int = 1, linked: bool = False) -> int:
        kind, _, name = subject.partition(":")
        with transaction(self.sessions) as session:
            warning = RiskWarning(
                risk_point_id=self.points[point], department_id=self.departments[dept],
                subject_kind=kind, subject_key=f"{kind}:{dept}:{name}", subject_name=name,
                rule_id="r", rule_version="v", signal_id=signal_id, response=response,
                repeat_count=repeat, created_at=raised,
            )
            session.add(warning)
            session.flush()
            if linked:
                session.add(WarningSignal(warning_id=warning.id, signal_id=signal_id,
                                          rule_id="r", attached_at=raised))
            open_record(session, warning=warning, actor="system:test", now=raised)
            return warning.id

    def act(self, warning_id: int, action: Action, when: datetime, **fields: str) -> None:
        with transaction(self.sessions) as session:
            record = session.scalars(select(HandlingRecord)
                                     .where(HandlingRecord.warning_id == warning_id)).one()
            warning = session.get_one(RiskWarning, warning_id)
            handler = Principal(user_id=0, name="handler", role=Role.HANDLER,
                                department_id=warning.department_id)
            who = self.office if action in (Action.ACCEPT, Action.RETURN,
                                            Action.WITHDRAW) else handler
            act(session, warning_id=warning_id, principal=who, action=action,
                version=record.version, now=when, **fields)

    def start(self, warning_id: int, when: datetime) -> None:
        self.act(warning_id, Action.RECEIVE, when)
        self.act(warning_id, Action.ASSIGN, when, responsible_person="李四")

    def report(self, warning_id: int, when: datetime) -> None:
        self.act(warning_id, Action.REPORT, when, comment="已整改")


def build_review_world(sessions: sessionmaker[Session]) -> ReviewWorld:
    """Create the signals, warnings, records, users and review dates described above."""
    world = ReviewWorld()
    b = _Builder(sessions)
    q2 = b.signal("audit", "CGZX", datetime(2026, 6, 30, 15, 59, tzinfo=UTC), "S6")
    s1 = b.signal("audit", "CGZX", at(7, 10), "S1")
    s2 = b.signal("audit", "CWK", at(8, 1), "S2")
    s3 = b.signal("petition", "CGZX", at(8, 5), "S3")
    b.signal("petition", "CWK", Q3_CLOSING_MINUTE, "S4")
    b.signal("api", None, datetime(2026, 9, 30, 16, 30, tzinfo=UTC), "S5")  # Q4 in Shanghai
    w = world.warnings
    for name, point, raised in (("W8", "CG-002", at(5, 11)), ("W0", "CG-001", at(6, 15))):
        w[name] = b.warning(point, "CGZX", raised, "reminder", "person:张三", q2)
        b.start(w[name], raised)
        b.report(w[name], raised)
        b.act(w[name], Action.ACCEPT, raised)
    w["W1"] = b.warning("CG-001", "CGZX", at(7, 10), "rectification", "person:张三", s1,
                        repeat=3, linked=True)
    b.start(w["W1"], at(7, 10))
    b.report(w["W1"], at(7, 12))
    b.act(w["W1"], Action.ACCEPT, at(7, 15))
    w["W5"] = b.warning("BG-001", "BGS", at(7, 20), "reminder", "department:BGS", q2)
    b.act(w["W5"], Action.WITHDRAW, at(7, 21), comment="误发")
    w["W3"] = b.warning("CW-001", "CWK", at(8, 1), "admonition", "department:CWK", s2,
                        linked=True)
    b.start(w["W3"], at(8, 1))
    w["W2"] = b.warning("CG-001", "CGZX", at(8, 5), "talk", "person:张三", s3, linked=True)
    b.start(w["W2"], at(8, 5))
    b.report(w["W2"], at(8, 7))
    b.act(w["W2"], Action.RETURN, at(8, 10), comment="整改不彻底")
    b.report(w["W2"], at(8, 12))
    with transaction(sessions) as session:
        scan_overdue(session, at(8, 20))  # W3's report was due 08-14: escalated
    b.report(w["W3"], at(9, 1))
    b.act(w["W3"], Action.ACCEPT, at(9, 2))
    w["W4"] = b.warning("CG-002", "CGZX", at(9, 1), "reminder", "post:采购员", q2)
    w["W6"] = b.warning("CW-001", "CWK", at(9, 29), "reminder", "department:CWK", q2)
    b.start(w["W6"], at(9, 29))
    b.act(w["W2"], Action.ACCEPT, Q3_CLOSING_MINUTE)
    w["W7"] = b.warning("CG-001", "CGZX", at(10, 2), "reminder", "person:张三", q2)
    reviewed = {"CG-001": date(2026, 3, 1), "CG-002": date(2025, 9, 29), "CW-001": None,
                "BG-001": date(2025, 9, 30)}
    with transaction(sessions) as session:
        for code, day in reviewed.items():
            session.execute(update(RiskPoint).where(RiskPoint.code == code)
                            .values(reviewed_on=day))
        for name, role, dept in USERS:
            user = add_user(session, name=name, role=role, department_code=dept,
                            password=f"pw-{name}-12345678",
                            supervises=("CWK", "BGS") if role == "leader" else ())
            world.tokens[name] = issue_token(session, user=user)
    return world
