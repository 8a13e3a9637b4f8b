"""Fixtures: every database test runs on SQLite and on PostgreSQL; end-to-end tests run the real app
against the sandbox over both of Slack's transports, HTTP and Socket Mode.

A test that only makes sense on one transport says so in its name (`..._over_http`, `..._over_socket_mode`)
and runs on that one. CHECKINS_TEST_TRANSPORTS=http (or socket) narrows a local run to one transport.

PostgreSQL is meant to run when CI is set or CHECKINS_TEST_POSTGRES=1; then an unreachable server fails the
run. CHECKINS_TEST_POSTGRES=0 turns it off; unset, it runs when a server answers. The run creates a database
of its own on that server and drops it at the end.
"""

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from bot.app import Runtime, build_runtime
from bot.settings import Settings
from storage.db import make_engine, upgrade

PG_SERVER_URL = os.environ.get(
    "CHECKINS_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
SIGNING_SECRET = "sandbox-signing-secret"
BOT_TOKEN = "xoxb-sandbox-token"
TRANSPORTS = ("http", "socket")


def _postgres_wanted() -> str:
    flag = os.environ.get("CHECKINS_TEST_POSTGRES", "").strip().lower()
    if flag in ("0", "no", "false", "off"):
        return "off"
    if flag in ("1", "yes", "true", "on", "required") or os.environ.get("CI"):
        return "required"
    return "auto"


def _postgres_reachable() -> str | None:
    engine = sa.create_engine(PG_SERVER_URL, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        return None
    except sa.exc.OperationalError as err:
        return str(err.orig).strip().splitlines()[0]
    finally:
        engine.dispose()


def pytest_configure(config: pytest.Config) -> None:
    wanted = _postgres_wanted()
    backends = ["sqlite"]
    if wanted != "off":
        problem = _postgres_reachable()
        if problem is None:
            backends.append("postgresql")
        elif wanted == "required":
            pytest.exit(
                f"PostgreSQL was required but is unreachable at {PG_SERVER_URL}: {problem}", returncode=3
            )
        else:
            config.issue_config_time_warning(
                pytest.PytestConfigWarning(
                    f"PostgreSQL not reachable ({problem}); database tests run on SQLite only"
                ),
                stacklevel=2,
            )
    config.checkins_backends = backends  # type: ignore[attr-defined]


def pytest_report_header(config: pytest.Config) -> str:
    return f"checkins database backends: {', '.join(config.checkins_backends)}"  # type: ignore[attr-defined]


def _transports(test_name: str) -> list[str]:
    if "over_http" in test_name:
        return ["http"]
    if "over_socket_mode" in test_name:
        return ["socket"]
    wanted = os.environ.get("CHECKINS_TEST_TRANSPORTS", "").replace(",", " ").split()
    return [t for t in TRANSPORTS if not wanted or t in wanted]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        metafunc.parametrize("backend", metafunc.config.checkins_backends, scope="session")  # type: ignore[attr-defined]
    if "transport" in metafunc.fixturenames:
        metafunc.parametrize("transport", _transports(metafunc.function.__name__))


@pytest.fixture(scope="session")
def migrated_template(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Migrated once per run: a SQLite file to copy, or a PostgreSQL database of this run's own."""
    if backend == "sqlite":
        path = tmp_path_factory.mktemp("sqlite") / "template.db"
        upgrade(f"sqlite:///{path}")
        yield str(path)
        return
    name = f"checkins_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(PG_SERVER_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_SERVER_URL).set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def database_url(backend: str, migrated_template: str, tmp_path: Path) -> str:
    """A migrated, empty database for one test."""
    if backend == "sqlite":
        path = tmp_path / "checkins.db"
        shutil.copyfile(migrated_template, path)
        return f"sqlite:///{path}"
    engine = make_engine(migrated_template, pooled=False)
    with engine.begin() as conn:
        tables = [t for t in sa.inspect(conn).get_table_names() if t != "alembic_version"]
        if tables:
            conn.execute(sa.text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    engine.dispose()
    return migrated_template


@pytest.fixture
def engine(database_url: str) -> Iterator[sa.engine.Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sandbox() -> Iterator["Sandbox"]:  # noqa: F821
    from sandbox import Sandbox

    sb = Sandbox(signing_secret=SIGNING_SECRET, bot_token=BOT_TOKEN)
    sb.start()
    yield sb
    sb.stop()


@pytest.fixture
def settings(sandbox, database_url: str) -> Settings:
    return Settings(
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=sandbox.api_url,
        database_url=database_url,
        port=0,
    )


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Runtime]:
    runtime = build_runtime(settings, migrate=False)
    yield runtime
    runtime.close()


@pytest.fixture
def app_server(runtime: Runtime, sandbox, transport: str):
    """The real app, reached as Slack reaches it: on a real port over HTTP, or over a Socket Mode connection
    it opens to the sandbox (with /healthz on a real port)."""
    from bot.server import HttpServer
    from bot.socket_mode import SocketModeServer

    if transport == "http":
        server = HttpServer(runtime, host="127.0.0.1", port=0, threads=8).start()
        sandbox.set_app_url(f"{server.url}/slack/events")
    else:
        sandbox.use_socket_mode()
        server = SocketModeServer(runtime, sandbox.app_token, host="127.0.0.1", port=0).start()
        sandbox.wait_for_socket_connections(count=1, timeout=10)
    yield server
    server.close()


@pytest.fixture
def world(sandbox, runtime: Runtime, app_server):
    """The team of tests/support.TEAM in Slack and in the app, which is serving over the test's transport.
    A test module that needs more (another team, a join date) overrides this fixture and asks for it."""
    from types import SimpleNamespace

    from tests.support import seed_team

    ids = seed_team(sandbox, runtime.services)
    return SimpleNamespace(sb=sandbox, services=runtime.services, ids=ids, settings=runtime.settings)
