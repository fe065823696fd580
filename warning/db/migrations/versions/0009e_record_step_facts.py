"""A handling record keeps its step facts: first receipt, last report, first escalation.

Revision ID: 0009e
Revises: 0009c (0008b when written; rechained at the merge of main, which added 0009a, 0009c)
Create Date: 2026-12-02 02:40:00.000000

The quarterly review read them by aggregating every touched record's events (GROUP BY
record over millions of events); now the action that writes the event sets the fact on the
record in the same transaction, and this migration backfills existing records from their
events. (How many times a record was returned is `report_round`, kept since 0005.)
- received_at: the first `receive` event's time (签收);
- reported_at: the last `report` event's time (整改情况上报);
- escalated_at: the first `escalate` event's time (逾期升级).
Index (received_at, warning_id): the records first signed for in a quarter, with their
warning for the issue time and scoping.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import warning.db.models.base

revision: str = "0009e"
down_revision: str | None = "0009c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ("received_at", "reported_at", "escalated_at")
# UPDATE ... FROM: PostgreSQL, and SQLite since 3.33. One pass over the three actions' events.
BACKFILL = """
UPDATE handling_records SET received_at = f.received_at, reported_at = f.reported_at,
       escalated_at = f.escalated_at
FROM (SELECT record_id,
             MIN(CASE WHEN action = 'receive' THEN created_at END) AS received_at,
             MAX(CASE WHEN action = 'report' THEN created_at END) AS reported_at,
             MIN(CASE WHEN action = 'escalate' THEN created_at END) AS escalated_at
      FROM handling_events WHERE action IN ('receive', 'report', 'escalate')
      GROUP BY record_id) AS f
WHERE handling_records.id = f.record_id
"""


def upgrade() -> None:
    for name in COLUMNS:
        op.add_column("handling_records", sa.Column(
            name, warning.db.models.base.UTCDateTime(timezone=True), nullable=True))
    op.execute(BACKFILL)
    op.create_index("ix_handling_records_received", "handling_records",
                    ["received_at", "warning_id"])


def downgrade() -> None:
    op.drop_index("ix_handling_records_received", table_name="handling_records")
    with op.batch_alter_table("handling_records") as batch:
        for name in COLUMNS:
            batch.drop_column(name)
