"""Write notices in the caller's transaction, and report their delivery state."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session

from warning.db.bulk import insert_many
from warning.db.models import Delivery, Notice
from warning.db.value_list import among

OFFICE = "office"


def department_audience(department_id: int | None) -> str:
    """Return the audience key of a department (the office when there is none)."""
    return f"department:{department_id}" if department_id is not None else OFFICE


def person_audience(person_id: int) -> str:
    """Return the audience key of a person."""
    return f"person:{person_id}"


def notice_key(record_id: int, kind: str, stage: str, level: int, audience: str) -> str:
    """Return the key that makes a notice unique."""
    return f"r{record_id}:{kind}:{stage or '-'}:{level}:{audience}"


def notice_row(
    *, record_id: int, kind: str, audience: str, subject: str, body: str,
    stage: str = "", level: int = 0, now: datetime | None = None, key: str | None = None,
) -> dict[str, Any]:
    """Return the column values of a notice."""
    return {
        "key": key or notice_key(record_id, kind, stage, level, audience),
        "kind": kind, "record_id": record_id, "stage": stage, "level": level,
        "audience": audience, "subject": subject, "body": body,
        "created_at": now or datetime.now(UTC),
    }


def enqueue(session: Session, rows: Iterable[dict[str, Any]]) -> int:
    """Insert notices in the current transaction; return how many."""
    rows = list(rows)
    if rows:
        insert_many(session.connection(), Notice.__table__, rows)
    return len(rows)


def reopen_unrouted(session: Session, notice_ids: Iterable[int] = ()) -> int:
    """Send to the recipients configured now the notices (all, or these) that had nobody to
    go to when they were expanded (无接收渠道: no e-mail, no webhook): they are expanded again
    by the next delivery run. Return how many."""
    where = Notice.expanded_at.is_not(None) & ~exists().where(Delivery.notice_id == Notice.id)
    ids = list(notice_ids)
    if ids:
        where = where & among(Notice.id, ids)
    return session.execute(
        update(Notice).where(where).values(expanded_at=None)
        .execution_options(synchronize_session=False)
    ).rowcount


@dataclass(frozen=True)
class DeliveryState:
    """Where one delivery stands, for the office."""

    notice_id: int
    kind: str
    record_id: int | None
    subject: str
    channel: str
    target: str
    status: str
    attempts: int
    last_error: str
    next_attempt_at: datetime
    sent_at: datetime | None


def delivery_states(
    session: Session, *, status: str | None = None, record_id: int | None = None,
    limit: int = 200,
) -> list[DeliveryState]:
    """List deliveries, newest first, optionally by status or record."""
    stmt = (
        select(Notice, Delivery).join(Delivery, Delivery.notice_id == Notice.id)
        .order_by(Delivery.id.desc()).limit(limit)
    )
    if status:
        stmt = stmt.where(Delivery.status == status)
    if record_id is not None:
        stmt = stmt.where(Notice.record_id == record_id)
    return [
        DeliveryState(n.id, n.kind, n.record_id, n.subject, d.channel, d.target, d.status,
                      d.attempts, d.last_error, d.next_attempt_at, d.sent_at)
        for n, d in session.execute(stmt)
    ]
