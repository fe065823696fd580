"""Read cases (重复信访): a first report with its near-duplicates, as the caller may see them.

Every query is scoped with `visible_signals`, so a member the caller may not see is neither
listed nor counted. `principal=None` (the command line) sees every signal.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, false, func, select
from sqlalchemy.orm import Session, aliased

from warning.auth.principal import Principal
from warning.auth.visibility import reads_confidential_text, sees_cases, visible_signals
from warning.db.models import Channel, Department, Signal, SignalLink


@dataclass(frozen=True)
class CaseMember:
    """One report of a case: the first one, or a repeat with its similarity to the case
    (None for a caller who may not read the text it was computed on)."""

    signal_id: int
    title: str
    channel: str
    department: str | None
    received_at: datetime
    similarity: float | None
    first: bool


@dataclass(frozen=True)
class CaseView:
    """A case as one signal's page shows it: the first report, then every repeat."""

    case_signal_id: int
    members: list[CaseMember]

    @property
    def size(self) -> int:
        return len(self.members)

    @property
    def repeats(self) -> int:
        return max(0, self.size - 1)

    @property
    def member_ids(self) -> list[int]:
        return [m.signal_id for m in self.members]


def case_of(session: Session, principal: Principal | None, signal_id: int) -> CaseView | None:
    """Return the case a signal belongs to (maybe itself alone); None when it was not linked
    or `principal` may not see cases (`sees_cases`)."""
    if not sees_cases(principal):
        return None
    case_id = session.scalar(
        select(SignalLink.case_signal_id).where(SignalLink.signal_id == signal_id)
    )
    if case_id is None:
        return None
    stmt = (
        select(Signal.id, Signal.title, Channel.name, Department.name, Signal.received_at,
               SignalLink.similarity)
        .join(SignalLink, SignalLink.signal_id == Signal.id)
        .join(Channel, Channel.id == Signal.channel_id)
        .outerjoin(Department, Department.id == Signal.department_id)
        .where(SignalLink.case_signal_id == case_id)
        .order_by(Signal.id)
    )
    # only confidential channels are linked: a similarity measures text that only its
    # readers may see, and to anyone else it would be an oracle on that text
    scored = reads_confidential_text(principal)
    members = [
        CaseMember(i, title, channel, department, received, similarity if scored else None,
                   i == case_id)
        for i, title, channel, department, received, similarity
        in session.execute(visible_signals(stmt, principal))
    ]
    return CaseView(case_id, members)


@dataclass(frozen=True)
class CaseFilters:
    """Filters of the case list."""

    channel: str = ""
    department: str = ""


def cases_query(principal: Principal | None, filters: CaseFilters) -> Select[Any]:
    """Return the cases with at least one repeat: (first signal, channel, department, size, latest).

    Only the members the caller may see are counted; newest activity first; none for a
    principal who may not see cases (`sees_cases`).
    """
    member = aliased(Signal)
    sizes = (
        select(SignalLink.case_signal_id.label("case_id"), func.count().label("size"),
               func.max(member.received_at).label("latest"))
        .join(member, member.id == SignalLink.signal_id)
        .group_by(SignalLink.case_signal_id)
        .having(func.count() > 1)
    )
    sizes = visible_signals(sizes, principal, member)
    counted = sizes.subquery()
    stmt = (
        select(Signal, Channel, Department, counted.c.size, counted.c.latest)
        .join(counted, counted.c.case_id == Signal.id)
        .join(Channel, Channel.id == Signal.channel_id)
        .outerjoin(Department, Department.id == Signal.department_id)
    )
    if filters.channel:
        stmt = stmt.where(Channel.code == filters.channel)
    if filters.department:
        stmt = stmt.where(Department.code == filters.department)
    if not sees_cases(principal):
        stmt = stmt.where(false())
    return visible_signals(stmt, principal).order_by(counted.c.latest.desc(), Signal.id.desc())

