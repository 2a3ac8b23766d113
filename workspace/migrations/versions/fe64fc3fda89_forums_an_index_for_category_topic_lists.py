"""forums: an index for category topic lists

Revision ID: fe64fc3fda89
Revises: ead4240a1d20
Create Date: 2026-11-24 09:54:12.385527

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'fe64fc3fda89'
down_revision = 'ead4240a1d20'
branch_labels = None
depends_on = None


def upgrade():
    # A category's topic list reads pinned first, then latest activity: in index order.
    with op.batch_alter_table('forum_topics', schema=None) as batch_op:
        batch_op.create_index('ix_forum_topics_category_listing',
                              ['category_id', 'is_pinned', 'last_posted_at', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('forum_topics', schema=None) as batch_op:
        batch_op.drop_index('ix_forum_topics_category_listing')
