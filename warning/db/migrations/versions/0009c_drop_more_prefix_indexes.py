"""Drop three indexes that a wider index of the same table (from 0008d) already serves.

Each is the leading column of a covering index added for the quarterly review, so every
query that could use it can use the wider one; keeping it cost a B-tree insert per row.
Intake writes a warning and a handling record per new warning (~14 a signal that matches
14 rules, each its own risk point) and a signal per signal (bench/rules_bench.py,
"Session 6 — the dense case" in bench/RESULTS.md).

- ix_warnings_created_at (created_at): ix_warnings_created_dims (created_at, department_id,
  risk_point_id, response).
- ix_handling_records_closed_at (closed_at): ix_handling_records_closed_state (closed_at,
  state, warning_id, measure_applied).
- ix_signals_received_at (received_at): ix_signals_received_channel (received_at,
  channel_id, department_id).

Revision ID: 0009c
Revises: 0009a
Create Date: 2026-12-02 03:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009c"
down_revision: str | None = "0009a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DROPPED = (
    ("ix_warnings_created_at", "warnings", ["created_at"]),
    ("ix_handling_records_closed_at", "handling_records", ["closed_at"]),
    ("ix_signals_received_at", "signals", ["received_at"]),
)


def upgrade() -> None:
    for name, table, _columns in DROPPED:
        op.drop_index(name, table_name=table)


def downgrade() -> None:
    for name, table, columns in DROPPED:
        op.create_index(name, table, columns, unique=False)
