"""1:1s: series, their shared agenda, action items, and private notes.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = storage.types.UTCDateTime


def _person(name: str, *, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.Integer(), sa.ForeignKey("people.id"), nullable=nullable)


def _series() -> sa.Column:
    return sa.Column("series_id", sa.Integer(), sa.ForeignKey("one_on_one_series.id"), nullable=False)


def upgrade() -> None:
    op.create_table(
        "one_on_one_series",
        sa.Column("id", sa.Integer(), primary_key=True),
        _person("manager_id"),
        _person("report_id", nullable=False),
        _person("created_by_id"),
        sa.Column("frequency", sa.String(length=16), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("at_minute", sa.Integer(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("created_at", UTC(), nullable=False),
        sa.Column("ended_at", UTC(), nullable=True),
        sa.Column("end_reason", sa.String(length=32), server_default="", nullable=False),
        sqlite_autoincrement=True,  # ids are never reused (migration 0008)
    )
    op.create_index("ix_one_on_one_series_manager_id", "one_on_one_series", ["manager_id"])
    op.create_index("ix_one_on_one_series_report_id", "one_on_one_series", ["report_id"])
    op.create_table(
        "one_on_one_points",
        sa.Column("id", sa.Integer(), primary_key=True),
        _series(),
        _person("author_id"),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("suggestion_key", sa.String(length=64), nullable=True),
        sa.Column("created_at", UTC(), nullable=False),
        sa.Column("discussed_at", UTC(), nullable=True),
        _person("discussed_by_id"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_one_on_one_points_series_id", "one_on_one_points", ["series_id"])
    op.create_table(
        "one_on_one_actions",
        sa.Column("id", sa.Integer(), primary_key=True),
        _series(),
        _person("owner_id"),
        _person("created_by_id"),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("created_at", UTC(), nullable=False),
        sa.Column("done_at", UTC(), nullable=True),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_one_on_one_actions_series_id", "one_on_one_actions", ["series_id"])
    op.create_table(
        "one_on_one_private_notes",
        sa.Column("id", sa.Integer(), primary_key=True),
        _series(),
        _person("author_id", nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", UTC(), nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_one_on_one_private_notes_series_id", "one_on_one_private_notes", ["series_id"])
    op.create_index("ix_one_on_one_private_notes_author_id", "one_on_one_private_notes", ["author_id"])


def downgrade() -> None:
    op.drop_table("one_on_one_private_notes")
    op.drop_table("one_on_one_actions")
    op.drop_table("one_on_one_points")
    op.drop_table("one_on_one_series")
