"""Claims and answered threads, the state Parley kept before this database (``slack.sqlite``).

A ``slack.sqlite`` that an earlier Parley wrote is adopted as it is: its two tables already have this shape.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "handled" not in existing:
        op.create_table("handled",
                        sa.Column("key", sa.String(length=128), nullable=False),
                        sa.Column("at", sa.Float(), nullable=False),
                        sa.PrimaryKeyConstraint("key"))
    if "threads" not in existing:
        op.create_table("threads",
                        sa.Column("channel", sa.String(length=64), nullable=False),
                        sa.Column("thread_ts", sa.String(length=32), nullable=False),
                        sa.Column("at", sa.Float(), nullable=False),
                        sa.PrimaryKeyConstraint("channel", "thread_ts"))
    op.create_index("ix_handled_at", "handled", ["at"])
    op.create_index("ix_threads_at", "threads", ["at"])


def downgrade() -> None:
    op.drop_table("threads")
    op.drop_table("handled")
