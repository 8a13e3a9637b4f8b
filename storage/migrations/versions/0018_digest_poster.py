"""A team's digest of a period names whose ledger row posts its message, so that a later answer's process
posts it if the first one died before claiming that row.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:  # ids never reused on SQLite (0008): the recreated table stays AUTOINCREMENT
    with op.batch_alter_table("team_digests", table_kwargs={"sqlite_autoincrement": True}) as batch:
        batch.add_column(sa.Column("poster_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_team_digests_poster_id_people", "people", ["poster_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("team_digests", table_kwargs={"sqlite_autoincrement": True}) as batch:
        batch.drop_constraint("fk_team_digests_poster_id_people", type_="foreignkey")
        batch.drop_column("poster_id")
