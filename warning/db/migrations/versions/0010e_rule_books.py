"""The rule book each instance holds, so instances with different rule files are named.

Revision ID: 0010e
Revises: 0010d
Create Date: 2026-12-10 03:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from warning.db.models.base import UTCDateTime

revision: str = "0010e"
down_revision: str | None = "0010d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rule_books",
        sa.Column("instance", sa.String(200), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("rules", sa.Integer(), nullable=False),
        sa.Column("loaded_at", UTCDateTime(), nullable=False),
        sa.Column("seen_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("instance", name=op.f("pk_rule_books")),
    )
    op.create_index(op.f("ix_rule_books_seen_at"), "rule_books", ["seen_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_rule_books_seen_at"), table_name="rule_books")
    op.drop_table("rule_books")
