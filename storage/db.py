"""Engines, sessions and migrations."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine
from sqlmodel import Session

from storage.sqlite_gate import GatedConnection

MIGRATIONS = Path(__file__).with_name("migrations")


def normalise_url(url: str) -> str:
    """Accept the usual postgres:// spellings and route them to psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str, *, pooled: bool = True, ping: bool = True) -> Engine:
    """`ping=False`: a pooled PostgreSQL connection is used without first checking that it is alive (a round
    trip each time): its caller tries again when it was not (the hand-off, bot/work.py; a worker's jobs)."""
    url = normalise_url(url)
    pool_args: dict = {} if pooled else {"poolclass": sa.pool.NullPool}
    # A database error's text would carry the statement's parameters (emails, what people wrote) into logs.
    pool_args["hide_parameters"] = True
    if url.startswith("sqlite"):
        connect_args = {"check_same_thread": False, "timeout": 30, "factory": GatedConnection}
        engine = sa.create_engine(url, connect_args=connect_args, **pool_args)
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if pooled:
        pool_args.update({"pool_pre_ping": ping, "pool_size": 10, "max_overflow": 20})
    return sa.create_engine(url, **pool_args)


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A unit of work: commits on success, rolls back on error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def ping(engine: Engine) -> bool:
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        return True
    except sa.exc.SQLAlchemyError:
        return False
