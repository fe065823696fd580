"""Rule reload requests: a reload asked on one instance reaches every instance's watcher.

Revision ID: 0008f
Revises: 0007j
Create Date: 2026-12-01 23:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from warning.db.models.base import UTCDateTime

revision: str = "0008f"
down_revision: str | None = "0007j"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rule_reloads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("requested_at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("instance", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rule_reloads")),
    )


def downgrade() -> None:
    op.drop_table("rule_reloads")
