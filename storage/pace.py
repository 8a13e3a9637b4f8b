"""The workspace's pace for bulk posts, kept in the database so every process and replica shares it.

One row holds the next free slot and how long a 429 holds every sender, as seconds since the epoch on the
database's clock (PostgreSQL's `clock_timestamp()`, or this machine's for a SQLite file). Taking a slot is
one UPDATE ... RETURNING: the row's lock (PostgreSQL) or SQLite's one writer makes it atomic, and slots come
one interval apart, so posts are spread evenly rather than in bursts.
"""

import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

PACE = "workspace"

pace_table = sa.Table(
    "post_pace",
    SQLModel.metadata,  # with the models, so tests/test_storage compares it with the migrations
    sa.Column("name", sa.String(32), primary_key=True),
    sa.Column("next_slot", sa.Double(), nullable=False),
    sa.Column("held_until", sa.Double(), nullable=False),
)


def _now(conn: Connection) -> sa.ColumnElement[Any]:
    if conn.dialect.name == "postgresql":
        return sa.func.extract("epoch", sa.func.clock_timestamp())
    return sa.literal(time.time(), sa.Double())


def _greatest(conn: Connection, *values: Any) -> sa.ColumnElement[Any]:
    return (sa.func.greatest if conn.dialect.name == "postgresql" else sa.func.max)(*values)


def _ensure(conn: Connection) -> None:
    """The migration adds the row; a table emptied (by hand, by a test's clean-up) gets it back."""
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    conn.execute(insert(pace_table).values(name=PACE, next_slot=0.0, held_until=0.0).on_conflict_do_nothing())


def take_slot(conn: Connection, *, interval: float) -> float:
    """Reserves the next slot; returns how many seconds from now it is (0 or more)."""
    t = pace_table.c
    now = _now(conn)
    slot = _greatest(conn, t.next_slot, t.held_until, now)
    row = conn.execute(
        sa.update(pace_table)
        .where(t.name == PACE)
        .values(next_slot=slot + interval)
        .returning(t.next_slot - interval - now)
    ).first()
    if row is None:
        _ensure(conn)
        return take_slot(conn, interval=interval)
    return max(0.0, float(row[0]))


def held_for(conn: Connection) -> float:
    """Seconds a 429 still holds every sender (0 when none does)."""
    t = pace_table.c
    row = conn.execute(sa.select(t.held_until - _now(conn)).where(t.name == PACE)).first()
    return max(0.0, float(row[0])) if row else 0.0


def hold(conn: Connection, *, seconds: float) -> None:
    """Slack said 429: nobody posts in bulk until Retry-After has passed, and then one interval at a time."""
    t = pace_table.c
    until = _now(conn) + seconds
    conn.execute(
        sa.update(pace_table)
        .where(t.name == PACE)
        .values(
            held_until=_greatest(conn, t.held_until, until), next_slot=_greatest(conn, t.next_slot, until)
        )
    )
