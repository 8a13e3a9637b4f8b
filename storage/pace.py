"""The workspace's pace for bulk posts, kept in the database so every process and replica shares it.

One row holds the next free slot and how long a 429 holds every sender, as seconds since the epoch on the
database's clock (PostgreSQL's `clock_timestamp()`, or this machine's for a SQLite file). Taking a slot is
one UPDATE ... RETURNING: the row's lock (PostgreSQL) or SQLite's one writer makes it atomic, and slots come
one interval apart, so posts are spread evenly rather than in bursts.
"""

import functools
import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

PACE = "workspace"
_LOCAL_ASYNC_COMMIT = sa.text("SET LOCAL synchronous_commit = off")

pace_table = sa.Table(
    "post_pace",
    SQLModel.metadata,  # with the models, so tests/test_storage compares it with the migrations
    sa.Column("name", sa.String(32), primary_key=True),
    sa.Column("next_slot", sa.Double(), nullable=False),
    sa.Column("held_until", sa.Double(), nullable=False),
)


@functools.cache
def _statements(postgres: bool) -> tuple[Any, Any, Any]:
    """The three statements, built once per dialect (building one costs more CPU than running it). The
    interval, the hold and, on SQLite, the time are parameters."""
    t = pace_table.c
    if postgres:
        now: sa.ColumnElement[Any] = sa.func.extract("epoch", sa.func.clock_timestamp())
        greatest: Any = sa.func.greatest
    else:
        now, greatest = sa.bindparam("now", type_=sa.Double()), sa.func.max
    interval = sa.bindparam("interval", type_=sa.Double())
    until = now + sa.bindparam("seconds", type_=sa.Double())
    take = (
        sa.update(pace_table)
        .where(t.name == PACE)
        .values(next_slot=greatest(t.next_slot, t.held_until, now) + interval)
        .returning(t.next_slot - interval - now)
    )
    held = sa.select(t.held_until - now).where(t.name == PACE)
    hold = (
        sa.update(pace_table)
        .where(t.name == PACE)
        .values(held_until=greatest(t.held_until, until), next_slot=greatest(t.next_slot, until))
    )
    return take, held, hold


def _run(conn: Connection, which: int, **params: float) -> Any:
    postgres = conn.dialect.name == "postgresql"
    if not postgres:
        params["now"] = time.time()
    return conn.execute(_statements(postgres)[which], params)


def _ensure(conn: Connection) -> None:
    """The migration adds the row; a table emptied (by hand, by a test's clean-up) gets it back."""
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    conn.execute(insert(pace_table).values(name=PACE, next_slot=0.0, held_until=0.0).on_conflict_do_nothing())


def take_slot(conn: Connection, *, interval: float, count: int = 1) -> float:
    """Reserves the next `count` slots, `interval` apart; returns how many seconds from now the first is
    (0 or more). On PostgreSQL the commit does not wait for the disk: a pace lost in a crash only lets the
    next post go at once, as after any pause."""
    if conn.dialect.name == "postgresql":
        conn.execute(_LOCAL_ASYNC_COMMIT)
    row = _run(conn, 0, interval=interval * count).first()  # one span of `count` slots
    if row is None:
        _ensure(conn)
        return take_slot(conn, interval=interval, count=count)
    return max(0.0, float(row[0]))


def held_for(conn: Connection) -> float:
    """Seconds a 429 still holds every sender (0 when none does)."""
    row = _run(conn, 1).first()
    return max(0.0, float(row[0])) if row else 0.0


def hold(conn: Connection, *, seconds: float) -> None:
    """Slack said 429: nobody posts in bulk until Retry-After has passed, and then one interval at a time."""
    _run(conn, 2, seconds=seconds)
