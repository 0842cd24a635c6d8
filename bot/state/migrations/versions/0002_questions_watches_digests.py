"""The question log, watches and digests.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("questions",
                    sa.Column("id", sa.Integer(), nullable=False),
                    sa.Column("asked_at", sa.Float(), nullable=False),
                    sa.Column("text", sa.Text(), nullable=False),
                    sa.Column("platform", sa.String(length=16), nullable=False),
                    sa.Column("channel_kind", sa.String(length=16), nullable=False),
                    sa.Column("answered", sa.Boolean(), nullable=False),
                    sa.Column("reason", sa.String(length=32), nullable=True),
                    sa.Column("closest", sa.Text(), nullable=False),
                    sa.Column("up", sa.Integer(), nullable=False),
                    sa.Column("down", sa.Integer(), nullable=False),
                    sa.PrimaryKeyConstraint("id"))
    op.create_index("ix_questions_asked_at", "questions", ["asked_at"])
    op.create_table("watches",
                    sa.Column("id", sa.Integer(), nullable=False),
                    sa.Column("platform", sa.String(length=16), nullable=False),
                    sa.Column("team", sa.String(length=64), nullable=False),
                    sa.Column("channel", sa.String(length=64), nullable=False),
                    sa.Column("question", sa.Text(), nullable=False),
                    sa.Column("created_by", sa.String(length=64), nullable=False),
                    sa.Column("created_at", sa.Float(), nullable=False),
                    sa.Column("active", sa.Boolean(), nullable=False),
                    sa.PrimaryKeyConstraint("id"))
    op.create_table("watch_posts",
                    sa.Column("watch_id", sa.Integer(), nullable=False),
                    sa.Column("passage_key", sa.String(length=128), nullable=False),
                    sa.Column("posted_at", sa.Float(), nullable=False),
                    sa.ForeignKeyConstraint(["watch_id"], ["watches.id"], ondelete="CASCADE"),
                    sa.UniqueConstraint("watch_id", "passage_key"))
    op.create_table("digests",
                    sa.Column("platform", sa.String(length=16), nullable=False),
                    sa.Column("channel", sa.String(length=64), nullable=False),
                    sa.Column("team", sa.String(length=64), nullable=False),
                    sa.Column("cadence", sa.String(length=8), nullable=False),
                    sa.Column("weekday", sa.Integer(), nullable=True),
                    sa.Column("at", sa.String(length=5), nullable=False),
                    sa.Column("timezone", sa.String(length=64), nullable=False),
                    sa.Column("created_by", sa.String(length=64), nullable=False),
                    sa.Column("last_slot", sa.Float(), nullable=True),
                    sa.Column("last_window_end", sa.Float(), nullable=True),
                    sa.PrimaryKeyConstraint("platform", "channel"))


def downgrade() -> None:
    for name in ("digests", "watch_posts", "watches", "questions"):
        op.drop_table(name)
