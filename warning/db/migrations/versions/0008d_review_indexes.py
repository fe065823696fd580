"""Covering indexes for the quarterly review's range scans.

Revision ID: 0008d
Revises: 0008a
Create Date: 2026-12-01 23:00:00.000000

Each index holds every column its query reads, so a quarter's figures are counted from index
entries alone (SQLite and PostgreSQL index-only scans) rather than a row lookup per entry:
- handling_events (action, created_at, record_id): returns, escalations, reports and
  receipts in a quarter; replaces (action, created_at), its prefix;
- handling_events (record_id, action, seq, created_at): one record's step times, and
  "no earlier receipt" for the first receipt;
- handling_records (closed_at, state, warning_id, measure_applied): records closed in a
  quarter, by measure, with their warning for scoping;
- handling_records (warning_id, state): "not withdrawn" for the warnings of a quarter
  (hot risk points, repeat subjects);
- warnings (created_at, department_id, risk_point_id, response): warnings raised in a
  quarter by department, point and response;
- signals (received_at, channel_id, department_id): signals by channel, scoped.
("Did this signal reach a warning" uses warning_signals (signal_id) from 0008c.)
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008d"
down_revision: str | None = "0008a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    ("ix_handling_events_action_created_record", "handling_events",
     ["action", "created_at", "record_id"]),
    ("ix_handling_events_record_action", "handling_events",
     ["record_id", "action", "seq", "created_at"]),
    ("ix_handling_records_closed_state", "handling_records",
     ["closed_at", "state", "warning_id", "measure_applied"]),
    ("ix_handling_records_warning_state", "handling_records", ["warning_id", "state"]),
    ("ix_warnings_created_dims", "warnings",
     ["created_at", "department_id", "risk_point_id", "response"]),
    ("ix_signals_received_channel", "signals", ["received_at", "channel_id", "department_id"]),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)
    op.drop_index("ix_handling_events_action_created", table_name="handling_events")


def downgrade() -> None:
    op.create_index("ix_handling_events_action_created", "handling_events",
                    ["action", "created_at"])
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
