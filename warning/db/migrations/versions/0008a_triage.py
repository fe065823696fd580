"""研判 before issuing: proposals, their deadline, and the office's decision on a signal.

Revision ID: 0008a
Revises: 0008e
Create Date: 2026-12-01 22:45:00.000000

Plain ADD/DROP COLUMN (SQLite >= 3.35): a batch rebuild of warnings, handling_records or
signals would be refused by the foreign keys that point at them. The self-reference of
signals.duplicate_of_id is declared on PostgreSQL only; SQLite cannot add it to a table.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008a"
down_revision: str | None = "0008e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("warnings", sa.Column("is_proposal", sa.Boolean(), nullable=False,
                                        server_default=sa.false()))
    op.add_column("handling_records",
                  sa.Column("triage_due_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("signals", sa.Column("disposition", sa.String(length=16), nullable=False,
                                       server_default=""))
    op.add_column("signals", sa.Column("disposition_reason", sa.Text(), nullable=False,
                                       server_default=""))
    op.add_column("signals", sa.Column("duplicate_of_id", sa.Integer(), nullable=True))
    op.add_column("signals", sa.Column("disposed_by", sa.String(length=100), nullable=False,
                                       server_default=""))
    op.add_column("signals",
                  sa.Column("disposed_at", sa.DateTime(timezone=True), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.create_foreign_key("fk_signals_duplicate_of", "signals", "signals",
                              ["duplicate_of_id"], ["id"])


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint("fk_signals_duplicate_of", "signals", type_="foreignkey")
    for column in ("disposed_at", "disposed_by", "duplicate_of_id", "disposition_reason",
                   "disposition"):
        op.drop_column("signals", column)
    op.drop_column("handling_records", "triage_due_at")
    op.drop_column("warnings", "is_proposal")
