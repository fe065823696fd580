"""Count the report deadlines of a handling record (a return starts a new one).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 10:00:00.000000

The overdue scan names each report deadline by this count ("report", "report2", ...) so a
deadline set by a return gets its own reminder and escalation. Existing records are counted
from their `return` events.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN: a batch rebuild of the table would break its foreign keys on SQLite.
    op.add_column(
        "handling_records",
        sa.Column("report_round", sa.Integer(), nullable=False, server_default="0"),
    )
    op.execute(
        "UPDATE handling_records SET report_round = (SELECT count(*) FROM handling_events"
        " WHERE handling_events.record_id = handling_records.id"
        " AND handling_events.action = 'return')"
    )


def downgrade() -> None:
    op.drop_column("handling_records", "report_round")
