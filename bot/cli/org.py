"""`checkins org`: the org from a CSV, and kept in step with Slack."""

from pathlib import Path

import click

from bot.settings import load_settings
from domain.org import service as org


@click.group("org", help="People, managers and teams.")
def org_group() -> None:
    pass


@org_group.command(
    "import", help="Import or update the org from a CSV: email,manager_email,team,role,timezone."
)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def org_import(file: Path) -> None:
    from bot.app import build_services

    services = build_services(load_settings(), check_slack=True)
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

    services = build_services(load_settings(), check_slack=True)
    with services.session() as session:
        report = org.sync(session, services.gateway)
    click.echo(
        f"synced: {report.updated} updated, {report.deactivated} deactivated, "
        f"{report.reactivated} reactivated, {report.not_in_slack} not found in Slack"
    )
