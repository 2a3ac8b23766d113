"""users: when each person confirmed their time zone

Revision ID: 5c9c94df324a
Revises: d13a5e551001
Create Date: 2026-11-29 16:30:00.000000

Every page asks a person who hasn't confirmed their zone whether the times it shows are in their
time. Existing accounts stay unconfirmed (whether a person chose their zone or kept the default
can't be told now), so each is asked once.
"""
import sqlalchemy as sa
from alembic import op

import workspace.database  # custom column types (UTCDateTime)

# revision identifiers, used by Alembic.
revision = '5c9c94df324a'
down_revision = 'd13a5e551001'
branch_labels = None
depends_on = None


def upgrade():
    # Added in place (a nullable column needs no copy of the table, which SQLite's foreign keys
    # would refuse for a table other rows point at).
    op.add_column('users', sa.Column('time_zone_confirmed_at',
                                     workspace.database.UTCDateTime(timezone=True),
                                     nullable=True))


def downgrade():
    op.drop_column('users', 'time_zone_confirmed_at')
