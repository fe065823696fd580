"""The warnings a batch decides about, as plain rows read and written with Core statements.

Intake touches thousands of warnings a second; ORM objects cost about 60 µs each to build
and flush, so a batch works on these rows and writes each table with one statement.
"""

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from operator import attrgetter
from typing import TypeVar

from sqlalchemy import JSON, bindparam, text, update
from sqlalchemy.orm import Session

from warning.db.bulk import insert_tuples_returning
from warning.db.id_counters import next_ids
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
    base_response: str | None = None
    rule_ids: list[str] = field(default_factory=list)
    is_proposal: bool = False
    id: int = 0
    changed: bool = False
    added: int = 0  # signals this batch joined to a stored warning

    @property
    def key(self) -> tuple[int, str]:
        """Return what an open warning is unique on: its risk point and subject."""
        return (self.risk_point_id, self.subject_key)


_STORED = ("id", "risk_point_id", "subject_key", "signal_id", "response", "severity",
           "repeat_count", "department_id", "base_response", "rule_ids", "is_proposal")
_INSERTED = tuple(f.name for f in fields(WarningRow) if f.name not in ("id", "changed", "added"))
_values = attrgetter(*_INSERTED)


def lock_for_writing(session: Session) -> None:
    """Make this transaction the writer before it reads the warnings it will change.

    On SQLite a no-op UPDATE takes the write gate and opens the write transaction, so the
    reads that follow see every committed warning and no other writer can commit before
    this one; on PostgreSQL `open_warnings` locks the rows it reads instead.
    """
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("UPDATE warnings SET id = id WHERE 1 = 0"))


def open_warnings(
    session: Session, keys: Iterable[tuple[int, str]]
) -> dict[tuple[int, str], WarningRow]:
    """Read and lock the open warnings on these (risk point, subject) keys."""
    ordered = sorted(set(keys))
    if session.get_bind().dialect.name == "sqlite":
        return _open_warnings_sqlite(session, ordered)
    return _open_warnings_postgresql(session, ordered)


def _open_warnings_postgresql(
    session: Session, keys: Sequence[tuple[int, str]]
) -> dict[tuple[int, str], WarningRow]:
    """`open_warnings` in one statement, the keys passed as two arrays: as IN lists of 400
    (risk point, subject) pairs, SQLAlchemy compiled each statement afresh and the server
    planned it afresh, ~60 ms for a batch of 1,000 keys. Rows are locked in id order, as
    every writer locks them, so two writers cannot deadlock on them."""
    found: dict[tuple[int, str], WarningRow] = {}
    if not keys:
        return found
    points, subjects = [point for point, _ in keys], [subject for _, subject in keys]
    rows = session.connection().exec_driver_sql(_OPEN_POSTGRESQL, (points, subjects))
    for row in rows:
        values = dict(zip(_STORED, row, strict=True))
        values["rule_ids"] = list(values["rule_ids"] or [])
        found.setdefault((row[1], row[2]), WarningRow(**values))
    return found


_OPEN_POSTGRESQL = (
    "SELECT " + ", ".join(f"w.{name}" for name in _STORED) + " FROM warnings AS w "
    "JOIN unnest(%s::integer[], %s::text[]) AS k(point, subject) "
    "ON w.risk_point_id = k.point AND w.subject_key = k.subject "
    "WHERE w.is_open ORDER BY w.id FOR UPDATE OF w"
)


def _open_warnings_sqlite(
    session: Session, keys: Sequence[tuple[int, str]]
) -> dict[tuple[int, str], WarningRow]:
    """`open_warnings` in one statement, the keys passed as one JSON array: a batch of
    14,000 keys cost ~0.1 ms a signal as 37 statements of 400 (key) pairs that SQLAlchemy
    compiled each time. Each key is looked up in the open-warning index."""
    found: dict[tuple[int, str], WarningRow] = {}
    if not keys:
        return found
    rows = session.connection().exec_driver_sql(_OPEN_SQLITE, (json.dumps(keys),))
    for row in rows:
        values = dict(zip(_STORED, row, strict=True))
        values["rule_ids"] = list(json.loads(values["rule_ids"] or "null") or [])
        values["is_proposal"] = bool(values["is_proposal"])
        found.setdefault((row[1], row[2]), WarningRow(**values))
    return found


_OPEN_SQLITE = (
    "SELECT " + ", ".join(f"w.{name}" for name in _STORED) + " FROM json_each(?) AS k "
    "JOIN warnings AS w ON w.risk_point_id = json_extract(k.value, '$[0]') "
    "AND w.subject_key = json_extract(k.value, '$[1]') WHERE w.is_open ORDER BY w.id"
)


def insert_new(session: Session, rows: Sequence[WarningRow]) -> list[WarningRow]:
    """Insert new warnings, give each its id; return those another writer's open warning
    on the same key beat (left with id 0): the caller joins them to that warning.

    The partial unique index allows one open warning per (risk point, subject);
    ON CONFLICT DO NOTHING makes a lost race a skipped row instead of an error. On
    PostgreSQL the insert waits for the other writer's transaction, so a re-read after it
    sees the winner. Rows go in key order, so two writers lock keys in the same order.
    """
    if not rows:
        return []
    ordered = sorted(rows, key=lambda r: r.key)
    conn = session.connection()
    # opaque ids (warning.db.opaque_ids); one a lost race skips is never seen
    given = next_ids(conn, "warnings", len(ordered))
    # RETURNING the key each new warning is unique on in its batch rather than asking for
    # sort_by_parameter_order, which SQLite can only honour by inserting row by row.
    result = insert_tuples_returning(
        conn, RiskWarning.__table__, ("id", *_INSERTED, "is_open"),
        [(id_, *_values(r), True) for id_, r in zip(given, ordered, strict=True)],
        ("id", "risk_point_id", "subject_key"),
        on_conflict="ON CONFLICT (risk_point_id, subject_key) WHERE is_open DO NOTHING",
    )
    ids = {(point, key): id_ for id_, point, key in result}
    lost = []
    for row in rows:
        row.id = ids.get(row.key, 0)
        if not row.id:
            lost.append(row)
    return lost


def update_changed(session: Session, rows: Iterable[WarningRow]) -> None:
    """Write the new repeat counts and grades of stored warnings that gained signals."""
    # in id order, so two writers updating the same warnings lock them in the same order
    unique = sorted({r.id: r for r in rows if r.changed}.items())
    changed = [
        {"b_id": r.id, "b_added": r.added, "b_response": r.response,
         "b_severity": r.severity, "b_base": r.base_response, "b_rules": r.rule_ids}
        for _id, r in unique
    ]
    table = RiskWarning.__table__
    if changed:
        # the count is added to, not set: another writer may have joined signals meanwhile
        session.connection().execute(
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values(repeat_count=table.c.repeat_count + bindparam("b_added"),
                    response=bindparam("b_response"), severity=bindparam("b_severity"),
                    base_response=bindparam("b_base"),
                    rule_ids=bindparam("b_rules", type_=JSON)),
            changed,
        )


def chunks(items: Sequence[T], size: int) -> list[Sequence[T]]:
    """Split `items` into lists of at most `size`, for IN clauses."""
    return [items[i : i + size] for i in range(0, len(items), size)]
