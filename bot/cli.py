"""The `checkins` command line."""

import logging
import signal
import sys
import urllib.error
from pathlib import Path

import click
import sqlalchemy as sa
from slack_bolt.error import BoltError

from bot.settings import Settings, SettingsError, load_settings
from domain import org
from domain.gateway import SlackError

log = logging.getLogger("checkins")


def _settings() -> Settings:
    return load_settings()


@click.group(help="checkins: weekly check-ins, goals, feedback and performance files in Slack.")
@click.option("-v", "--verbose", is_flag=True, help="Log debug details.")
def cli(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if not verbose:
        logging.getLogger("alembic").setLevel(logging.WARNING)


@cli.command(
    help="Run the app: HTTP (POST /slack/events, GET /healthz), or Socket Mode with SLACK_APP_TOKEN."
)
@click.option(
    "--socket", "socket_mode", is_flag=True, help="Socket Mode even without SLACK_APP_TOKEN in .env."
)
@click.option("--port", type=int, default=None, help="HTTP port (default: PORT, else 3000).")
@click.option("--host", default="0.0.0.0", show_default=True, help="HTTP interface to listen on.")
def serve(socket_mode: bool, port: int | None, host: str) -> None:
    from bot.app import build_runtime
    from bot.server import HttpServer, serve_socket_mode

    settings = _settings()
    if socket_mode and not settings.slack_app_token:
        raise SettingsError("SLACK_APP_TOKEN is not set: Socket Mode needs an app-level token (xapp-...)")
    runtime = build_runtime(settings)
    if settings.slack_app_token:
        serve_socket_mode(runtime, settings.slack_app_token)
        return
    server = HttpServer(runtime, host=host, port=port if port is not None else settings.port)
    signal.signal(signal.SIGTERM, lambda *_: server.stop())
    signal.signal(signal.SIGINT, lambda *_: server.stop())
    try:
        server.serve_forever()
    finally:
        runtime.close()
    log.info("checkins stopped")


@cli.group(help="Database schema.")
def db() -> None:
    pass


@db.command("upgrade", help="Apply pending migrations.")
def db_upgrade() -> None:
    from storage.db import upgrade

    settings = _settings()
    upgrade(settings.database_url)
    click.echo("database is up to date")


@cli.group("org", help="People, managers and teams.")
def org_group() -> None:
    pass


@org_group.command(
    "import", help="Import or update the org from a CSV: email,manager_email,team,role,timezone."
)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def org_import(file: Path) -> None:
    from bot.app import build_services

    services = build_services(_settings())
    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as err:
        raise click.ClickException(f"{file} is not UTF-8 text") from err
    with services.session() as session:
        report = org.import_csv(session, services.gateway, text)
        if not report.ok:
            session.rollback()
    if not report.ok:
        for error in report.errors:
            click.echo(f"{file}: {error}", err=True)
        raise click.ClickException(f"{len(report.errors)} problem(s); nothing was imported")
    click.echo(
        f"imported {file}: {report.created} added, {report.updated} updated, {report.unchanged} unchanged"
    )


@org_group.command("sync", help="Refresh names, time zones and deactivations from Slack (users.list).")
def org_sync() -> None:
    from bot.app import build_services

    services = build_services(_settings())
    with services.session() as session:
        report = org.sync(session, services.gateway)
    click.echo(
        f"synced: {report.updated} updated, {report.deactivated} deactivated, "
        f"{report.reactivated} reactivated, {report.not_in_slack} not found in Slack"
    )


def main(argv: list[str] | None = None) -> None:
    """Known failures end in one line and a status, never a traceback."""
    try:
        cli.main(args=argv, prog_name="checkins", standalone_mode=True)
    except SettingsError as err:
        click.echo(f"checkins: {err}", err=True)
        sys.exit(2)
    except SlackError as err:
        click.echo(f"checkins: {err}", err=True)
        sys.exit(1)
    except BoltError as err:
        click.echo(f"checkins: Slack did not accept the app's credentials: {err}", err=True)
        sys.exit(1)
    except urllib.error.URLError as err:
        click.echo(f"checkins: cannot reach Slack at SLACK_API_URL: {err.reason}", err=True)
        sys.exit(1)
    except sa.exc.OperationalError as err:
        click.echo(f"checkins: cannot use the database: {err.orig}", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
