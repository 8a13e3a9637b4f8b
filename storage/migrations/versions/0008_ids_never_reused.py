"""Row ids are never reused on SQLite: tables keyed by an integer id become AUTOINCREMENT.

Without it SQLite hands the id of a deleted newest row to the next insert, so a stale reference (a
review's author, a button's value) would point at someone else. PostgreSQL sequences never go back,
so there is nothing to do there. The tables are rebuilt with their data; env.py turns SQLite's foreign
key enforcement off around the rebuild and checks every key afterwards.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Every table as of 0007 whose key is an integer id; later tables are created AUTOINCREMENT.
TABLES = (
    "people",
    "file_entries",
    "checkins",
    "sends",
    "feedback",
    "feedback_requests",
    "goals",
    "key_results",
    "goal_proposals",
    "reviews",
)


def _rebuild(autoincrement: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in TABLES:
        with op.batch_alter_table(
            table, recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}
        ):
            pass


def upgrade() -> None:
    _rebuild(autoincrement=True)


def downgrade() -> None:
    _rebuild(autoincrement=False)
