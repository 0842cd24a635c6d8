"""Slack installations and install links (one app in many workspaces), the votes on answers, and the
articles the watches have seen.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("slack_installations",
                    sa.Column("client_id", sa.String(length=64), nullable=False),
                    sa.Column("enterprise_id", sa.String(length=32), nullable=False),
                    sa.Column("team_id", sa.String(length=32), nullable=False),
                    sa.Column("app_id", sa.String(length=32), nullable=True),
                    sa.Column("enterprise_name", sa.Text(), nullable=True),
                    sa.Column("team_name", sa.Text(), nullable=True),
                    sa.Column("bot_id", sa.String(length=32), nullable=True),
                    sa.Column("bot_user_id", sa.String(length=32), nullable=True),
                    sa.Column("bot_scopes", sa.Text(), nullable=False),
                    sa.Column("bot_token", sa.Text(), nullable=False),
                    sa.Column("bot_refresh_token", sa.Text(), nullable=True),
                    sa.Column("bot_token_expires_at", sa.Integer(), nullable=True),
                    sa.Column("is_enterprise_install", sa.Boolean(), nullable=False),
                    sa.Column("installed_by", sa.String(length=32), nullable=True),
                    sa.Column("installed_at", sa.Float(), nullable=False),
                    sa.PrimaryKeyConstraint("client_id", "enterprise_id", "team_id"))
    op.create_table("slack_oauth_states",
                    sa.Column("state", sa.String(length=64), nullable=False),
                    sa.Column("expire_at", sa.Float(), nullable=False),
                    sa.PrimaryKeyConstraint("state"))
    op.create_index("ix_slack_oauth_states_expire_at", "slack_oauth_states", ["expire_at"])
    op.create_table("feedback",
                    sa.Column("id", sa.Integer(), nullable=False),
                    sa.Column("at", sa.Float(), nullable=False),
                    sa.Column("platform", sa.String(length=16), nullable=False),
                    sa.Column("user", sa.String(length=64), nullable=False),
                    sa.Column("question", sa.Text(), nullable=False),
                    sa.Column("quotes", sa.Text(), nullable=False),
                    sa.Column("vote", sa.Integer(), nullable=False),
                    sa.PrimaryKeyConstraint("id"))
    op.create_table("watched_articles",
                    sa.Column("doc_id", sa.String(length=64), nullable=False),
                    sa.Column("seen_at", sa.Float(), nullable=False),
                    sa.PrimaryKeyConstraint("doc_id"))


def downgrade() -> None:
    op.drop_table("watched_articles")
    op.drop_table("feedback")
    op.drop_table("slack_oauth_states")
    op.drop_table("slack_installations")
