"""Each signal records the rule book (its digest) that evaluated it.

Revision ID: 0010g_r17
Revises: 0010e
Create Date: 2026-12-04 09:40:00.000000

Two instances with different rule files (a half-done rolling deploy) evaluate signals
differently, and the retry job evaluates a failed signal with the book of whichever
instance runs it. The digest (rule_books.book_digest, the one /readyz and the rules status
name) tells which book evaluated each signal. Signals evaluated before keep ''.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010g_r17"
down_revision: str | None = "0010e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("signals", sa.Column("rule_book", sa.String(64), nullable=False,
                                       server_default=""))


def downgrade() -> None:
    op.drop_column("signals", "rule_book")  # SQLite 3.35+ drops it in place (views stay)
