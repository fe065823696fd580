"""Petitions in full: how a petition came in, the office's reply to the reporter, filed files.

Revision ID: 0008b
Revises: 0008d (0007j when written; rechained at merge)
Create Date: 2026-12-01 23:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import warning.db.models.base

revision: str = "0008b"
down_revision: str | None = "0008d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("reporters", sa.Column("intake_mode", sa.String(length=16), nullable=False,
                                         server_default="other"))
    op.add_column("reporters", sa.Column("reply", sa.Text(), nullable=False, server_default=""))
    op.add_column("reporters", sa.Column(
        "reply_at", warning.db.models.base.UTCDateTime(timezone=True), nullable=True))
    op.add_column("reporters", sa.Column("reply_by", sa.String(length=100), nullable=False,
                                         server_default=""))
    op.create_table(
        "petition_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("signal_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", warning.db.models.base.UTCDateTime(timezone=True),
                  nullable=False),
        sa.ForeignKeyConstraint(["signal_id"], ["signals.id"],
                                name=op.f("fk_petition_files_signal_id_signals")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_petition_files")),
    )
    op.create_index(op.f("ix_petition_files_signal_id"), "petition_files", ["signal_id"],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_petition_files_signal_id"), table_name="petition_files")
    op.drop_table("petition_files")
    # Plain DROP COLUMN (SQLite >= 3.35): a batch rebuild of reporters is not needed.
    for column in ("reply_by", "reply_at", "reply", "intake_mode"):
        op.drop_column("reporters", column)
