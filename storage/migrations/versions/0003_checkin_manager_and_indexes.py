"""Check-ins remember which manager they went to; indexes for thread lookups and the ledger scan.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("checkins") as batch:
        batch.add_column(sa.Column("manager_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_checkins_manager_id_people", "people", ["manager_id"], ["id"])
    op.create_index("ix_checkins_prompt", "checkins", ["prompt_channel", "prompt_ts"])
    op.create_index("ix_checkins_manager_thread", "checkins", ["manager_channel", "manager_ts"])
    op.create_index("ix_sends_kind_period_state", "sends", ["kind", "period_key", "state"])


def downgrade() -> None:
    op.drop_index("ix_sends_kind_period_state", table_name="sends")
    op.drop_index("ix_checkins_manager_thread", table_name="checkins")
    op.drop_index("ix_checkins_prompt", table_name="checkins")
    with op.batch_alter_table("checkins") as batch:
        batch.drop_constraint("fk_checkins_manager_id_people", type_="foreignkey")
        batch.drop_column("manager_id")
