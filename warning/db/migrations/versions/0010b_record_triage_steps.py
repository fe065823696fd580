"""A handling record keeps how many 研判 steps came before its 下达 (`triage_steps`).

Revision ID: 0010b
Revises: 0010a
Create Date: 2026-12-03 06:40:00.000000

Those who never see proposals read a record's trail from its `issue` event, but its seq
numbers and the record's version counted the hidden steps too: a department could tell how
long the office's 研判 had been. They now read both counted from the 下达 (see
warning.auth.visibility.hidden_steps). Backfilled from each proposal's `issue` event: the
steps before it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010b"
down_revision: str | None = "0010a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# UPDATE ... FROM: PostgreSQL, and SQLite since 3.33.
BACKFILL = """
UPDATE handling_records SET triage_steps = f.seq - 1
FROM (SELECT record_id, MIN(seq) AS seq FROM handling_events
      WHERE action = 'issue' AND from_state = 'proposed' GROUP BY record_id) AS f
WHERE handling_records.id = f.record_id
"""


def upgrade() -> None:
    op.add_column("handling_records", sa.Column(
        "triage_steps", sa.Integer(), nullable=False, server_default="0"))
    op.execute(BACKFILL)


def downgrade() -> None:
    with op.batch_alter_table("handling_records") as batch:
        batch.drop_column("triage_steps")
