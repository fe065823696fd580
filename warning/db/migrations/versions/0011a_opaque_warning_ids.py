"""Warnings get opaque ids (warning.db.opaque_ids) drawn from a keyed counter.

Revision ID: 0011a
Revises: 0010g_r17
Create Date: 2026-12-04 18:40:00.000000

A department reads its warnings' ids; given in sequence, a gap between two of them told it
of a warning the office holds about it. Ids stored before keep their numbers: new ones that
fall on one are passed over (warning.db.id_counters).

Going back below it keeps every id. The code before it numbers new warnings after the
largest id on SQLite and from its own sequence on PostgreSQL, as it always did; upgrading
again draws a new key, and ids already held are passed over as before.
"""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011a"
down_revision: str | None = "0010g_r17"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "id_counters",
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("last", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_id_counters")),
    )
    op.get_bind().execute(sa.text("INSERT INTO id_counters (name, key, last) "
                                  "VALUES ('warnings', :key, 0)"),
                          {"key": secrets.token_hex(32)})
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE SEQUENCE warnings_numbers AS bigint")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP SEQUENCE warnings_numbers")
    op.drop_table("id_counters")
