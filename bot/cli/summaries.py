"""`checkins summary`: managers' summaries now."""

import click

from bot.cli.common import check_managers
from bot.settings import load_settings


@click.group("summary", help="Cycle summaries for managers (and per team, for HR).")
def summary_group() -> None:
    pass


@summary_group.command(
    "send", help="Send each manager the summary of their team's latest check-in period now, once per period."
)
@click.option("--user", "emails", multiple=True, metavar="EMAIL", help="Only these managers (repeatable).")
def summary_send(emails: tuple[str, ...]) -> None:
    from bot.app import build_services
    from domain.summaries import flows
    from storage.types import utcnow

    services = build_services(load_settings(), check_slack=True)
    check_managers(services, emails)
    report = flows.send_now(services, now=utcnow(), emails=emails)
    click.echo(f"{report.sent} summary(ies) sent")
    if report.failed:
        raise click.ClickException(f"{report.failed} could not be sent (see the log)")
