"""The warnings a batch decides about, as plain rows read and written with Core statements.

Intake touches thousands of warnings a second; ORM objects cost about 60 µs each to build
and flush, so a batch works on these rows and writes each table with one statement.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import TypeVar

from sqlalchemy import bindparam, insert, select, tuple_, update
from sqlalchemy.orm import Session

from warning.db.models import RiskWarning

T = TypeVar("T")


@dataclass(eq=False)
class WarningRow:
    """A warning as a batch sees it: an open one from the database or one it raises."""

    risk_point_id: int
    subject_key: str
    signal_id: int
    response: str
    severity: int
    repeat_count: int
    department_id: int | None = None
    subject_kind: str = ""
    subject_name: str = ""
    rule_id: str = ""
    rule_version: str = ""
    created_at: datetime | None = None
    id: int = 0
    changed: bool = False

    @property
    def key(self) -> tuple[int, str]:
        """Return what an open warning is unique on: its risk point and subject."""
        return (self.risk_point_id, self.subject_key)


_STORED = ("id", "risk_point_id", "subject_key", "signal_id", "response", "severity",
           "repeat_count", "department_id")
_INSERTED = tuple(f.name for f in fields(WarningRow) if f.name not in ("id", "changed"))


def open_warnings(
    session: Session, keys: Iterable[tuple[int, str]]
) -> dict[tuple[int, str], WarningRow]:
    """Read the open warnings on these (risk point, subject) keys, the oldest per key."""
    found: dict[tuple[int, str], WarningRow] = {}
    columns = [getattr(RiskWarning, name) for name in _STORED]
    for chunk in chunks(sorted(set(keys)), 400):
        rows = session.execute(
            select(*columns)
            .where(
                RiskWarning.is_open.is_(True),
                tuple_(RiskWarning.risk_point_id, RiskWarning.subject_key).in_(chunk),
            )
            .order_by(RiskWarning.id)
        )
        for row in rows:
            found.setdefault((row.risk_point_id, row.subject_key),
                             WarningRow(**{name: getattr(row, name) for name in _STORED}))
    return found


def insert_new(session: Session, rows: Sequence[WarningRow]) -> None:
    """Insert new warnings in one statement and give each row its id."""
    if not rows:
        return
    # RETURNING the key each new warning is unique on in its batch rather than asking for
    # sort_by_parameter_order, which SQLite can only honour by inserting row by row.
    result = session.connection().execute(
        insert(RiskWarning.__table__).returning(
            RiskWarning.id, RiskWarning.risk_point_id, RiskWarning.subject_key
        ),
        [{name: getattr(r, name) for name in _INSERTED} | {"is_open": True} for r in rows],
    )
    ids = {(point, key): id_ for id_, point, key in result}
    for row in rows:
        row.id = ids[row.key]


def update_changed(session: Session, rows: Iterable[WarningRow]) -> None:
    """Write the new repeat counts and grades of stored warnings that gained signals."""
    changed = [
        {"b_id": r.id, "b_count": r.repeat_count, "b_response": r.response,
         "b_severity": r.severity}
        for r in rows if r.changed
    ]
    if changed:
        session.connection().execute(
            update(RiskWarning.__table__)
            .where(RiskWarning.__table__.c.id == bindparam("b_id"))
            .values(repeat_count=bindparam("b_count"), response=bindparam("b_response"),
                    severity=bindparam("b_severity")),
            changed,
        )


def chunks(items: Sequence[T], size: int) -> list[Sequence[T]]:
    """Split `items` into lists of at most `size`, for IN clauses."""
    return [items[i : i + size] for i in range(0, len(items), size)]
