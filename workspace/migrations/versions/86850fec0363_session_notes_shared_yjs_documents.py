"""session notes: shared Yjs documents

Revision ID: 86850fec0363
Revises: 6a88ef1a6589
Create Date: 2026-11-29 16:40:27.815246

"""
from alembic import op
import sqlalchemy as sa

import workspace.database  # custom column types (UTCDateTime)


# revision identifiers, used by Alembic.
revision = '86850fec0363'
down_revision = '6a88ef1a6589'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('session_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.LargeBinary(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('updated_at', workspace.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['group_id'], ['session_breakout_groups.id'], name=op.f('fk_session_notes_group_id_session_breakout_groups')),
    sa.ForeignKeyConstraint(['session_id'], ['live_sessions.id'], name=op.f('fk_session_notes_session_id_live_sessions')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_session_notes_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session_notes')),
    sa.UniqueConstraint('session_id', 'group_id', name=op.f('uq_session_notes_session_id_group_id'))
    )
    # The session's own notes (no group): NULLs never clash in the constraint above.
    with op.batch_alter_table('session_notes', schema=None) as batch_op:
        batch_op.create_index('uq_session_notes_session_id_main', ['session_id'], unique=True,
                              sqlite_where=sa.text('group_id IS NULL'),
                              postgresql_where=sa.text('group_id IS NULL'))


def downgrade():
    with op.batch_alter_table('session_notes', schema=None) as batch_op:
        batch_op.drop_index('uq_session_notes_session_id_main')

    op.drop_table('session_notes')
