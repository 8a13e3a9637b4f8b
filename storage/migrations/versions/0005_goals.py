"""Goals, key results and goal proposals.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = storage.types.UTCDateTime
JSON = storage.types.JSONData


def upgrade() -> None:
    op.create_table(
        "goals",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("people.id"), nullable=True),
        sa.Column("team", sa.String(length=100), server_default="", nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("metric", sa.String(length=100), server_default="", nullable=False),
        sa.Column("baseline", sa.Float(), nullable=True),
        sa.Column("target", sa.Float(), nullable=True),
        sa.Column("current", sa.Float(), nullable=True),
        sa.Column("weight", sa.Integer(), server_default="10", nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("parent_id", sa.Integer(), sa.ForeignKey("goals.id"), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_by_id", sa.Integer(), sa.ForeignKey("people.id"), nullable=True),
        sa.Column("created_at", UTC(), nullable=False),
        sa.Column("updated_at", UTC(), nullable=False),
    )
    op.create_index("ix_goals_person_id", "goals", ["person_id"])
    op.create_table(
        "key_results",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("goal_id", sa.Integer(), sa.ForeignKey("goals.id"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("target", sa.Float(), nullable=False),
        sa.Column("current", sa.Float(), server_default="0", nullable=False),
    )
    op.create_index("ix_key_results_goal_id", "key_results", ["goal_id"])
    op.create_table(
        "goal_proposals",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("goal_id", sa.Integer(), sa.ForeignKey("goals.id"), nullable=False),
        sa.Column("proposer_id", sa.Integer(), sa.ForeignKey("people.id"), nullable=True),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("base_version", sa.Integer(), nullable=False),
        sa.Column("terms", JSON, nullable=False),
        sa.Column("previous", JSON, nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("comment", sa.Text(), server_default="", nullable=False),
        sa.Column("decided_by_id", sa.Integer(), sa.ForeignKey("people.id"), nullable=True),
        sa.Column("decided_at", UTC(), nullable=True),
        sa.Column("notice_channel", sa.String(length=32), nullable=True),
        sa.Column("notice_ts", sa.String(length=32), nullable=True),
        sa.Column("created_at", UTC(), nullable=False),
    )
    op.create_index("ix_goal_proposals_goal_status", "goal_proposals", ["goal_id", "status"])


def downgrade() -> None:
    op.drop_table("goal_proposals")
    op.drop_table("key_results")
    op.drop_table("goals")
