"""The signal rows a batch stores: checked against the directory, inserted once.

The first of intake's two transactions: each incoming signal becomes a row (or an
IntakeError naming the field), new ones are inserted in one statement, and repeats of a
stored (channel, external id) are found, not stored again.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from warning.db.bulk import insert_returning
from warning.db.models import Signal
from warning.db.models.base import utcnow
from warning.domain.enums import SignalStatus
from warning.services.directory import Directory
from warning.services.signal_input import SignalIn

STORED_COLUMNS = (
    Signal.id, Signal.channel_id, Signal.title, Signal.text, Signal.department_id,
    Signal.person, Signal.post, Signal.amount, Signal.received_at, Signal.occurred_at,
)


class IntakeError(ValueError):
    """A signal refused before it was stored; `field` names what is wrong."""

    def __init__(self, field: str, message: str, code: str = "invalid_signal") -> None:
        super().__init__(message)
        self.field = field
        self.message = message
        self.code = code


@dataclass(frozen=True, slots=True)
class StoredRow:
    """A signal this batch has just stored, as evaluation reads it."""

    id: int
    channel_id: int
    title: str
    text: str
    department_id: int | None
    person: str
    post: str
    amount: Decimal | None
    received_at: datetime
    occurred_at: datetime | None = None

    @classmethod
    def of(cls, signal_id: int, row: dict[str, Any]) -> "StoredRow":
        """Return the stored row of an inserted signal."""
        return cls(signal_id, row["channel_id"], row["title"], row["text"],
                   row["department_id"], row["person"], row["post"], row["amount"],
                   row["received_at"], row["occurred_at"])


def signal_row(item: SignalIn, directory: Directory) -> dict[str, Any]:
    """Return the columns of an incoming signal, or raise IntakeError naming the field."""
    channel = directory.channels.get(item.channel)
    if channel is None:
        raise IntakeError(
            "channel", f"渠道“{item.channel}”不存在 (unknown channel)", "unknown_channel"
        )
    if not channel.enabled:
        raise IntakeError(
            "channel", f"渠道“{item.channel}”已停用 (channel disabled)", "channel_disabled"
        )
    department_id = None
    if item.department is not None:
        department_id = directory.departments.get(item.department) or (
            directory.department_names.get(item.department)
        )
        if department_id is None:
            raise IntakeError(
                "department",
                f"部门编码“{item.department}”不存在 (unknown department)",
                "unknown_department",
            )
    return {
        "channel_id": channel.id,
        "external_id": item.external_id,
        "title": item.title,
        "text": item.text,
        "department_id": department_id,
        "person": item.person or "",
        "post": item.post or "",
        "amount": item.amount,
        "occurred_at": item.occurred_at,
        "received_at": utcnow(),
        "status": SignalStatus.RECEIVED.value,
        "attempts": 0,
        "last_error": "",
        "extra": {},
    }


def existing_ids(
    session: Session, keys: list[tuple[int, str]]
) -> dict[tuple[int, str], int]:
    """Map the (channel, external id) keys already stored to their signal ids."""
    found: dict[tuple[int, str], int] = {}
    for start in range(0, len(keys), 400):
        chunk = keys[start : start + 400]
        rows = session.execute(
            select(Signal.channel_id, Signal.external_id, Signal.id).where(
                tuple_(Signal.channel_id, Signal.external_id).in_(chunk)
            )
        )
        found.update({(c, e): i for c, e, i in rows})
    return found


def insert_new(session: Session, rows: list[dict[str, Any]]) -> dict[tuple[int, str], int]:
    """Insert the signals not stored yet in one statement; map the new ones' keys to ids.

    ON CONFLICT DO NOTHING makes a repeat (channel, external_id) a no-op without a query
    before every insert. RETURNING gives the natural key, not sort_by_parameter_order:
    on SQLite an ordered RETURNING falls back to one INSERT per row.
    """
    result = insert_returning(
        session.connection(), Signal.__table__, rows, ("id", "channel_id", "external_id"),
        on_conflict="ON CONFLICT (channel_id, external_id) DO NOTHING",
    )
    return {(c, e): i for i, c, e in result}
