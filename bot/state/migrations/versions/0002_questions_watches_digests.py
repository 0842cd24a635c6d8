"""The question log, watches and digests.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

from bot.state.db import metadata

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TABLES = ("questions", "watches", "watch_posts", "digests")


def upgrade() -> None:
    metadata.create_all(op.get_bind(), tables=[metadata.tables[name] for name in TABLES if name in metadata.tables])


def downgrade() -> None:
    for name in reversed(TABLES):
        op.drop_table(name)
