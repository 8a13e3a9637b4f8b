"""Initial schema: people, the performance file, processed events.

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import storage.types

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "people",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("slack_user_id", sa.String(length=32), nullable=False, unique=True),
        sa.Column("email", sa.String(length=320), nullable=False, unique=True),
        sa.Column("name", sa.String(length=200), server_default="", nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("timezone_pinned", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("manager_id", sa.Integer(), sa.ForeignKey("people.id"), nullable=True),
        sa.Column("team", sa.String(length=100), server_default="", nullable=False),
        sa.Column("role", sa.String(length=16), server_default="employee", nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", storage.types.UTCDateTime(), nullable=False),
    )
    op.create_index("ix_people_manager_id", "people", ["manager_id"])
    op.create_table(
        "processed_events",
        sa.Column("event_id", sa.String(length=64), primary_key=True),
        sa.Column("received_at", storage.types.UTCDateTime(), nullable=False),
    )
    op.create_table(
        "file_entries",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("people.id"), nullable=False),
        sa.Column("author_id", sa.Integer(), sa.ForeignKey("people.id"), nullable=True),
        sa.Column("created_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), server_default="", nullable=False),
        sa.Column("data", JSON, nullable=False),
        sa.Column("slack_channel", sa.String(length=32), nullable=True),
        sa.Column("slack_ts", sa.String(length=32), nullable=True),
    )
    op.create_index("ix_file_entries_person_created", "file_entries", ["person_id", "created_at", "id"])


def downgrade() -> None:
    op.drop_table("file_entries")
    op.drop_table("processed_events")
    op.drop_table("people")
