"""The caller's inbox (待办) with names and the deadline each record waits on."""

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from warning.auth.principal import Principal
from warning.db.models import Department, HandlingRecord, RiskPoint, RiskWarning
from warning.db.value_list import among
from warning.domain.lifecycle import State
from warning.handling.records import inbox, inbox_overdue_count


@dataclass(frozen=True)
class InboxRow:
    """One record awaiting the user, with the deadline it waits on."""

    warning: RiskWarning
    record: HandlingRecord
    point: str
    department: str
    due_label: str
    due_at: datetime | None
    overdue: bool


# The page lists the records due next; rendering the API's 500 took the office's 待办
# 250–480 ms at 20,000 warnings (bench/page_bench.py). The rest are on the warning list.
PAGE_ROWS = 100


def inbox_rows(
    session: Session, principal: Principal, now: datetime | None = None,
    limit: int = PAGE_ROWS,
) -> list[InboxRow]:
    """Return the caller's inbox (at most `limit` rows, due next first) with names and the
    deadline each record waits on."""
    now = now or datetime.now(UTC)
    pairs = inbox(session, principal=principal, limit=limit)
    points = _names(session, RiskPoint, {w.risk_point_id for w, _ in pairs})
    departments = _names(session, Department, {w.department_id for w, _ in pairs})
    rows = []
    for warning, record in pairs:
        label, due = waited_deadline(record)
        rows.append(InboxRow(
            warning, record, points.get(warning.risk_point_id, ""),
            departments.get(warning.department_id, ""),
            label, due, due is not None and due < now,
        ))
    return rows


def inbox_overdue(session: Session, principal: Principal, now: datetime | None = None) -> int:
    """How many records in the caller's whole inbox are overdue, shown or not."""
    return inbox_overdue_count(session, principal=principal, now=now or datetime.now(UTC))


def waited_deadline(record: HandlingRecord) -> tuple[str, datetime | None]:
    """Return the name and time of the deadline a record waits on."""
    if record.state == State.PROPOSED.value:
        return "研判期限", record.triage_due_at
    if record.state == State.ISSUED.value:
        return "签收期限", record.receive_due_at
    return "上报期限", record.report_due_at


def _names(
    session: Session, model: type[RiskPoint] | type[Department], ids: set[int | None]
) -> dict[int | None, str]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    return dict(session.execute(select(model.id, model.name).where(among(model.id, wanted))).all())
