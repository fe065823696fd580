"""Feed entries seen per channel and the scan-run log.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 15:30:00.000000

APScheduler's `apscheduler_jobs` table is not created here: its job store owns that
table's shape and creates it on first start.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import warning.db.models.base

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_DATETIME = warning.db.models.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "feed_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=True),
        sa.Column("first_seen", UTC_DATETIME, nullable=False),
        sa.Column("edited_at", UTC_DATETIME, nullable=True),
        sa.Column("signal_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["channel_id"], ["channels.id"], name=op.f("fk_feed_entries_channel_id_channels")
        ),
        sa.ForeignKeyConstraint(
            ["signal_id"], ["signals.id"], name=op.f("fk_feed_entries_signal_id_signals")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feed_entries")),
        sa.UniqueConstraint("channel_id", "key", name=op.f("uq_feed_entries_channel_id_key")),
    )
    with op.batch_alter_table("feed_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_feed_entries_signal_id"), ["signal_id"], unique=False)
    op.create_table(
        "scan_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("trigger", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("started_at", UTC_DATETIME, nullable=False),
        sa.Column("finished_at", UTC_DATETIME, nullable=False),
        sa.Column("fetched", sa.Integer(), nullable=False),
        sa.Column("not_modified", sa.Integer(), nullable=False),
        sa.Column("new", sa.Integer(), nullable=False),
        sa.Column("edited", sa.Integer(), nullable=False),
        sa.Column("relevant", sa.Integer(), nullable=False),
        sa.Column("dropped", sa.Integer(), nullable=False),
        sa.Column("errors", sa.Integer(), nullable=False),
        sa.Column("signals", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(length=2000), nullable=False),
        sa.Column("notified", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"], ["channels.id"], name=op.f("fk_scan_runs_channel_id_channels")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scan_runs")),
    )
    with op.batch_alter_table("scan_runs", schema=None) as batch_op:
        batch_op.create_index(
            "ix_scan_runs_channel_started", ["channel_id", "started_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("scan_runs", schema=None) as batch_op:
        batch_op.drop_index("ix_scan_runs_channel_started")
    op.drop_table("scan_runs")
    with op.batch_alter_table("feed_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feed_entries_signal_id"))
    op.drop_table("feed_entries")
