"""forums: categories, topics, posts, revisions, reactions, watching, read marks, drafts,
flags and the moderation log

Revision ID: ead4240a1d20
Revises: d79d03edd486
Create Date: 2026-11-24 08:45:55.534269

"""
from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa

import workspace.database  # custom column types (UTCDateTime)


# revision identifiers, used by Alembic.
revision = 'ead4240a1d20'
down_revision = 'd79d03edd486'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('forum_categories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('is_archived', sa.Boolean(), nullable=False),
    sa.Column('created_at', workspace.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_forum_categories_community_id_communities')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_forum_categories')),
    sa.UniqueConstraint('community_id', 'name', name=op.f('uq_forum_categories_community_id_name'))
    )
    with op.batch_alter_table('forum_categories', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_forum_categories_community_id'), ['community_id'], unique=False)

    _give_every_community_its_starting_categories()

    op.create_table('forum_category_subscriptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.Enum('watching', 'normal', 'muted', name='watchlevel', native_enum=False, length=20), nullable=False),
    sa.Column('updated_at', workspace.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['forum_categories.id'], name=op.f('fk_forum_category_subscriptions_category_id_forum_categories')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_forum_category_subscriptions_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_forum_category_subscriptions')),
    sa.UniqueConstraint('user_id', 'category_id', name=op.f('uq_forum_category_subscriptions_user_id_category_id'))
    )
    with op.batch_alter_table('forum_category_subscriptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_forum_category_subscriptions_category_id'), ['category_id'], unique=False)

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

    op.create_table('forum_topics',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('is_pinned', sa.Boolean(), nullable=False),
    sa.Column('is_locked', sa.Boolean(), nullable=False),
    sa.Column('is_hidden', sa.Boolean(), nullable=False),
    sa.Column('deleted_at', workspace.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('answer_post_id', sa.Integer(), nullable=True),
    sa.Column('reply_count', sa.Integer(), nullable=False),
    sa.Column('last_posted_at', workspace.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_post_id', sa.Integer(), nullable=True),
    sa.Column('last_poster_id', sa.Integer(), nullable=True),
    sa.Column('created_at', workspace.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_forum_topics_author_id_users')),
    sa.ForeignKeyConstraint(['category_id'], ['forum_categories.id'], name=op.f('fk_forum_topics_category_id_forum_categories')),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_forum_topics_community_id_communities')),
    sa.ForeignKeyConstraint(['last_poster_id'], ['users.id'], name=op.f('fk_forum_topics_last_poster_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_forum_topics'))
    )
    with op.batch_alter_table('forum_topics', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_forum_topics_category_id'), ['category_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_forum_topics_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_forum_topics_last_posted_at'), ['last_posted_at'], unique=False)

    op.create_table('forum_posts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('topic_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('is_opening', sa.Boolean(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('quoted_post_id', sa.Integer(), nullable=True),
    sa.Column('client_nonce', sa.String(length=64), nullable=True),
    sa.Column('created_at', workspace.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('edited_at', workspace.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('hidden_at', workspace.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('hidden_by_id', sa.Integer(), nullable=True),
    sa.Column('hidden_reason', sa.String(length=500), nullable=False),
    sa.Column('deleted_at', workspace.database.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_forum_posts_author_id_users')),
    sa.ForeignKeyConstraint(['hidden_by_id'], ['users.id'], name=op.f('fk_forum_posts_hidden_by_id_users')),
    sa.ForeignKeyConstraint(['quoted_post_id'], ['forum_posts.id'], name=op.f('fk_forum_posts_quoted_post_id_forum_posts')),
    sa.ForeignKeyConstraint(['topic_id'], ['forum_topics.id'], name=op.f('fk_forum_posts_topic_id_forum_topics')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_forum_posts')),
    sa.UniqueConstraint('author_id', 'client_nonce', name=op.f('uq_forum_posts_author_id_client_nonce'))
    )
    with op.batch_alter_table('forum_posts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_forum_posts_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_forum_posts_topic_id'), ['topic_id'], unique=False)

    op.create_table('forum_read_marks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('topic_id', sa.Integer(), nullable=False),
    sa.Column('last_read_post_id', sa.Integer(), nullable=False),
    sa.Column('visited_at', workspace.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['topic_id'], ['forum_topics.id'], name=op.f('fk_forum_read_marks_topic_id_forum_topics')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_forum_read_marks_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_forum_read_marks')),
    sa.UniqueConstraint('user_id', 'topic_id', name=op.f('uq_forum_read_marks_user_id_topic_id'))
    )
    with op.batch_alter_table('forum_read_marks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_forum_read_marks_topic_id'), ['topic_id'], unique=False)

    op.create_table('forum_topic_subscriptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('topic_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.Enum('watching', 'normal', 'muted', name='watchlevel', native_enum=False, length=20), nullable=False),
    sa.Column('updated_at', workspace.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['topic_id'], ['forum_topics.id'], name=op.f('fk_forum_topic_subscriptions_topic_id_forum_topics')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_forum_topic_subscriptions_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_forum_topic_subscriptions')),
    sa.UniqueConstraint('user_id', 'topic_id', name=op.f('uq_forum_topic_subscriptions_user_id_topic_id'))
    )
    with op.batch_alter_table('forum_topic_subscriptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_forum_topic_subscriptions_topic_id'), ['topic_id'], unique=False)

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
    sa.Column('action', sa.Enum('pinned', 'unpinned', 'locked', 'unlocked', 'moved', 'post_hidden', 'post_restored', 'flag_dismissed', 'category_added', 'category_changed', 'category_archived', 'category_restored', name='moderationaction', native_enum=False, length=20), nullable=False),
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

    op.create_table('forum_post_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('editor_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('written_at', workspace.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('replaced_at', workspace.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['editor_id'], ['users.id'], name=op.f('fk_forum_post_revisions_editor_id_users')),
    sa.ForeignKeyConstraint(['post_id'], ['forum_posts.id'], name=op.f('fk_forum_post_revisions_post_id_forum_posts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_forum_post_revisions'))
    )
    with op.batch_alter_table('forum_post_revisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_forum_post_revisions_post_id'), ['post_id'], unique=False)

    op.create_table('forum_reactions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('thanks', 'insightful', 'question', 'agree', name='reactionkind', native_enum=False, length=20), nullable=False),
    sa.Column('created_at', workspace.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['forum_posts.id'], name=op.f('fk_forum_reactions_post_id_forum_posts')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_forum_reactions_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_forum_reactions')),
    sa.UniqueConstraint('post_id', 'user_id', 'kind', name=op.f('uq_forum_reactions_post_id_user_id_kind'))
    )
    with op.batch_alter_table('forum_reactions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_forum_reactions_post_id'), ['post_id'], unique=False)



# The same starting set as workspace.forums.models.DEFAULT_CATEGORIES, copied so this script keeps
# working whatever the models become. New communities get theirs from the communities service.
STARTING_CATEGORIES = (
    ("General", "Introductions, questions and news for the whole community."),
    ("Problems of practice", "Bring the concrete challenge your state team is working on and ask "
                             "peers how they approached it."),
    ("Tools and resources", "Share templates, rubrics, guidance and research that helped your "
                            "agency."),
    ("Session follow-ups", "Keep the conversation from each live session going: questions, notes "
                           "and action steps."),
)


def _give_every_community_its_starting_categories():
    communities = sa.table('communities', sa.column('id', sa.Integer()))
    categories = sa.table(
        'forum_categories', sa.column('community_id', sa.Integer()),
        sa.column('name', sa.String()), sa.column('description', sa.Text()),
        sa.column('position', sa.Integer()), sa.column('is_archived', sa.Boolean()),
        sa.column('created_at', workspace.database.UTCDateTime(timezone=True)))
    now = datetime.now(UTC)
    rows = [{'community_id': community_id, 'name': name, 'description': description,
             'position': position, 'is_archived': False, 'created_at': now}
            for (community_id,) in op.get_bind().execute(sa.select(communities.c.id))
            for position, (name, description) in enumerate(STARTING_CATEGORIES)]
    if rows:
        op.bulk_insert(categories, rows)


def downgrade():
    with op.batch_alter_table('forum_reactions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_forum_reactions_post_id'))

    op.drop_table('forum_reactions')
    with op.batch_alter_table('forum_post_revisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_forum_post_revisions_post_id'))

    op.drop_table('forum_post_revisions')
    with op.batch_alter_table('forum_moderation_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_forum_moderation_events_community_id'))

    op.drop_table('forum_moderation_events')
    with op.batch_alter_table('forum_flags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_forum_flags_post_id'))

    op.drop_table('forum_flags')
    with op.batch_alter_table('forum_topic_subscriptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_forum_topic_subscriptions_topic_id'))

    op.drop_table('forum_topic_subscriptions')
    with op.batch_alter_table('forum_read_marks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_forum_read_marks_topic_id'))

    op.drop_table('forum_read_marks')
    with op.batch_alter_table('forum_posts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_forum_posts_topic_id'))
        batch_op.drop_index(batch_op.f('ix_forum_posts_author_id'))

    op.drop_table('forum_posts')
    with op.batch_alter_table('forum_topics', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_forum_topics_last_posted_at'))
        batch_op.drop_index(batch_op.f('ix_forum_topics_community_id'))
        batch_op.drop_index(batch_op.f('ix_forum_topics_category_id'))

    op.drop_table('forum_topics')
    with op.batch_alter_table('forum_drafts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_forum_drafts_community_id'))

    op.drop_table('forum_drafts')
    with op.batch_alter_table('forum_category_subscriptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_forum_category_subscriptions_category_id'))

    op.drop_table('forum_category_subscriptions')
    with op.batch_alter_table('forum_categories', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_forum_categories_community_id'))

    op.drop_table('forum_categories')
