"""One pace for the workspace: the bulk posts' next slot and a 429's hold, shared by every replica.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    table = op.create_table(
        "post_pace",
        sa.Column("name", sa.String(length=32), primary_key=True),
        sa.Column("next_slot", sa.Double(), nullable=False),
        sa.Column("held_until", sa.Double(), nullable=False),
    )
    op.bulk_insert(table, [{"name": "workspace", "next_slot": 0.0, "held_until": 0.0}])


def downgrade() -> None:
    op.drop_table("post_pace")
