"""Check-in templates: versioned questions, a team's choice, and the version each check-in asks; a team's
digest channel and its message of each period.
Existing check-ins become answers to the weekly template's first version (today's five questions).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The weekly template as it stood when check-ins had fixed questions, frozen here: what old answers answered.
MOODS = [
    ["1", "1 · struggling"],
    ["2", "2 · rough week"],
    ["3", "3 · okay"],
    ["4", "4 · good"],
    ["5", "5 · great"],
]
WEEKLY_V1 = [
    {"id": "mood", "label": "How are you feeling about work?", "hint": "Pick one", "kind": "scale",
     "required": True, "options": MOODS, "stands_out": False},
    {"id": "progress", "label": "What did you make progress on?", "kind": "long", "required": True,
     "hint": "Goals moved, work shipped, things learned", "options": [], "stands_out": False},
    {"id": "wins", "label": "Wins worth celebrating", "hint": "Big or small", "kind": "long",
     "required": False, "options": [], "stands_out": False},
    {"id": "blockers", "label": "Anything blocking you?", "hint": "What stands in your way", "kind": "long",
     "required": False, "options": [], "stands_out": True},
    {"id": "help", "label": "Where could you use help?", "hint": "From your manager or the team",
     "kind": "long", "required": False, "options": [], "stands_out": True},
]  # fmt: skip


def upgrade() -> None:
    templates = op.create_table(
        "checkin_templates",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("questions", storage.types.JSONData, nullable=False),
        sa.Column("archived", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(), nullable=False),
        sa.UniqueConstraint("slug", "version", name="uq_checkin_templates_slug_version"),
        sqlite_autoincrement=True,  # ids are never reused (migration 0008)
    )
    op.create_table(
        "team_templates",
        sa.Column("team", sa.String(length=100), primary_key=True),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("extra", storage.types.JSONData, nullable=False),
        sa.Column("updated_at", storage.types.UTCDateTime(), nullable=False),
    )
    op.create_table(
        "team_channels",
        sa.Column("team", sa.String(length=100), primary_key=True),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("updated_at", storage.types.UTCDateTime(), nullable=False),
    )
    op.create_table(
        "team_digests",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team", sa.String(length=100), nullable=False),
        sa.Column("period_key", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("ts", sa.String(length=32), nullable=True),
        sa.UniqueConstraint("team", "period_key", name="uq_team_digests_team_period"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "anonymous_answers",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team", sa.String(length=100), nullable=False),
        sa.Column("period_key", sa.String(length=16), nullable=False),
        sa.Column("template_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(length=100), nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_anonymous_answers_team_period", "anonymous_answers", ["team", "period_key"])
    op.bulk_insert(
        templates,
        [
            {
                "slug": "weekly",
                "version": 1,
                "name": "Weekly check-in",
                "questions": WEEKLY_V1,
                "archived": False,
                "created_at": datetime.now(UTC),
            }
        ],
    )
    # No foreign key: versions are never deleted, and erasure classifies every foreign key.
    op.add_column("checkins", sa.Column("template_id", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE checkins SET template_id = "
        "(SELECT id FROM checkin_templates WHERE slug = 'weekly' AND version = 1)"
    )


def downgrade() -> None:
    with op.batch_alter_table("checkins", table_kwargs={"sqlite_autoincrement": True}) as batch:
        batch.drop_column("template_id")
    op.drop_index("ix_anonymous_answers_team_period", table_name="anonymous_answers")
    op.drop_table("anonymous_answers")
    op.drop_table("team_digests")
    op.drop_table("team_channels")
    op.drop_table("team_templates")
    op.drop_table("checkin_templates")
