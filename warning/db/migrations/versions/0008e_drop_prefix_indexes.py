"""Drop four indexes that another index of the same table already serves.

Each is the leading part of a wider index (or of a unique constraint), so every query
that could use it uses the wider one instead; keeping them cost a B-tree insert per row.
Intake writes ~88 rows per signal that matches 14 rules, about 30 of them into the
tables below (bench/rules_bench.py, "Session 5 — rules engine speed" in bench/RESULTS.md).

- ix_rule_hits_signal_id (signal_id): unique (signal_id, rule_id).
- ix_rule_hits_rule_subject (rule_id, subject_key, hit_at): nothing reads hit_at;
  (rule_id, subject_key) lookups use ix_rule_hits_rule_subject_counted.
- ix_warning_signals_warning_id (warning_id): unique (warning_id, signal_id).
- ix_signals_status (status): ix_signals_retry (status, next_attempt_at).

Revision ID: 0008e
Revises: 0008c
Create Date: 2026-12-01 23:10:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008e"
down_revision: str | None = "0008c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DROPPED = (
    ("ix_rule_hits_signal_id", "rule_hits", ["signal_id"]),
    ("ix_rule_hits_rule_subject", "rule_hits", ["rule_id", "subject_key", "hit_at"]),
    ("ix_warning_signals_warning_id", "warning_signals", ["warning_id"]),
    ("ix_signals_status", "signals", ["status"]),
)


def upgrade() -> None:
    for name, table, _columns in DROPPED:
        op.drop_index(name, table_name=table)


def downgrade() -> None:
    for name, table, columns in DROPPED:
        op.create_index(name, table, columns, unique=False)
