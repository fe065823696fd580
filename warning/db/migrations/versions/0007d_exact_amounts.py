"""Exact amounts: on SQLite, signal amounts become integer fen instead of floats.

PostgreSQL's NUMERIC(18,2) is exact already and is left as it is. On SQLite the rows
stored as floats are rounded to the nearest fen (what they were written as: every
amount accepted had at most 2 decimals) and kept as integers (warning.db.models.money).

Revision ID: 0007d
Revises: 0007e
Create Date: 2026-12-01 19:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007d"
down_revision: str | None = "0007e"  # chained after main's head when merging main
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "UPDATE signals SET amount = CAST(ROUND(amount * 100) AS INTEGER) "
            "WHERE amount IS NOT NULL"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("UPDATE signals SET amount = amount / 100.0 WHERE amount IS NOT NULL")
