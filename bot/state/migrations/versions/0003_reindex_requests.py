"""Reindex requests, handed from replicas to the reindex worker.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("reindex_requests",
                    sa.Column("id", sa.Integer(), nullable=False),
                    sa.Column("started_by", sa.String(length=64), nullable=False),
                    sa.Column("requested_at", sa.Float(), nullable=False),
                    sa.Column("claimed_at", sa.Float(), nullable=True),
                    sa.Column("finished_at", sa.Float(), nullable=True),
                    sa.Column("outcome", sa.Text(), nullable=True),
                    sa.PrimaryKeyConstraint("id"))


def downgrade() -> None:
    op.drop_table("reindex_requests")
