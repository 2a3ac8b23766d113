"""notifications: kind, actor, community and subject

Revision ID: b11a0d5f1e03
Revises: fe64fc3fda89
Create Date: 2026-11-25 10:00:00.000000

Existing notices get the kind their wording shows (the app wrote each kind with one sentence
shape) and the community and subject their link names; what can't be told stays "general" or
empty. The actor isn't recorded in old notices (only a display name), so it stays empty.
"""
import re

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b11a0d5f1e03'
down_revision = 'fe64fc3fda89'
branch_labels = None
depends_on = None

KINDS = ('mention', 'reply', 'topic_started', 'answer_marked', 'post_hidden', 'post_restored',
         'flag_raised', 'added_to_community', 'interest_received', 'interest_decided', 'general')

# The sentences the app wrote before this revision, most specific first.
WORDING = [
    ('post_hidden', re.compile(r'^A facilitator hid your post in “')),
    ('post_restored', re.compile(r'^A facilitator restored your post in “')),
    ('answer_marked', re.compile(r' marked your reply in “.*” as the answer\.$', re.S)),
    ('mention', re.compile(r' mentioned you in “.*”\.$', re.S)),
    ('flag_raised', re.compile(r' flagged a post in “.*”\.$', re.S)),
    ('topic_started', re.compile(r' started “.*” in .*\.$', re.S)),
    ('reply', re.compile(r' replied to “.*”\.$', re.S)),
    ('interest_received', re.compile(r' expressed interest in .*\.$', re.S)),
    ('interest_decided', re.compile(r' was (accepted|put on the waiting list for|declined for) ')),
    ('added_to_community', re.compile(r' added you to .* as [a-z ]+\.$', re.S)),
]
POST_LINK = re.compile(r'^/communities/([a-z0-9-]+)/forums/posts/([0-9]+)$')
COMMUNITY_LINK = re.compile(r'^/communities/([a-z0-9-]+)(/.*)?$')
POST_KINDS = {'post_hidden', 'post_restored', 'answer_marked', 'mention', 'topic_started',
              'reply'}


def _kind_of(message):
    for kind, wording in WORDING:
        if wording.search(message):
            return kind
    return 'general'


def upgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.Enum(*KINDS, name='notificationkind',
                                                      native_enum=False, length=20),
                                      server_default='general', nullable=False))
        batch_op.add_column(sa.Column('actor_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('community_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('subject_type', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('subject_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_notifications_actor_id_users'), 'users',
                                    ['actor_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_notifications_community_id_communities'),
                                    'communities', ['community_id'], ['id'])
        batch_op.create_index(batch_op.f('ix_notifications_community_id'), ['community_id'],
                              unique=False)
        batch_op.create_index('ix_notifications_subject', ['subject_type', 'subject_id'],
                              unique=False)

    connection = op.get_bind()
    communities = dict(connection.execute(sa.text('SELECT slug, id FROM communities')).all())
    changes = []
    for notification_id, message, link in connection.execute(
            sa.text('SELECT id, message, link FROM notifications')).all():
        kind = _kind_of(message or '')
        community_id = subject_type = subject_id = None
        post = POST_LINK.match(link or '')
        page = COMMUNITY_LINK.match(link or '')
        if page:
            community_id = communities.get(page.group(1))
        if post and kind in POST_KINDS:
            subject_type, subject_id = 'forum_post', int(post.group(2))
        elif kind == 'added_to_community' and community_id is not None:
            subject_type, subject_id = 'community', community_id
        if kind != 'general' or community_id is not None:
            changes.append({'id': notification_id, 'kind': kind, 'community_id': community_id,
                            'subject_type': subject_type, 'subject_id': subject_id})
    if changes:
        connection.execute(sa.text(
            'UPDATE notifications SET kind = :kind, community_id = :community_id, '
            'subject_type = :subject_type, subject_id = :subject_id WHERE id = :id'), changes)


def downgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_subject')
        batch_op.drop_index(batch_op.f('ix_notifications_community_id'))
        batch_op.drop_constraint(batch_op.f('fk_notifications_community_id_communities'),
                                 type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_notifications_actor_id_users'),
                                 type_='foreignkey')
        batch_op.drop_column('subject_id')
        batch_op.drop_column('subject_type')
        batch_op.drop_column('community_id')
        batch_op.drop_column('actor_id')
        batch_op.drop_column('kind')
