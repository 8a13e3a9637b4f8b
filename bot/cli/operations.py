"""Running the app and looking after its database and its queue: `serve`, `db`, `jobs`."""

import logging
import signal

import click
import sqlalchemy as sa
from alembic.util import CommandError as AlembicError

from bot.settings import SettingsError, load_database_url, load_settings

log = logging.getLogger("checkins")


@click.command(
    help="Run the app: over Socket Mode when SLACK_APP_TOKEN is set (or with --socket), else over HTTP"
    " (POST /slack/events). Both serve GET /healthz on PORT."
)
@click.option(
    "--socket/--http",
    "socket_mode",
    default=None,
    help="Socket Mode (needs SLACK_APP_TOKEN) or HTTP, whatever the settings say. Default: Socket Mode"
    " when SLACK_APP_TOKEN is set.",
)
@click.option("--port", type=int, default=None, help="HTTP port (default: PORT, else 3000).")
@click.option("--host", default="0.0.0.0", show_default=True, help="HTTP interface to listen on.")
@click.option(
    "--no-scheduler",
    is_flag=True,
    help="Never run the scheduler here (it runs in one instance at a time anyway).",
)
@click.option(
    "--workers",
    type=click.IntRange(0, 64),
    default=2,
    show_default=True,
    help="Worker processes that run the listeners after the ack (0: threads of the serving process).",
)
def serve(socket_mode: bool | None, port: int | None, host: str, no_scheduler: bool, workers: int) -> None:
    from bot.app import build_runtime
    from bot.server import HttpServer
    from bot.socket_mode import SocketModeServer
    from schedules.runner import SchedulerRunner

    settings = load_settings()
    if socket_mode is None:
        socket_mode = settings.slack_app_token is not None
    if socket_mode and not settings.slack_app_token:
        raise SettingsError("SLACK_APP_TOKEN is not set: Socket Mode needs an app-level token (xapp-...)")
    port = port if port is not None else settings.port
    runtime = build_runtime(settings, workers=workers)
    runner = None
    try:
        try:
            server: HttpServer | SocketModeServer = (
                SocketModeServer(runtime, settings.slack_app_token, host=host, port=port)
                if socket_mode
                else HttpServer(runtime, host=host, port=port)
            )
        except OSError as err:
            raise click.ClickException(f"cannot listen on {host}:{port}: {err.strerror}") from None
        signal.signal(signal.SIGTERM, lambda *_: server.stop())
        signal.signal(signal.SIGINT, lambda *_: server.stop())
        if not no_scheduler:
            runner = SchedulerRunner(runtime.services, retention_days=settings.retention_days).start()
        server.serve_forever()
    finally:
        if runner:
            runner.stop()
        runtime.close()
    log.info("checkins stopped")


@click.group(help="Database schema.")
def db() -> None:
    pass


@db.command("upgrade", help="Apply pending migrations.")
def db_upgrade() -> None:
    from storage.db import upgrade

    upgrade(load_database_url())
    click.echo("database is up to date")


@click.command("jobs", help="Work not done yet: queued, running, stuck (past its lease) and failed, by kind.")
@click.option("--failures", "show_failures", is_flag=True, help="Also list the latest failed jobs.")
def jobs_command(show_failures: bool) -> None:
    from storage import jobs
    from storage.db import make_engine, session_scope

    engine = make_engine(load_database_url())
    with session_scope(engine) as session:
        lines = jobs.overview(session)
        failed = jobs.failures(session) if show_failures else []
    engine.dispose()
    if not lines:
        click.echo("no jobs waiting, running or failed")
    for line in lines:
        click.echo(f"{line.state:8} {line.kind:12} {line.count:6}  oldest {_age(line.oldest_seconds)}")
    for job in failed:
        click.echo(f"failed job {job.id} ({job.kind}, {job.key}) after {job.tries} tries: {job.error}")


def _age(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f}s"
    if seconds < 7200:
        return f"{seconds / 60:.0f}m"
    return f"{seconds / 3600:.1f}h"


@db.command(
    "copy",
    help="Copy every table of the database (DATABASE_URL) into a new, empty one, e.g. from SQLite to "
    "PostgreSQL. Stop the app first. The target is migrated if it is not yet; one holding rows is refused.",
)
@click.option("--to", "target", required=True, metavar="URL", help="The database to copy into.")
def db_copy(target: str) -> None:
    from storage.db_copy import CopyError, copy_database

    source = load_database_url()
    # A row PostgreSQL refuses mid-batch leaves psycopg's pipeline aborted, and psycopg warns about it
    # again as it cleans up: the one line below already says what failed.
    logging.getLogger("psycopg").setLevel(logging.ERROR)
    try:
        copied = copy_database(source, target, on_table=lambda c: click.echo(f"{c.table:26} {c.rows:9} rows"))
    except CopyError as err:
        raise click.ClickException(f"{err}; nothing was copied") from None
    except (sa.exc.SQLAlchemyError, AlembicError) as err:
        reason = str(getattr(err, "orig", None) or err).strip().splitlines()[0]
        raise click.ClickException(f"the copy failed, nothing was copied: {reason}") from None
    total = sum(c.rows for c in copied)
    click.echo(f"{len(copied)} tables, {total} rows copied; now point DATABASE_URL at the target")
