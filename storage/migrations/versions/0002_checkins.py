"""Check-ins: cadences, check-ins, the send ledger, holidays, pauses, the scheduler lease and job store.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import storage.types

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
UTC = storage.types.UTCDateTime


def upgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("paused_until", sa.Date(), nullable=True))
    op.create_table(
        "team_cadences",
        sa.Column("team", sa.String(length=100), primary_key=True),
        sa.Column("frequency", sa.String(length=16), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("at_minute", sa.Integer(), nullable=False),
        sa.Column("first_reminder_hours", sa.Integer(), nullable=False),
        sa.Column("last_reminder_hours", sa.Integer(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), sa.ForeignKey("people.id"), nullable=True),
        sa.Column("updated_at", UTC(), nullable=False),
    )
    op.create_table(
        "checkins",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("people.id"), nullable=False),
        sa.Column("period_key", sa.String(length=16), nullable=False),
        sa.Column("opens_at", UTC(), nullable=False),
        sa.Column("closes_at", UTC(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("answers", JSON, nullable=False),
        sa.Column("mood", sa.Integer(), nullable=True),
        sa.Column("prompt_channel", sa.String(length=32), nullable=True),
        sa.Column("prompt_ts", sa.String(length=32), nullable=True),
        sa.Column("manager_channel", sa.String(length=32), nullable=True),
        sa.Column("manager_ts", sa.String(length=32), nullable=True),
        sa.Column("submitted_at", UTC(), nullable=True),
        sa.Column("edited_at", UTC(), nullable=True),
        sa.Column("manager_replied_at", UTC(), nullable=True),
        sa.UniqueConstraint("person_id", "period_key", name="uq_checkins_person_period"),
    )
    op.create_index("ix_checkins_closes_at", "checkins", ["closes_at"])
    op.create_table(
        "sends",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("people.id"), nullable=False),
        sa.Column("period_key", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=False),
        sa.Column("claimed_at", UTC(), nullable=False),
        sa.Column("sent_at", UTC(), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="1", nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=True),
        sa.Column("ts", sa.String(length=32), nullable=True),
        sa.Column("error", sa.String(length=200), nullable=True),
        sa.UniqueConstraint("person_id", "period_key", "kind", name="uq_sends_person_period_kind"),
    )
    op.create_table(
        "holidays",
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("name", sa.String(length=200), server_default="", nullable=False),
    )
    op.create_table(
        "scheduler_leases",
        sa.Column("name", sa.String(length=32), primary_key=True),
        sa.Column("holder", sa.String(length=64), nullable=False),
        sa.Column("expires_at", UTC(), nullable=False),
    )
    op.create_table(
        "apscheduler_jobs",
        sa.Column("id", sa.Unicode(191), primary_key=True),
        sa.Column("next_run_time", sa.Float(25), nullable=True),
        sa.Column("job_state", sa.LargeBinary(), nullable=False),
    )
    op.create_index("ix_apscheduler_jobs_next_run_time", "apscheduler_jobs", ["next_run_time"])


def downgrade() -> None:
    for table in ("apscheduler_jobs", "scheduler_leases", "holidays", "sends", "checkins", "team_cadences"):
        op.drop_table(table)
    with op.batch_alter_table("people") as batch:
        batch.drop_column("paused_until")
