"""Erasure: feedback and requests keep no reference to an erased giver or requester.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("feedback") as batch:
        batch.alter_column("giver_id", existing_type=sa.Integer(), nullable=True)
    with op.batch_alter_table("feedback_requests") as batch:
        batch.alter_column("requester_id", existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    # Rows whose giver or requester was erased cannot be given one back: they go.
    op.execute(
        "UPDATE feedback SET request_id = NULL WHERE request_id IN "
        "(SELECT id FROM feedback_requests WHERE requester_id IS NULL)"
    )
    op.execute("DELETE FROM feedback_requests WHERE requester_id IS NULL")
    op.execute("DELETE FROM feedback WHERE giver_id IS NULL")
    with op.batch_alter_table("feedback_requests") as batch:
        batch.alter_column("requester_id", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("feedback") as batch:
        batch.alter_column("giver_id", existing_type=sa.Integer(), nullable=False)
