"""writing: drafts by registered kind, moved out of the forum

The forum kept drafts in forum_drafts under a string key ("topic:<community id>",
"reply:<topic id>"). Drafts now belong to workspace.writing, keyed by a kind a feature registers
and the id of what is being written: the forum's keys become the kinds "forum_topic" and
"forum_reply" with the same ids.

Revision ID: b11a0d5f1e01
Revises: b11a0d5f1e03
Create Date: 2026-11-25 10:00:00.000000

"""
import re

import sqlalchemy as sa
from alembic import op

import workspace.database  # custom column types (UTCDateTime)


# revision identifiers, used by Alembic.
revision = 'b11a0d5f1e01'
down_revision = 'b11a0d5f1e03'
branch_labels = None
depends_on = None

KINDS_BY_PREFIX = {'topic': 'forum_topic', 'reply': 'forum_reply'}
PREFIXES_BY_KIND = {kind: prefix for prefix, kind in KINDS_BY_PREFIX.items()}
OLD_KEY = re.compile(r'^(topic|reply):([0-9]{1,12})$')

# The tables as this migration sees them, for moving rows (not the models: they move on).
forum_drafts = sa.table(
    'forum_drafts', sa.column('id', sa.Integer), sa.column('user_id', sa.Integer),
    sa.column('community_id', sa.Integer), sa.column('key', sa.String),
    sa.column('title', sa.String), sa.column('body', sa.Text),
    sa.column('updated_at', workspace.database.UTCDateTime(timezone=True)))
drafts = sa.table(
    'drafts', sa.column('id', sa.Integer), sa.column('user_id', sa.Integer),
    sa.column('community_id', sa.Integer), sa.column('kind', sa.String),
    sa.column('target_id', sa.Integer), sa.column('title', sa.String), sa.column('body', sa.Text),
    sa.column('updated_at', workspace.database.UTCDateTime(timezone=True)))


def upgrade():
    op.create_table('drafts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('updated_at', workspace.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_drafts_community_id_communities')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_drafts_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_drafts')),
    sa.UniqueConstraint('user_id', 'kind', 'target_id', name=op.f('uq_drafts_user_id_kind_target_id'))
    )
    with op.batch_alter_table('drafts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_drafts_community_id'), ['community_id'], unique=False)

    connection = op.get_bind()
    rows = []
    for row in connection.execute(sa.select(forum_drafts).order_by(forum_drafts.c.id)):
        match = OLD_KEY.match(row.key or '')
        if match is None:
            continue  # no page could have shown a draft with any other key
        rows.append({'user_id': row.user_id, 'community_id': row.community_id,
                     'kind': KINDS_BY_PREFIX[match.group(1)], 'target_id': int(match.group(2)),
                     'title': row.title, 'body': row.body, 'updated_at': row.updated_at})
    if rows:
        connection.execute(drafts.insert(), rows)

    with op.batch_alter_table('forum_drafts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_forum_drafts_community_id'))

    op.drop_table('forum_drafts')


def downgrade():
    op.create_table('forum_drafts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('updated_at', workspace.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_forum_drafts_community_id_communities')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_forum_drafts_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_forum_drafts')),
    sa.UniqueConstraint('user_id', 'key', name=op.f('uq_forum_drafts_user_id_key'))
    )
    with op.batch_alter_table('forum_drafts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_forum_drafts_community_id'), ['community_id'], unique=False)

    # Only the forum's drafts have a place in the old table; other features' drafts are lost.
    connection = op.get_bind()
    rows = [{'user_id': row.user_id, 'community_id': row.community_id,
             'key': f'{PREFIXES_BY_KIND[row.kind]}:{row.target_id}', 'title': row.title,
             'body': row.body, 'updated_at': row.updated_at}
            for row in connection.execute(
                sa.select(drafts).where(drafts.c.kind.in_(list(PREFIXES_BY_KIND)))
                .order_by(drafts.c.id))]
    if rows:
        connection.execute(forum_drafts.insert(), rows)

    with op.batch_alter_table('drafts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_drafts_community_id'))

    op.drop_table('drafts')
