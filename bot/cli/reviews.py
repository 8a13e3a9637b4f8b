"""`checkins review`: a quarter's reviews started now."""

import click

from bot.cli.common import check_people, report_fan_out
from bot.settings import load_settings


@click.group("review", help="End-of-cycle reviews (quarterly).")
def review_group() -> None:
    pass


@review_group.command(
    "start",
    help="Invite people to review a quarter now, once per person and quarter (the send ledger). By default "
    "the quarter just ended, where each person is.",
)
@click.option("--cycle", metavar="YYYY-QN", help="The quarter to review, e.g. 2026-Q4.")
@click.option("--user", "emails", multiple=True, metavar="EMAIL", help="Only these people (repeatable).")
def review_start(cycle: str | None, emails: tuple[str, ...]) -> None:
    from bot.app import build_services
    from domain.reviews import flows
    from domain.reviews.cycles import parse_cycle
    from storage.types import utcnow

    now = utcnow()
    if cycle is not None:
        period = parse_cycle(cycle)
        if period is None:
            raise click.BadParameter(f"{cycle!r} is not a quarter: write it as YYYY-QN, e.g. 2026-Q4")
        if period.starts_on > now.date():
            raise click.BadParameter(f"{period.label} has not started yet", param_hint="'--cycle'")
    services = build_services(load_settings(), check_slack=True)
    check_people(services, emails, "has no review")
    report = flows.start(services, now=now, cycle=cycle, emails=list(emails) or None, send_now=True)
    report_fan_out(
        report,
        "review invitation(s) sent",
        "(already invited)",
        "after a transient error, run it again in 5 minutes",
    )
