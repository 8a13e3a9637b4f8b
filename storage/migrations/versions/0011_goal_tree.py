"""Goals in time and space: key results get a baseline; a goal keeps its progress (so a parent can roll up
its children's in the same transaction), says whether it rolls up, and whether its status was set by hand.

Columns only, added in place: SQLite's ALTER TABLE ADD COLUMN keeps the tables AUTOINCREMENT (0008).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("key_results", sa.Column("baseline", sa.Float(), server_default="0", nullable=False))
    op.add_column("goals", sa.Column("progress", sa.Float(), server_default="0", nullable=False))
    op.add_column("goals", sa.Column("rollup", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column(
        "goals", sa.Column("status_by_hand", sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    op.create_index("ix_goals_parent_id", "goals", ["parent_id"])


def downgrade() -> None:
    op.drop_index("ix_goals_parent_id", table_name="goals")
    with op.batch_alter_table("goals", table_kwargs={"sqlite_autoincrement": True}) as batch:
        batch.drop_column("status_by_hand")
        batch.drop_column("rollup")
        batch.drop_column("progress")
    with op.batch_alter_table("key_results", table_kwargs={"sqlite_autoincrement": True}) as batch:
        batch.drop_column("baseline")
