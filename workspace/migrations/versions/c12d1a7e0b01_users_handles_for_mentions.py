"""users: a handle each person is mentioned by, suggested from their name

Revision ID: c12d1a7e0b01
Revises: b11a0d5f1e02
Create Date: 2026-11-30 10:00:00.000000

Mentions used the local part of a person's email address. Each existing account gets a handle
made from its name ("Jordan Ellis" is jordan.ellis; the next Jordan Ellis, jordan.ellis2), the
oldest account first. Posts already written keep their text and HTML: the old forms still name
the same person when a post is edited. The rules below are copied from workspace.auth.handles as
they were, so this revision gives the same handles whatever that module becomes.
"""
import re
import unicodedata
from itertools import count

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c12d1a7e0b01'
down_revision = 'b11a0d5f1e02'
branch_labels = None
depends_on = None

HANDLE_MIN, HANDLE_MAX = 2, 30
WORD = re.compile(r'[a-z0-9]+(?:-[a-z0-9]+)*')


def _stem(name, email):
    for source in (name, (email or '').split('@')[0]):
        plain = unicodedata.normalize('NFKD', source or '').encode('ascii', 'ignore').decode()
        words = WORD.findall(re.sub(r"['’]", '', plain.lower()))
        stem = '.'.join(words)[:HANDLE_MAX].rstrip('._-')
        if len(stem) >= HANDLE_MIN:
            return stem
    return 'member'


def _first_free(stem, taken):
    for number in count(1):
        suffix = '' if number == 1 else str(number)
        candidate = stem[:HANDLE_MAX - len(suffix)].rstrip('._-') + suffix
        if candidate not in taken:
            return candidate


def upgrade():
    # Added in place, not by batch mode's copy of the table: on SQLite that copy drops the table
    # other rows point at, which the foreign keys (on for the migration's whole transaction)
    # refuse. A column added in place may be NOT NULL only with a default, so it has one until
    # every account has its handle; SQLite can't drop a default in place, and nothing reads it.
    op.add_column('users', sa.Column('handle', sa.String(length=30), nullable=False,
                                     server_default=''))

    connection = op.get_bind()
    taken = set()
    handles = []
    for user_id, name, email in connection.execute(
            sa.text('SELECT id, name, email FROM users ORDER BY id')).all():
        handle = _first_free(_stem(name, email), taken)
        taken.add(handle)
        handles.append({'id': user_id, 'handle': handle})
    if handles:
        connection.execute(sa.text('UPDATE users SET handle = :handle WHERE id = :id'), handles)

    if connection.dialect.name != 'sqlite':
        op.alter_column('users', 'handle', server_default=None)
    op.create_index(op.f('ix_users_handle'), 'users', ['handle'], unique=True)


def downgrade():
    op.drop_index(op.f('ix_users_handle'), table_name='users')
    op.drop_column('users', 'handle')
