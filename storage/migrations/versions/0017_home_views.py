"""The Home tab's state per person: what it shows and which render Slack has (refreshes, ordered publishes).

Revision ID: 0017
Revises: 0014
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0017"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "home_views",
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("people.id"), primary_key=True),
        sa.Column("subject_id", sa.Integer(), sa.ForeignKey("people.id"), nullable=True),
        sa.Column("page", sa.Integer(), server_default="0", nullable=False),
        sa.Column("as_of", sa.Integer(), nullable=True),
        sa.Column("refusal", sa.String(length=200), nullable=True),
        sa.Column("chosen_at", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("wanted", sa.Integer(), server_default="0", nullable=False),
        sa.Column("published", sa.Integer(), server_default="0", nullable=False),
        sa.Column("publishing_until", storage.types.UTCDateTime(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("home_views")
