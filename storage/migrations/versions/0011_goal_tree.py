"""Goals in time and space: key results get a baseline; a goal keeps its progress (so a parent can roll up
its children's in the same transaction), says whether it rolls up, and whether its status was set by hand.

Columns added in place: SQLite's ALTER TABLE ADD COLUMN keeps the tables AUTOINCREMENT (0008). The kept
progress of existing goals is filled in as domain/goals/progress.py computes it (a copy: a migration stays as
written when the code moves on), so a parent rolling up counts its children from the start.

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0009"
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
    _fill_progress()


def _share(current: float, start: float, target: float) -> float:
    return 0.0 if target == start else min(1.0, max(0.0, (current - start) / (target - start)))


def _fill_progress() -> None:
    bind = op.get_bind()
    krs: dict[int, list[float]] = {}
    for goal_id, current, target in bind.execute(sa.text("SELECT goal_id, current, target FROM key_results")):
        krs.setdefault(goal_id, []).append(_share(current, 0.0, target))
    goals = bind.execute(sa.text("SELECT id, kind, status, baseline, target, current FROM goals")).all()
    for goal_id, kind, status, baseline, target, current in goals:
        if status == "done":
            progress = 1.0
        elif krs.get(goal_id):
            progress = sum(krs[goal_id]) / len(krs[goal_id])
        elif kind == "result" and target is not None:
            progress = _share(current if current is not None else (baseline or 0.0), baseline or 0.0, target)
        else:
            progress = _share(current or 0.0, 0.0, 100.0)
        if progress:
            bind.execute(
                sa.text("UPDATE goals SET progress = :p WHERE id = :id"), {"p": progress, "id": goal_id}
            )


def downgrade() -> None:
    op.drop_index("ix_goals_parent_id", table_name="goals")
    with op.batch_alter_table("goals", table_kwargs={"sqlite_autoincrement": True}) as batch:
        batch.drop_column("status_by_hand")
        batch.drop_column("rollup")
        batch.drop_column("progress")
    with op.batch_alter_table("key_results", table_kwargs={"sqlite_autoincrement": True}) as batch:
        batch.drop_column("baseline")
