"""A handling record keeps when it was issued (下达): its `issue` event's time.

Revision ID: 0010a
Revises: 0009e
Create Date: 2026-12-02 05:40:00.000000

The review counted a quarter's new warnings (新下达) and printed the ledger's 下达时间 by the
warning's creation, which is wrong for a proposal (研判) issued later than it was raised.
`issued_at` is set with the `issue` event (intake's opening, or the office issuing a
proposal); a proposal waiting, dismissed or merged has none. Backfilled from the first
`issue` event, else (records older than the event) from the warning's creation, unless the
warning is a proposal. Index (issued_at, warning_id): the records issued in a quarter, with
their warning for the dimensions and scoping. Index (state, issued_at) replaces the index on
state alone: the records still waiting on their department that were issued by a quarter's
end (SQLite read the 750,000 records issued before the end by the other index instead of
the 100,000 waiting ones, at a million records). Index ix_warnings_created_dims also keeps
is_proposal and repeat_count, so the risk points hit in two quarters are counted from the
index alone on SQLite (each warning's row was read for them).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import warning.db.models.base

revision: str = "0010a"
down_revision: str | None = "0009e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DIMS = ("created_at", "department_id", "risk_point_id", "response")
# UPDATE ... FROM: PostgreSQL, and SQLite since 3.33.
BACKFILL = (
    """
UPDATE handling_records SET issued_at = f.issued_at
FROM (SELECT record_id, MIN(created_at) AS issued_at FROM handling_events
      WHERE action = 'issue' GROUP BY record_id) AS f
WHERE handling_records.id = f.record_id
""",
    """
UPDATE handling_records SET issued_at = w.created_at
FROM warnings AS w
WHERE handling_records.issued_at IS NULL AND w.id = handling_records.warning_id
  AND NOT w.is_proposal
""",
)


def upgrade() -> None:
    op.add_column("handling_records", sa.Column(
        "issued_at", warning.db.models.base.UTCDateTime(timezone=True), nullable=True))
    for statement in BACKFILL:
        op.execute(statement)
    op.create_index("ix_handling_records_issued", "handling_records",
                    ["issued_at", "warning_id"])
    op.create_index("ix_handling_records_state_issued", "handling_records",
                    ["state", "issued_at"])
    op.drop_index("ix_handling_records_state", table_name="handling_records")
    _warning_dims(*DIMS, "is_proposal", "repeat_count")


def _warning_dims(*columns: str) -> None:
    op.drop_index("ix_warnings_created_dims", table_name="warnings")
    op.create_index("ix_warnings_created_dims", "warnings", list(columns))


def downgrade() -> None:
    _warning_dims(*DIMS)
    op.create_index("ix_handling_records_state", "handling_records", ["state"])
    op.drop_index("ix_handling_records_state_issued", table_name="handling_records")
    op.drop_index("ix_handling_records_issued", table_name="handling_records")
    with op.batch_alter_table("handling_records") as batch:
        batch.drop_column("issued_at")
