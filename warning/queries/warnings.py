"""Warnings as a principal may read them: the list, one warning, its signal timeline."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from warning.auth.numbering import record_numbering
from warning.auth.principal import Principal
from warning.auth.visibility import (
    HIDDEN_SUBJECT,
    hidden_signals_note,
    reads_proposals,
    shown_raised_at,
    subject_hidden,
    timeline_hides,
    visible_timeline,
    visible_warnings,
)
from warning.db.models import (
    Channel,
    Department,
    HandlingRecord,
    RiskPoint,
    RiskWarning,
    Signal,
    WarningSignal,
)
from warning.db.value_list import among
from warning.domain.enums import Response
from warning.services.list_filters import WarningFilters


def warnings_query(principal: Principal | None) -> Select[Any]:
    """Return (warning, point, department, record, subject hidden) rows `principal` may see."""
    stmt = (
        select(RiskWarning, RiskPoint, Department, HandlingRecord,
               subject_hidden(principal).label("subject_hidden"))
        .join(RiskPoint, RiskPoint.id == RiskWarning.risk_point_id)
        .outerjoin(Department, Department.id == RiskWarning.department_id)
        .join(HandlingRecord, HandlingRecord.warning_id == RiskWarning.id)
    )
    return visible_warnings(stmt, principal)


# ids are opaque (warning.db.opaque_ids): their order is not the order warnings were raised;
# warnings a batch raised at once come by their signals, the latest first
NEWEST_FIRST = (RiskWarning.created_at.desc(), RiskWarning.signal_id.desc(),
                RiskWarning.id.desc())


def filtered_warnings(principal: Principal | None, filters: WarningFilters) -> Select[Any]:
    """Return the warnings `principal` may see that match the filters, newest first."""
    return filters.apply(warnings_query(principal)).order_by(*NEWEST_FIRST)


def warnings_counted(principal: Principal | None, filters: WarningFilters) -> Select[Any]:
    """Return as many rows as `filtered_warnings` yields, without its joins to risk point and
    department and the subject check (for the pager)."""
    stmt = select(RiskWarning.id).join(HandlingRecord,
                                       HandlingRecord.warning_id == RiskWarning.id)
    return filters.apply(visible_warnings(stmt, principal))


def find_warning(session: Session, principal: Principal | None, warning_id: int) -> Any:
    """Return the row of a warning `principal` may see, or None."""
    return session.execute(warnings_query(principal).where(RiskWarning.id == warning_id)).first()


def subject_of(warning: RiskWarning, hidden: bool) -> str:
    """Return the warning's subject name as its reader may see it."""
    return HIDDEN_SUBJECT if hidden else warning.subject_name


def subject_shown(
    warning: RiskWarning, department: Department | None, hidden: bool = False,
) -> str:
    """Return the subject as the pages and the printed record show it: a department (whose
    subject is stored as its code) by its Chinese name."""
    name = subject_of(warning, hidden)
    if (not hidden and warning.subject_kind == "department" and department is not None
            and name == department.code):
        return department.name
    return name


def summary(
    warning: RiskWarning, point: RiskPoint, department: Department | None,
    record: HandlingRecord, hidden: bool = False, *, principal: Principal | None,
) -> dict[str, Any]:
    """Return a warning's summary fields as `principal` may read them, its subject hidden
    when `hidden`."""
    return {
        "id": warning.id,
        "risk_point": point.code,
        "risk_point_name": point.name,
        "level": point.level,
        "department": department.code if department else None,
        "subject_kind": warning.subject_kind,
        "subject_name": subject_of(warning, hidden),
        "rule_id": warning.rule_id,
        "rule_ids": list(warning.rule_ids or [warning.rule_id]),
        "rule_version": warning.rule_version,
        "response": warning.response,
        "response_label": Response(warning.response).label,
        "severity": warning.severity,
        "repeat_count": warning.repeat_count,
        "state": record.state,
        "version": record_numbering(principal, record).version(record.version),
        "created_at": shown_raised_at(principal, warning.created_at, record.issued_at),
        "issued_at": record.issued_at,  # None while a proposal (研判) waits for the office
        "receive_due_at": record.receive_due_at,
        "report_due_at": record.report_due_at,
    }


TIMELINE_SHOWN = 100  # the page lists the first signal and the latest 99


@dataclass(frozen=True)
class Timeline:
    """A warning's signals as its reader may see them, and how many are kept from them.

    A warning that a feed keeps hitting can gather tens of thousands of signals; the page
    lists the first (the one that raised it) and the latest, and says how many it left out.
    """

    entries: list[Any]
    """(WarningSignal, Signal, Channel) rows the reader may open, in the order they joined."""
    hidden: int
    not_before: datetime | None = None
    """For a reader who never sees proposals: when the warning was issued (下达)."""
    omitted: int = 0
    """Signals the reader may open that are not in `entries` (they come after the first)."""

    @property
    def note(self) -> str:
        return hidden_signals_note(self.hidden) if self.hidden else ""

    def shown_at(self, link: WarningSignal) -> datetime:
        """Return when a signal joined the warning, as the reader may see it: one that
        joined a proposal during 研判 joined, for those who never see proposals, when the
        warning was issued (as `shown_raised_at`)."""
        if self.not_before is not None and link.attached_at < self.not_before:
            return self.not_before
        return link.attached_at


def timeline(
    session: Session, principal: Principal | None, warning_id: int, *,
    shown: int = TIMELINE_SHOWN,
) -> Timeline:
    """Return the signal timeline of a warning already found visible to `principal`: the
    first signal and the latest `shown` - 1 it may read, and how many more and hidden."""
    hides = timeline_hides(principal)
    links = (select(WarningSignal.id).join(Signal, Signal.id == WarningSignal.signal_id)
             .where(WarningSignal.warning_id == warning_id))
    counted = session.execute(select(
        func.count().filter(~hides), func.count().filter(hides),
    ).select_from(WarningSignal).join(Signal, Signal.id == WarningSignal.signal_id)
        .where(WarningSignal.warning_id == warning_id)).one()
    readable, hidden = counted[0] or 0, counted[1] or 0
    first = session.scalars(links.where(~hides).order_by(WarningSignal.id).limit(1)).all()
    latest = session.scalars(links.where(~hides).order_by(WarningSignal.id.desc())
                             .limit(max(shown - 1, 0))).all()
    rows = session.execute(
        select(WarningSignal, Signal, Channel)
        .join(Signal, Signal.id == WarningSignal.signal_id)
        .join(Channel, Channel.id == Signal.channel_id)
        .where(among(WarningSignal.id, sorted({*first, *latest})))
        .order_by(WarningSignal.id)
    ).all()
    entries = [(link, signal, channel) for link, signal, channel in rows]
    not_before = None
    if not reads_proposals(principal):
        not_before = session.scalar(select(HandlingRecord.issued_at)
                                    .where(HandlingRecord.warning_id == warning_id))
    return Timeline(entries, hidden, not_before, readable - len(entries))


def timeline_signal_ids(
    session: Session, principal: Principal | None, warning_id: int,
) -> list[int]:
    """Return the ids of every signal on a warning's timeline that `principal` may read."""
    return list(session.scalars(
        visible_timeline(select(WarningSignal.signal_id)
                         .join(Signal, Signal.id == WarningSignal.signal_id)
                         .where(WarningSignal.warning_id == warning_id), principal)
        .order_by(WarningSignal.id)))


def timeline_channels(
    session: Session, principal: Principal | None, warning_id: int,
) -> list[str]:
    """Return the names of the channels of the signals on a warning `principal` may read."""
    return sorted(set(session.scalars(
        visible_timeline(select(Channel.name).distinct()
                         .join(Signal, Signal.channel_id == Channel.id)
                         .join(WarningSignal, WarningSignal.signal_id == Signal.id)
                         .where(WarningSignal.warning_id == warning_id), principal))))
