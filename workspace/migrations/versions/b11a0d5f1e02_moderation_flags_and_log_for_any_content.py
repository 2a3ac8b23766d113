"""moderation: flags and the log name their subject, for any kind of content

forum_flags and forum_moderation_events become flags and moderation_events: each row names its
community, the kind of content and its id, with a summary and a link taken from the forum's
tables, so one queue and one log per community hold forum posts now and other content later.
Row ids are kept (open pages and links to a flag keep working).

Revision ID: b11a0d5f1e02
Revises: b11a0d5f1e01
Create Date: 2026-11-26 10:12:40.118204

"""
from alembic import op
import sqlalchemy as sa
from markupsafe import Markup

import workspace.database


# revision identifiers, used by Alembic.
revision = 'b11a0d5f1e02'
down_revision = 'b11a0d5f1e01'
branch_labels = None
depends_on = None

# Copied from the app as it is today, so this script keeps meaning the same whatever it becomes.
FORUM_ACTIONS = ('pinned', 'unpinned', 'locked', 'unlocked', 'moved', 'post_hidden',
                 'post_restored', 'flag_dismissed', 'category_added', 'category_changed',
                 'category_archived', 'category_restored')
SUMMARY_MAX = 300
EXCERPT_LENGTH = 200


def _clip(text, limit):
    return text if len(text) <= limit else text[:limit - 1].rstrip() + '…'


def _excerpt(html):
    text = Markup(html or '').striptags()
    if len(text) <= EXCERPT_LENGTH:
        return text
    return text[:EXCERPT_LENGTH].rsplit(' ', 1)[0].rstrip(' ,.;:') + '…'


def _post_summary(author, title):
    return _clip(f"{author}'s post in “{title}”", SUMMARY_MAX)


def _post_link(slug, post_id):
    return f'/communities/{slug}/forums/posts/{post_id}'


def _topic_link(slug, topic_id):
    return f'/communities/{slug}/forums/topics/{topic_id}'


def _continue_ids_after_copied_rows(table):
    # Rows were inserted with their ids: PostgreSQL's sequence must start after them.
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(sa.text(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"))


def upgrade():
    op.create_table('flags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('subject_kind', sa.String(length=40), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('summary', sa.String(length=300), nullable=False),
    sa.Column('excerpt', sa.String(length=300), nullable=False),
    sa.Column('link', sa.String(length=500), nullable=False),
    sa.Column('reporter_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('created_at', workspace.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', workspace.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('resolution', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_flags_community_id_communities')),
    sa.ForeignKeyConstraint(['reporter_id'], ['users.id'], name=op.f('fk_flags_reporter_id_users')),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'], name=op.f('fk_flags_resolved_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_flags'))
    )
    with op.batch_alter_table('flags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_flags_community_id'), ['community_id'], unique=False)
        batch_op.create_index('ix_flags_subject', ['subject_kind', 'subject_id'], unique=False)

    op.create_table('moderation_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('subject_kind', sa.String(length=40), nullable=True),
    sa.Column('subject_id', sa.Integer(), nullable=True),
    sa.Column('summary', sa.String(length=300), nullable=False),
    sa.Column('link', sa.String(length=500), nullable=False),
    sa.Column('detail', sa.String(length=500), nullable=False),
    sa.Column('created_at', workspace.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_moderation_events_actor_id_users')),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_moderation_events_community_id_communities')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_moderation_events'))
    )
    with op.batch_alter_table('moderation_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_moderation_events_community_id'), ['community_id'], unique=False)

    _move_forum_flags()
    _move_forum_moderation_events()

    with op.batch_alter_table('forum_moderation_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_forum_moderation_events_community_id'))
    op.drop_table('forum_moderation_events')
    with op.batch_alter_table('forum_flags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_forum_flags_post_id'))
    op.drop_table('forum_flags')


# Tables as this script needs them; times are copied inside the database, never read here.
_users = sa.table('users', sa.column('id', sa.Integer()), sa.column('name', sa.String()))
_communities = sa.table('communities', sa.column('id', sa.Integer()),
                        sa.column('slug', sa.String()))
_topics = sa.table('forum_topics', sa.column('id', sa.Integer()),
                   sa.column('community_id', sa.Integer()), sa.column('title', sa.String()))
_posts = sa.table('forum_posts', sa.column('id', sa.Integer()), sa.column('topic_id', sa.Integer()),
                  sa.column('author_id', sa.Integer()), sa.column('body_html', sa.Text()))
_old_flags = sa.table(
    'forum_flags', *(sa.column(name) for name in (
        'id', 'post_id', 'reporter_id', 'reason', 'created_at', 'resolved_at', 'resolved_by_id',
        'resolution')))
_old_events = sa.table(
    'forum_moderation_events', *(sa.column(name) for name in (
        'id', 'community_id', 'actor_id', 'action', 'topic_id', 'post_id', 'detail',
        'created_at')))
_flags = sa.table(
    'flags', sa.column('id'), sa.column('community_id'), sa.column('subject_kind'),
    sa.column('subject_id'), sa.column('summary'), sa.column('excerpt'), sa.column('link'),
    sa.column('reporter_id'), sa.column('reason'), sa.column('created_at'),
    sa.column('resolved_at'), sa.column('resolved_by_id'), sa.column('resolution'))
_events = sa.table(
    'moderation_events', sa.column('id'), sa.column('community_id'), sa.column('actor_id'),
    sa.column('action'), sa.column('subject_kind'), sa.column('subject_id'),
    sa.column('summary'), sa.column('link'), sa.column('detail'), sa.column('created_at'))


def _post_descriptions(post_ids):
    """Summary, excerpt and link of each post, as the app describes a flagged post."""
    if not post_ids:
        return {}
    rows = op.get_bind().execute(
        sa.select(_posts.c.id, _posts.c.body_html, _users.c.name, _topics.c.id,
                  _topics.c.title, _communities.c.slug)
        .select_from(_posts.join(_topics, _topics.c.id == _posts.c.topic_id)
                     .join(_communities, _communities.c.id == _topics.c.community_id)
                     .join(_users, _users.c.id == _posts.c.author_id))
        .where(_posts.c.id.in_(sorted(post_ids))))
    return {post_id: {'summary': _post_summary(author, title), 'excerpt': _excerpt(html),
                      'link': _post_link(slug, post_id)}
            for post_id, html, author, _topic_id, title, slug in rows}


def _move_forum_flags():
    bind = op.get_bind()
    # One level of subquery, correlated to the flag row: a nested one would not be correlated,
    # and PostgreSQL rightly refuses the many rows it returns (SQLite quietly takes the first).
    community_of_post = (sa.select(_topics.c.community_id)
                         .select_from(_topics.join(_posts, _posts.c.topic_id == _topics.c.id))
                         .where(_posts.c.id == _old_flags.c.post_id)
                         .correlate(_old_flags).scalar_subquery())
    bind.execute(_flags.insert().from_select(
        ['id', 'community_id', 'subject_kind', 'subject_id', 'summary', 'excerpt', 'link',
         'reporter_id', 'reason', 'created_at', 'resolved_at', 'resolved_by_id', 'resolution'],
        sa.select(_old_flags.c.id, community_of_post, sa.literal('forum_post'),
                  _old_flags.c.post_id, sa.literal(''), sa.literal(''), sa.literal(''),
                  _old_flags.c.reporter_id, _old_flags.c.reason, _old_flags.c.created_at,
                  _old_flags.c.resolved_at, _old_flags.c.resolved_by_id,
                  _old_flags.c.resolution)))
    post_ids = set(bind.scalars(sa.select(_flags.c.subject_id).distinct()))
    described = _post_descriptions(post_ids)
    if described:
        bind.execute(
            _flags.update().where(_flags.c.subject_kind == 'forum_post',
                                  _flags.c.subject_id == sa.bindparam('post_id'))
            .values(summary=sa.bindparam('new_summary'), excerpt=sa.bindparam('new_excerpt'),
                    link=sa.bindparam('new_link')),
            [{'post_id': post_id, 'new_summary': d['summary'], 'new_excerpt': d['excerpt'],
              'new_link': d['link']} for post_id, d in described.items()])
    _continue_ids_after_copied_rows('flags')


def _move_forum_moderation_events():
    bind = op.get_bind()
    # A post's events name the post; a topic's, the topic; category events named neither
    # (their detail says which category), so they keep no subject.
    kind = sa.case((_old_events.c.post_id.is_not(None), sa.literal('forum_post')),
                   (_old_events.c.topic_id.is_not(None), sa.literal('forum_topic')),
                   else_=sa.null())
    subject_id = sa.func.coalesce(_old_events.c.post_id, _old_events.c.topic_id)
    bind.execute(_events.insert().from_select(
        ['id', 'community_id', 'actor_id', 'action', 'subject_kind', 'subject_id', 'summary',
         'link', 'detail', 'created_at'],
        sa.select(_old_events.c.id, _old_events.c.community_id, _old_events.c.actor_id,
                  _old_events.c.action, kind, subject_id, sa.literal(''), sa.literal(''),
                  _old_events.c.detail, _old_events.c.created_at)))
    post_ids = set(bind.scalars(sa.select(_events.c.subject_id).where(
        _events.c.subject_kind == 'forum_post').distinct()))
    described = _post_descriptions(post_ids)
    topic_ids = set(bind.scalars(sa.select(_events.c.subject_id).where(
        _events.c.subject_kind == 'forum_topic').distinct()))
    topics = {}
    if topic_ids:
        topics = {topic_id: {'summary': _clip(title, SUMMARY_MAX),
                             'link': _topic_link(slug, topic_id)}
                  for topic_id, title, slug in bind.execute(
                      sa.select(_topics.c.id, _topics.c.title, _communities.c.slug)
                      .select_from(_topics.join(_communities,
                                                _communities.c.id == _topics.c.community_id))
                      .where(_topics.c.id.in_(sorted(topic_ids))))}
    rows = [{'kind': 'forum_post', 'subject': post_id, 'new_summary': d['summary'],
             'new_link': d['link']} for post_id, d in described.items()]
    rows += [{'kind': 'forum_topic', 'subject': topic_id, 'new_summary': d['summary'],
              'new_link': d['link']} for topic_id, d in topics.items()]
    if rows:
        bind.execute(
            _events.update().where(_events.c.subject_kind == sa.bindparam('kind'),
                                   _events.c.subject_id == sa.bindparam('subject'))
            .values(summary=sa.bindparam('new_summary'), link=sa.bindparam('new_link')),
            rows)
    _continue_ids_after_copied_rows('moderation_events')


def downgrade():
    op.create_table('forum_flags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('reporter_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('created_at', workspace.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', workspace.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('resolution', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['forum_posts.id'], name=op.f('fk_forum_flags_post_id_forum_posts')),
    sa.ForeignKeyConstraint(['reporter_id'], ['users.id'], name=op.f('fk_forum_flags_reporter_id_users')),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'], name=op.f('fk_forum_flags_resolved_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_forum_flags'))
    )
    with op.batch_alter_table('forum_flags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_forum_flags_post_id'), ['post_id'], unique=False)

    op.create_table('forum_moderation_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.Enum(*FORUM_ACTIONS, name='moderationaction', native_enum=False, length=20), nullable=False),
    sa.Column('topic_id', sa.Integer(), nullable=True),
    sa.Column('post_id', sa.Integer(), nullable=True),
    sa.Column('detail', sa.String(length=500), nullable=False),
    sa.Column('created_at', workspace.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_forum_moderation_events_actor_id_users')),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_forum_moderation_events_community_id_communities')),
    sa.ForeignKeyConstraint(['post_id'], ['forum_posts.id'], name=op.f('fk_forum_moderation_events_post_id_forum_posts')),
    sa.ForeignKeyConstraint(['topic_id'], ['forum_topics.id'], name=op.f('fk_forum_moderation_events_topic_id_forum_topics')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_forum_moderation_events'))
    )
    with op.batch_alter_table('forum_moderation_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_forum_moderation_events_community_id'), ['community_id'], unique=False)

    # Only what the forum tables can hold goes back: flags on forum posts, and the forum's
    # actions (a category's events name no topic or post). Other kinds of content are dropped.
    bind = op.get_bind()
    existing_post = sa.select(_posts.c.id).where(_posts.c.id == _flags.c.subject_id)
    bind.execute(_old_flags.insert().from_select(
        ['id', 'post_id', 'reporter_id', 'reason', 'created_at', 'resolved_at',
         'resolved_by_id', 'resolution'],
        sa.select(_flags.c.id, _flags.c.subject_id, _flags.c.reporter_id, _flags.c.reason,
                  _flags.c.created_at, _flags.c.resolved_at, _flags.c.resolved_by_id,
                  _flags.c.resolution)
        .where(_flags.c.subject_kind == 'forum_post', existing_post.exists())))
    post = sa.select(_posts.c.id).where(_posts.c.id == _events.c.subject_id).scalar_subquery()
    topic_of_post = sa.select(_posts.c.topic_id).where(
        _posts.c.id == _events.c.subject_id).scalar_subquery()
    topic = sa.select(_topics.c.id).where(_topics.c.id == _events.c.subject_id).scalar_subquery()
    bind.execute(_old_events.insert().from_select(
        ['id', 'community_id', 'actor_id', 'action', 'topic_id', 'post_id', 'detail',
         'created_at'],
        sa.select(_events.c.id, _events.c.community_id, _events.c.actor_id, _events.c.action,
                  sa.case((_events.c.subject_kind == 'forum_post', topic_of_post),
                          (_events.c.subject_kind == 'forum_topic', topic), else_=sa.null()),
                  sa.case((_events.c.subject_kind == 'forum_post', post), else_=sa.null()),
                  _events.c.detail, _events.c.created_at)
        .where(_events.c.action.in_(FORUM_ACTIONS))))
    _continue_ids_after_copied_rows('forum_flags')
    _continue_ids_after_copied_rows('forum_moderation_events')

    with op.batch_alter_table('moderation_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_moderation_events_community_id'))
    op.drop_table('moderation_events')
    with op.batch_alter_table('flags', schema=None) as batch_op:
        batch_op.drop_index('ix_flags_subject')
        batch_op.drop_index(batch_op.f('ix_flags_community_id'))
    op.drop_table('flags')
