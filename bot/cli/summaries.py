"""`checkins summary`: managers' summaries now."""

import click

from bot.cli.common import check_managers, send_and_report, wait_option
from bot.settings import load_settings


@click.group("summary", help="Cycle summaries for managers (and per team, for HR).")
def summary_group() -> None:
    pass


@summary_group.command(
    "send", help="Send each manager the summary of their team's latest check-in period now, once per period."
)
@click.option("--user", "emails", multiple=True, metavar="EMAIL", help="Only these managers (repeatable).")
@wait_option
def summary_send(emails: tuple[str, ...], wait_seconds: float) -> None:
    """Exit status 1 while anyone's summary is not settled: in flight elsewhere, or failed."""
    from bot.app import build_services
    from bot.send_report import SUMMARIES
    from domain.summaries import flows
    from schedules import per_person
    from storage.types import utcnow

    settings = load_settings()
    services = build_services(settings, check_slack=True)
    check_managers(services, emails)
    now = utcnow()
    with services.session() as session:
        todo = flows.due_now(session, now=now, emails=emails)
    send_and_report(
        settings,
        services,
        [per_person.of_summary(*row) for row in todo],
        emails={(manager.id, key): manager.email for manager, _, key in todo},
        say=SUMMARIES,
        label="summary send",
        now=now,
        wait_seconds=wait_seconds,
    )
