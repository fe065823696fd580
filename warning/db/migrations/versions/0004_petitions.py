"""Petition reporters (encrypted), reveals, and near-duplicate links with their band index.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 16:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import warning.db.models.base

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('reporters',
    sa.Column('signal_id', sa.Integer(), nullable=False),
    sa.Column('anonymous', sa.Boolean(), nullable=False),
    sa.Column('identity', sa.Text(), nullable=False),
    sa.Column('receipt_hash', sa.String(length=64), nullable=True),
    sa.Column('created_at', warning.db.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['signal_id'], ['signals.id'], name=op.f('fk_reporters_signal_id_signals')),
    sa.PrimaryKeyConstraint('signal_id', name=op.f('pk_reporters')),
    sa.UniqueConstraint('receipt_hash', name=op.f('uq_reporters_receipt_hash'))
    )
    op.create_table('reporter_reveals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('signal_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('revealed_at', warning.db.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['signal_id'], ['signals.id'], name=op.f('fk_reporter_reveals_signal_id_signals')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_reporter_reveals_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reporter_reveals'))
    )
    with op.batch_alter_table('reporter_reveals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reporter_reveals_signal_id'), ['signal_id'], unique=False)

    op.create_table('signal_links',
    sa.Column('signal_id', sa.Integer(), nullable=False),
    sa.Column('case_signal_id', sa.Integer(), nullable=False),
    sa.Column('similarity', sa.Float(), nullable=False),
    sa.Column('linked_at', warning.db.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_signal_id'], ['signals.id'], name=op.f('fk_signal_links_case_signal_id_signals')),
    sa.ForeignKeyConstraint(['signal_id'], ['signals.id'], name=op.f('fk_signal_links_signal_id_signals')),
    sa.PrimaryKeyConstraint('signal_id', name=op.f('pk_signal_links'))
    )
    with op.batch_alter_table('signal_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signal_links_case_signal_id'), ['case_signal_id'], unique=False)

    op.create_table('signal_bands',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('band_key', sa.BigInteger(), nullable=False),
    sa.Column('signal_id', sa.Integer(), nullable=False),
    sa.Column('channel_id', sa.Integer(), nullable=False),
    sa.Column('received_at', warning.db.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['channel_id'], ['channels.id'], name=op.f('fk_signal_bands_channel_id_channels')),
    sa.ForeignKeyConstraint(['signal_id'], ['signals.id'], name=op.f('fk_signal_bands_signal_id_signals')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signal_bands'))
    )
    with op.batch_alter_table('signal_bands', schema=None) as batch_op:
        batch_op.create_index('ix_signal_bands_key_received', ['band_key', 'received_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_signal_bands_signal_id'), ['signal_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('signal_bands', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_signal_bands_signal_id'))
        batch_op.drop_index('ix_signal_bands_key_received')

    op.drop_table('signal_bands')
    with op.batch_alter_table('signal_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_signal_links_case_signal_id'))

    op.drop_table('signal_links')
    with op.batch_alter_table('reporter_reveals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reporter_reveals_signal_id'))

    op.drop_table('reporter_reveals')
    op.drop_table('reporters')
