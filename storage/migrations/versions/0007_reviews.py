"""End-of-cycle reviews.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = storage.types.UTCDateTime
JSON = storage.types.JSONData


def upgrade() -> None:
    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("people.id"), nullable=False),
        sa.Column(
            "manager_id",
            sa.Integer(),
            sa.ForeignKey("people.id", name="fk_reviews_manager_id_people"),
            nullable=True,
        ),
        sa.Column("cycle", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), server_default="0", nullable=False),
        sa.Column("self_assessment", JSON, nullable=False),
        sa.Column("manager_assessment", JSON, nullable=False),
        sa.Column("diagnosis", sa.Text(), server_default="", nullable=False),
        sa.Column("plan", JSON, nullable=False),
        sa.Column("revision_comment", sa.Text(), server_default="", nullable=False),
        sa.Column("draft_goal_ids", JSON, nullable=False),
        sa.Column("manager_channel", sa.String(length=32), nullable=True),
        sa.Column("manager_ts", sa.String(length=32), nullable=True),
        sa.Column("plan_channel", sa.String(length=32), nullable=True),
        sa.Column("plan_ts", sa.String(length=32), nullable=True),
        sa.Column("created_at", UTC(), nullable=False),
        sa.Column("self_assessed_at", UTC(), nullable=True),
        sa.Column("assessed_at", UTC(), nullable=True),
        sa.Column("agreed_at", UTC(), nullable=True),
        sa.Column("updated_at", UTC(), nullable=False),
        sa.UniqueConstraint("person_id", "cycle", name="uq_reviews_person_cycle"),
    )


def downgrade() -> None:
    op.drop_table("reviews")
