"""What the office's 研判 panels read: merge targets, and a signal's decision."""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from warning.auth.principal import Principal
from warning.auth.visibility import visible_signals, visible_warnings
from warning.db.models import Department, HandlingRecord, RiskWarning, Signal
from warning.queries.warnings import NEWEST_FIRST
from warning.triage.policy import subject_of_key

MAX_CANDIDATES = 50


@dataclass(frozen=True)
class MergeTarget:
    """An open warning a proposal may be merged into."""

    id: int
    state: str
    subject: str
    department: str
    same_subject: bool = False
    """It holds the subject the proposal would take when issued: 下达 is refused, merge."""


def merge_targets(
    session: Session, principal: Principal | None, warning: RiskWarning
) -> list[MergeTarget]:
    """Return the open warnings of the proposal's risk point it may be merged into, the one
    holding its subject (if any) first."""
    key = subject_of_key(warning.subject_key)
    rows = session.execute(visible_warnings(
        select(RiskWarning.id, HandlingRecord.state, RiskWarning.subject_name, Department.name,
               RiskWarning.subject_key)
        .join(HandlingRecord, HandlingRecord.warning_id == RiskWarning.id)
        .outerjoin(Department, Department.id == RiskWarning.department_id)
        .where(RiskWarning.is_open.is_(True), RiskWarning.id != warning.id,
               RiskWarning.risk_point_id == warning.risk_point_id), principal)
        .order_by(*NEWEST_FIRST).limit(MAX_CANDIDATES)).all()
    targets = [MergeTarget(i, state, subject or "", name or "", subject_of_key(held) == key)
               for i, state, subject, name, held in rows]
    return sorted(targets, key=lambda target: not target.same_subject)


def duplicate_of(session: Session, principal: Principal | None, signal: Signal) -> Any:
    """Return (id, title) of the signal a duplicate repeats, if `principal` may see it."""
    if signal.duplicate_of_id is None:
        return None
    return session.execute(visible_signals(
        select(Signal.id, Signal.title).where(Signal.id == signal.duplicate_of_id),
        principal)).first()
