"""One open warning per risk point and subject, every rule that hit a warning, repeat windows
counted by when signals occurred.

- warnings.base_response, warnings.rule_ids: the response before repetition and every rule
  that hit the warning (backfilled from response and rule_id).
- rule_hits.counted_at: the signal's occurred_at (received_at when absent), indexed with
  the rule and subject, so repeat windows count when things happened.
- Duplicate open warnings (left by concurrent writers before this revision) are merged
  deterministically: the oldest (lowest id) stays open and takes the others' signals and
  repeat counts; each other one is withdrawn with an event on its record's chain.
- Then a partial unique index on (risk_point_id, subject_key) WHERE is_open.

Revision ID: 0007c
Revises: 0007a
Create Date: 2026-12-01 19:30:00.000000
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0007c"
down_revision: str | None = "0007a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTOR = "system:migration"


def upgrade() -> None:
    # plain ADD COLUMN: batch mode would copy the tables, which foreign keys refuse
    op.add_column("warnings", sa.Column("base_response", sa.String(length=16), nullable=True))
    op.add_column("warnings", sa.Column("rule_ids", sa.JSON(), nullable=True))
    op.add_column("rule_hits", sa.Column("counted_at", sa.DateTime(timezone=True), nullable=True))
    array = "json_build_array" if op.get_bind().dialect.name == "postgresql" else "json_array"
    op.execute(f"UPDATE warnings SET base_response = response, rule_ids = {array}(rule_id)")
    op.execute(
        "UPDATE rule_hits SET counted_at = (SELECT COALESCE(s.occurred_at, s.received_at) "
        "FROM signals s WHERE s.id = rule_hits.signal_id)"
    )
    op.create_index("ix_rule_hits_rule_subject_counted", "rule_hits",
                    ["rule_id", "subject_key", "counted_at"])
    _merge_duplicate_open_warnings(op.get_bind())
    op.create_index(
        "uq_warnings_open_subject", "warnings", ["risk_point_id", "subject_key"], unique=True,
        sqlite_where=sa.text("is_open"), postgresql_where=sa.text("is_open"),
    )


def _merge_duplicate_open_warnings(conn: sa.Connection) -> None:
    """Keep the oldest open warning of each (risk point, subject); withdraw and fold the rest."""
    from warning.handling.events import event_fields  # the chain's own hashing

    rows = conn.execute(sa.text(
        "SELECT id, risk_point_id, subject_key, repeat_count FROM warnings WHERE is_open "
        "ORDER BY risk_point_id, subject_key, id"
    )).all()
    keep: dict[tuple[int, str], int] = {}
    now = datetime.now(UTC)
    for warning_id, point, subject, count in rows:
        kept = keep.setdefault((point, subject), warning_id)
        if kept == warning_id:
            continue
        conn.execute(sa.text(
            "INSERT INTO warning_signals (warning_id, signal_id, rule_id, attached_at) "
            "SELECT :kept, ws.signal_id, ws.rule_id, ws.attached_at FROM warning_signals ws "
            "WHERE ws.warning_id = :extra AND NOT EXISTS (SELECT 1 FROM warning_signals o "
            "WHERE o.warning_id = :kept AND o.signal_id = ws.signal_id)"
        ), {"kept": kept, "extra": warning_id})
        conn.execute(sa.text("UPDATE warnings SET repeat_count = repeat_count + :n "
                             "WHERE id = :kept"), {"n": count, "kept": kept})
        conn.execute(sa.text("UPDATE warnings SET is_open = :no WHERE id = :extra"),
                     {"no": False, "extra": warning_id})
        _withdraw_record(conn, warning_id, kept, now, event_fields)


def _withdraw_record(conn: sa.Connection, warning_id: int, kept: int, now: datetime,
                     event_fields: object) -> None:
    record = conn.execute(sa.text(
        "SELECT id, state FROM handling_records WHERE warning_id = :w"), {"w": warning_id}
    ).first()
    if record is None:
        return
    record_id, state = record
    last = conn.execute(sa.text(
        "SELECT seq, hash FROM handling_events WHERE record_id = :r ORDER BY seq DESC LIMIT 1"
    ), {"r": record_id}).first()
    seq, prev_hash = (last[0], last[1]) if last else (0, "")
    fields = event_fields(  # type: ignore[operator]
        record_id=record_id, seq=seq + 1, action="withdraw", from_state=state,
        to_state="withdrawn", actor=ACTOR, comment=f"与预警 #{kept} 重复, 合并后撤销",
        data={"merged_into": kept}, created_at=now, prev_hash=prev_hash,
    )
    events = sa.table(
        "handling_events",
        *(sa.column(name, sa.JSON() if name == "data" else None) for name in fields),
    )
    conn.execute(sa.insert(events).values({**fields, "created_at": _stored(conn, now)}))
    conn.execute(sa.text(
        "UPDATE handling_records SET state = 'withdrawn', closed_at = :now, updated_at = :now, "
        "version = version + 1 WHERE id = :r"
    ), {"now": _stored(conn, now), "r": record_id})


def _stored(conn: sa.Connection, moment: datetime) -> datetime:
    """Return a time as the UTCDateTime columns store it on this backend."""
    return moment.replace(tzinfo=None) if conn.dialect.name == "sqlite" else moment


def downgrade() -> None:
    op.drop_index("uq_warnings_open_subject", table_name="warnings")
    op.drop_index("ix_rule_hits_rule_subject_counted", table_name="rule_hits")
    # plain DROP COLUMN (SQLite 3.35+): batch mode would copy tables foreign keys point at
    op.drop_column("rule_hits", "counted_at")
    op.drop_column("warnings", "rule_ids")
    op.drop_column("warnings", "base_response")
