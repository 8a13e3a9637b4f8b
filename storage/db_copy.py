"""A whole database copied into another, empty one (SQLite to PostgreSQL, or back): `checkins db copy`.

Tables go in dependency order, each read as a stream in batches (memory stays bounded however big a table
is) and written in one transaction on the target, so a failed copy leaves the target as empty as it was.
Ids are kept, and so is each table's high-water mark: ids are never reused, so the target's next id comes
after every id the source ever gave, deleted rows' included (a PostgreSQL sequence, SQLite's
sqlite_sequence). Each table's rows are counted on both sides before the copy is committed.
"""

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine
from sqlmodel import SQLModel

from storage import jobs, models, pace  # noqa: F401  (every table on SQLModel.metadata)
from storage.db import alembic_config, current_revision, make_engine, normalise_url, upgrade

BATCH = 1000

# Every table is copied, all its rows, except these. The rows that must move include:
# - jobs: queued and running ones are work Slack was already acked for, so they must run on the target (a
#   running one is claimed again when its lease runs out); done ones go on dropping Slack's retries of an
#   event for a day; failed ones stay for `checkins jobs --failures`;
# - sends: the ledger is what makes each prompt go once; without it the target would send them all again;
# - processed_events: Slack's retries of events already handled stay dropped.
LEFT = {
    "alembic_version": "the target is migrated to the same head instead",
    "scheduler_leases": "held by a process of the stopped app: the first one on the target takes it afresh",
    "post_pace": "the pace of the moment (the next slot, a hold of seconds); the migration wrote its row",
}
# The rows the migrations write. A target with no more rows than these is empty; the copy replaces them.
SEEDED = {"checkin_templates": 1, "post_pace": 1}


class CopyError(Exception):
    """Why the copy was refused or failed, in one line."""


@dataclass(frozen=True)
class Copied:
    table: str
    rows: int


def head() -> str:
    revision = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert revision is not None
    return revision


def copy_database(
    source_url: str,
    target_url: str,
    *,
    on_table: Callable[[Copied], None] = lambda _: None,
    batch: int = BATCH,
) -> list[Copied]:
    """Copies every table; returns (and tells on_table, as each is done) how many rows each held."""
    if sa.engine.make_url(normalise_url(source_url)) == sa.engine.make_url(normalise_url(target_url)):
        raise CopyError("the target is the current database: give another one")
    wanted = head()
    source = make_engine(source_url, pooled=False)
    target = make_engine(target_url, pooled=False)
    try:
        found = current_revision(source)
        if found != wanted:
            raise CopyError(f"the current database is at {found}, not {wanted}: run `checkins db upgrade`")
        _migrate(target, target_url, wanted)
        tables = _tables(source)
        copied = []
        with _snapshot(source) as src, target.begin() as dst:
            _refuse_rows(dst)
            for table in tables:
                try:
                    copied.append(Copied(table.name, _copy_table(src, dst, table, batch)))
                except sa.exc.DBAPIError as err:  # its first line names no row (parameters are hidden)
                    raise CopyError(f"{table.name}: {str(err.orig).strip().splitlines()[0]}") from err
                on_table(copied[-1])
        return copied
    finally:
        source.dispose()
        target.dispose()


def _migrate(target: Engine, url: str, wanted: str) -> None:
    """An unmigrated target is migrated to the head; one at another revision is refused."""
    found = current_revision(target)
    if found is None:
        ours = set(sa.inspect(target).get_table_names()) & set(SQLModel.metadata.tables)
        if ours:
            raise CopyError(f"the target has checkins tables ({min(ours)}, ...) but no migration version")
        upgrade(url)
    elif found != wanted:
        raise CopyError(f"the target is at revision {found}, not {wanted}: give a new, empty database")


def _tables(source: Engine) -> list[sa.Table]:
    """The schema's tables, parents first. A table the app does not know stops the copy."""
    unknown = set(sa.inspect(source).get_table_names()) - set(SQLModel.metadata.tables) - set(LEFT)
    if unknown:
        raise CopyError(
            f"the current database has tables checkins does not know: {', '.join(sorted(unknown))}"
        )
    return [t for t in SQLModel.metadata.sorted_tables if t.name not in LEFT]


def _snapshot(source: Engine) -> Connection:
    """One read transaction: on PostgreSQL every table is read as of one moment."""
    conn = source.connect()
    if source.dialect.name == "postgresql":
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
    return conn


def _count(conn: Connection, table: sa.Table) -> int:
    return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


def _refuse_rows(dst: Connection) -> None:
    full = [t.name for t in SQLModel.metadata.sorted_tables if _count(dst, t) > SEEDED.get(t.name, 0)]
    if full:
        raise CopyError(f"the target is not empty ({', '.join(full[:4])} hold rows): give a new database")


def _copy_table(src: Connection, dst: Connection, table: sa.Table, batch: int) -> int:
    if table.name in SEEDED:
        dst.execute(table.delete())  # the migration's rows: the source has them, or their later versions
    # A column pointing into its own table (a manager, a parent goal) is set once every row is there.
    own = [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]
    key = list(table.primary_key.columns)
    rows = src.execution_options(yield_per=batch).execute(sa.select(table).order_by(*key))
    for part in rows.partitions():
        dst.execute(table.insert(), [{**row._mapping, **dict.fromkeys(own)} for row in part])
    for name in own:
        column = table.c[name]
        linked = src.execution_options(yield_per=batch).execute(
            sa.select(key[0], column).where(column.is_not(None)).order_by(key[0])
        )
        update = table.update().where(key[0] == sa.bindparam("b_key")).values({name: sa.bindparam("b_value")})
        for part in linked.partitions():
            dst.execute(update, [{"b_key": k, "b_value": v} for k, v in part])
    expected, written = _count(src, table), _count(dst, table)
    if written != expected:
        raise CopyError(f"{table.name}: {written} rows written, {expected} in the current database")
    if table.autoincrement_column is not None:
        _set_high_water(dst, table, _high_water(src, table))
    return written


def _high_water(conn: Connection, table: sa.Table) -> int:
    """The highest id the table ever gave: its largest id, or more if the newest rows were deleted."""
    column = table.autoincrement_column
    assert column is not None
    largest = conn.execute(sa.select(sa.func.max(column))).scalar() or 0
    if conn.dialect.name == "sqlite":
        given = conn.execute(
            sa.text("SELECT seq FROM sqlite_sequence WHERE name = :t"), {"t": table.name}
        ).scalar()
    else:
        given = conn.execute(
            sa.text("SELECT pg_sequence_last_value(CAST(pg_get_serial_sequence(:t, :c) AS regclass))"),
            {"t": table.name, "c": column.name},
        ).scalar()
    return max(largest, given or 0)


def _set_high_water(conn: Connection, table: sa.Table, value: int) -> None:
    column = table.autoincrement_column
    assert column is not None
    if conn.dialect.name == "postgresql":
        conn.execute(
            sa.text("SELECT setval(CAST(pg_get_serial_sequence(:t, :c) AS regclass), :v, :called)"),
            {"t": table.name, "c": column.name, "v": max(value, 1), "called": value > 0},
        )
        return
    autoincrement = conn.execute(
        sa.text("SELECT sql LIKE '%AUTOINCREMENT%' FROM sqlite_master WHERE type = 'table' AND name = :t"),
        {"t": table.name},
    ).scalar()
    if not autoincrement or value == 0:
        return  # SQLite gives such a table's next row the largest id plus one
    params = {"t": table.name, "v": value}
    if conn.execute(sa.text("UPDATE sqlite_sequence SET seq = :v WHERE name = :t"), params).rowcount == 0:
        conn.execute(sa.text("INSERT INTO sqlite_sequence (name, seq) VALUES (:t, :v)"), params)
