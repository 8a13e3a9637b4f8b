"""Feedback, feedback requests and workspace settings.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = storage.types.UTCDateTime


def upgrade() -> None:
    with op.batch_alter_table("file_entries") as batch:
        batch.add_column(sa.Column("private", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_table(
        "feedback_requests",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("requester_id", sa.Integer(), sa.ForeignKey("people.id"), nullable=False),
        sa.Column("subject_id", sa.Integer(), sa.ForeignKey("people.id"), nullable=False),
        sa.Column("asked_id", sa.Integer(), sa.ForeignKey("people.id"), nullable=False),
        sa.Column("created_at", UTC(), nullable=False),
        sa.Column("answered_at", UTC(), nullable=True),
    )
    op.create_index("ix_feedback_requests_asked_id", "feedback_requests", ["asked_id"])
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("giver_id", sa.Integer(), sa.ForeignKey("people.id"), nullable=False),
        sa.Column("recipient_id", sa.Integer(), sa.ForeignKey("people.id"), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("praise", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("visibility", sa.String(length=32), nullable=False),
        sa.Column("request_id", sa.Integer(), sa.ForeignKey("feedback_requests.id"), nullable=True),
        sa.Column("created_at", UTC(), nullable=False),
    )
    op.create_index("ix_feedback_giver_id", "feedback", ["giver_id"])
    op.create_index("ix_feedback_recipient_id", "feedback", ["recipient_id"])
    op.create_table(
        "app_settings",
        sa.Column("key", sa.String(length=64), primary_key=True),
        sa.Column("value", sa.String(length=200), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("app_settings")
    op.drop_table("feedback")
    op.drop_table("feedback_requests")
    with op.batch_alter_table("file_entries") as batch:
        batch.drop_column("private")
