"""background jobs: a durable queue

Revision ID: 7ca2662eb239
Revises: 86850fec0363
Create Date: 2026-11-29 18:59:39.330903

"""
from alembic import op
import sqlalchemy as sa

import workspace.database  # custom column types (UTCDateTime)


# revision identifiers, used by Alembic.
revision = '7ca2662eb239'
down_revision = '86850fec0363'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=60), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=True),
    sa.Column('state', sa.Enum('queued', 'running', 'done', 'failed', name='jobstate', native_enum=False, length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('max_attempts', sa.Integer(), nullable=False),
    sa.Column('run_at', workspace.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('locked_by', sa.String(length=120), nullable=True),
    sa.Column('locked_until', workspace.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', workspace.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', workspace.database.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs'))
    )
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.create_index('ix_jobs_state_run_at', ['state', 'run_at'], unique=False)
        # A key is taken while its job is unfinished: the same work asked for twice runs once.
        batch_op.create_index('uq_jobs_key_unfinished', ['key'], unique=True,
                              sqlite_where=sa.text("state != 'done'"),
                              postgresql_where=sa.text("state != 'done'"))


def downgrade():
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_index('uq_jobs_key_unfinished')
        batch_op.drop_index('ix_jobs_state_run_at')

    op.drop_table('jobs')
