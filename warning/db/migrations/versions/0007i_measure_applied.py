"""The measure the office applied on closing a record (实际采取的处置措施).

Revision ID: 0007i
Revises: 0007h
Create Date: 2026-12-01 20:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007i"
down_revision: str | None = "0007h"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("handling_records",
                  sa.Column("measure_applied", sa.String(length=16), nullable=True))
    # Records closed before: the measure was the grade they were issued with.
    op.execute(
        "UPDATE handling_records SET measure_applied = (SELECT response FROM warnings "
        "WHERE warnings.id = handling_records.warning_id) WHERE state = 'closed'"
    )


def downgrade() -> None:
    # A plain DROP COLUMN (SQLite >= 3.35): a batch rebuild of handling_records would be
    # refused by the foreign keys that point at it.
    op.drop_column("handling_records", "measure_applied")
