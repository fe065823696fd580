"""Trigram indexes for the search box on PostgreSQL (pg_trgm); nothing on SQLite.

Revision ID: 0007j
Revises: 0007d
Create Date: 2026-12-01 20:40:00.000000

Creating the extension needs a role that may (a superuser, or the database's owner on
PostgreSQL 13+ for this trusted extension). Where it cannot be created the search still
works, by sequential scan, and the migration says so instead of failing.
"""

import logging
from collections.abc import Sequence

from alembic import op
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

revision: str = "0007j"
down_revision: str | None = "0007d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger(__name__)
INDEXES = (("ix_signals_title_trgm", "signals", "title"),
           ("ix_signals_text_trgm", "signals", "text"),
           ("ix_risk_points_name_trgm", "risk_points", "name"),
           ("ix_warnings_subject_name_trgm", "warnings", "subject_name"))


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    try:
        with bind.begin_nested():
            bind.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except DBAPIError as error:
        log.warning("pg_trgm not available (%s): the search box scans without an index",
                    error.orig)
        return
    for name, table, column in INDEXES:
        op.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} "
                   f"USING gin ({column} gin_trgm_ops)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, _, _ in INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
