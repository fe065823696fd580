"""Stored quarterly reviews (季度审查存档), review decisions, the register's change history,
and the indexes the review's quarter scans use (signals received, records closed, events by
action and time).

Revision ID: 0007h
Revises: 0006
Create Date: 2026-12-01 20:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from warning.db.models.base import UTCDateTime

revision: str = "0007h"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "review_snapshots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("quarter", sa.String(length=8), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("once_key", sa.String(length=32), nullable=True),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("stored_at", UTCDateTime(), nullable=False),
        sa.Column("stored_by", sa.String(length=100), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_snapshots")),
        sa.UniqueConstraint("once_key", name=op.f("uq_review_snapshots_once_key")),
    )
    op.create_index("ix_review_snapshots_quarter", "review_snapshots",
                    ["quarter", "stored_at"])
    op.create_table(
        "review_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("quarter", sa.String(length=8), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("subject", sa.String(length=32), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("decided_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_decisions")),
        sa.UniqueConstraint("quarter", "kind", "subject",
                            name=op.f("uq_review_decisions_quarter")),
    )
    op.create_table(
        "risk_point_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("risk_point_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=40), nullable=False),
        sa.Column("old_value", sa.Text(), nullable=False),
        sa.Column("new_value", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=60), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("changed_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["risk_point_id"], ["risk_points.id"],
                                name=op.f("fk_risk_point_changes_risk_point_id_risk_points")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_point_changes")),
    )
    op.create_index("ix_risk_point_changes_point", "risk_point_changes",
                    ["risk_point_id", "changed_at"])
    op.create_index("ix_signals_received_at", "signals", ["received_at"])
    op.create_index("ix_handling_records_closed_at", "handling_records", ["closed_at"])
    op.create_index("ix_handling_events_action_created", "handling_events",
                    ["action", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_handling_events_action_created", table_name="handling_events")
    op.drop_index("ix_handling_records_closed_at", table_name="handling_records")
    op.drop_index("ix_signals_received_at", table_name="signals")
    op.drop_index("ix_risk_point_changes_point", table_name="risk_point_changes")
    op.drop_table("risk_point_changes")
    op.drop_table("review_decisions")
    op.drop_index("ix_review_snapshots_quarter", table_name="review_snapshots")
    op.drop_table("review_snapshots")
