"""A handling record keeps where its 研判 ended: the seq and version it had when issued.

Revision ID: 0010b
Revises: 0010a
Create Date: 2026-12-09 03:10:00.000000

A proposal's 研判 trail (propose, amend, notes) stays with the office, but its events took
seq 1..k and its amendments moved the record's version; a department then read its first
event as seq k+1 and a version above 1, and so counted the hidden steps. Departments now
read both counted from where 研判 ended (warning.auth.numbering), which needs that point:
`triage_seq`, the last seq before the `issue` event, and `triage_version`, the version the
record had just before it (both 0 for a warning issued at intake). The version cannot be
derived from the events in general (a regrade of a proposal writes an event but keeps the
version), so it is stored when the proposal is issued. Backfilled from each record's
`issue` event that left a proposal: its seq minus one, and 1 (propose) plus the amend and
note events before it, the steps that moved a proposal's version until now.
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
UPDATE handling_records SET triage_seq = f.seq - 1,
  triage_version = 1 + (SELECT count(*) FROM handling_events AS e
                        WHERE e.record_id = f.record_id AND e.seq < f.seq
                          AND e.action IN ('amend', 'note'))
FROM (SELECT record_id, MIN(seq) AS seq FROM handling_events
      WHERE action = 'issue' AND from_state = 'proposed' GROUP BY record_id) AS f
WHERE handling_records.id = f.record_id
"""


def upgrade() -> None:
    for name in ("triage_seq", "triage_version"):
        op.add_column("handling_records", sa.Column(name, sa.Integer(), nullable=False,
                                                    server_default="0"))
    op.execute(BACKFILL)


def downgrade() -> None:
    with op.batch_alter_table("handling_records") as batch:
        batch.drop_column("triage_version")
        batch.drop_column("triage_seq")
