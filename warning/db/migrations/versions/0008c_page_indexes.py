"""Indexes the pages need at 100,000 signals and 20,000 warnings (bench/page_bench.py).

Revision ID: 0008c
Revises: 0008f
Create Date: 2026-12-01 23:20:00.000000

- warning_signals(signal_id): the signal list counts each signal's warnings, and a signal's
  page lists them; without it SQLite scanned the (warning_id, signal_id) index once per row
  (the signal list's page query took 250 ms at 100k signals).
- signals(department_id, id): a department's signals, newest first (a handler's list and its
  count), instead of walking every signal.
- PostgreSQL, where pg_trgm is installed (migration 0007j): a trigram index on
  signals.external_id. The search box ORs title, external id and text; with one of the three
  unindexed the planner scanned the table (1,090 ms for a rare word at 100k signals, 8 ms
  with it).
"""

from collections.abc import Sequence

from alembic import op
from sqlalchemy import text

revision: str = "0008c"
down_revision: str | None = "0008f"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRIGRAM = "ix_signals_external_id_trgm"


def upgrade() -> None:
    op.create_index("ix_warning_signals_signal_id", "warning_signals", ["signal_id"])
    op.create_index("ix_signals_department_id", "signals", ["department_id", "id"])
    bind = op.get_bind()
    if bind.dialect.name == "postgresql" and bind.execute(
            text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")).first():
        op.execute(f"CREATE INDEX IF NOT EXISTS {TRIGRAM} ON signals "
                   "USING gin (external_id gin_trgm_ops)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP INDEX IF EXISTS {TRIGRAM}")
    op.drop_index("ix_signals_department_id", table_name="signals")
    op.drop_index("ix_warning_signals_signal_id", table_name="warning_signals")
