"""Durable work: the job table, and a DM kept once in the performance file.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = storage.types.UTCDateTime
JSON = storage.types.JSONData
# What people write in their DM (a message, a manager's reply in their thread): check-in answers keep
# their prompt's ts too, once per edit, so they are not in the index.
KEPT_ONCE = sa.text(
    "slack_channel IS NOT NULL AND slack_ts IS NOT NULL AND kind IN ('message', 'manager_reply')"
)


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("payload", JSON, nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("tries", sa.Integer(), server_default="0", nullable=False),
        sa.Column("run_after", UTC(), nullable=False),
        sa.Column("lease_until", UTC(), nullable=True),
        sa.Column("holder", sa.String(length=100), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", UTC(), nullable=False),
        sa.Column("finished_at", UTC(), nullable=True),
        sa.UniqueConstraint("key", name="uq_jobs_key"),
        sqlite_autoincrement=True,  # ids are never reused (migration 0008)
    )
    op.create_index("ix_jobs_state_run_after", "jobs", ["state", "run_after"])
    # A DM handled twice (its job re-run after a worker died) enters the file once.
    op.create_index(
        "uq_file_entries_slack_message",
        "file_entries",
        ["slack_channel", "slack_ts"],
        unique=True,
        sqlite_where=KEPT_ONCE,
        postgresql_where=KEPT_ONCE,
    )


def downgrade() -> None:
    op.drop_index("uq_file_entries_slack_message", table_name="file_entries")
    op.drop_index("ix_jobs_state_run_after", table_name="jobs")
    op.drop_table("jobs")
