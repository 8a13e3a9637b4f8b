"""`checkins review`: a quarter's reviews started now."""

import click

from bot.cli.common import check_people, send_and_report, wait_option
from bot.settings import load_settings


@click.group("review", help="End-of-cycle reviews (quarterly).")
def review_group() -> None:
    pass


@review_group.command(
    "start",
    help="Invite people to review a quarter now, once per person and quarter (the send ledger): by default "
    "the quarter that ended last where each person is. Only people in the org before it ended are invited.",
)
@click.option("--cycle", metavar="YYYY-QN", help="The quarter to review, once it has ended, e.g. 2026-Q3.")
@click.option("--user", "emails", multiple=True, metavar="EMAIL", help="Only these people (repeatable).")
@click.option(
    "--early",
    is_flag=True,
    help="With --cycle: start the reviews of the current quarter before it ends (in its last weeks).",
)
@wait_option
def review_start(cycle: str | None, emails: tuple[str, ...], early: bool, wait_seconds: float) -> None:
    """Exit status 1 while anyone's invitation is not settled: in flight elsewhere, or failed."""
    from bot.app import build_services
    from bot.send_report import INVITATIONS
    from domain.reviews.cycles import ledger_key, parse_cycle
    from domain.reviews.service import due_invitations
    from schedules import per_person
    from storage.types import utcnow

    now = utcnow()
    if early and cycle is None:
        raise click.UsageError("--early starts the reviews of the quarter named by --cycle")
    if cycle is not None:
        period = parse_cycle(cycle)
        if period is None:
            raise click.BadParameter(f"{cycle!r} is not a quarter: write it as YYYY-QN, e.g. 2026-Q3")
        if period.starts_on > now.date():
            raise click.BadParameter(f"{period.label} has not started yet", param_hint="'--cycle'")
        if period.ends_on >= now.date() and not early:
            raise click.BadParameter(
                f"{period.label} is not over yet (its last day is {period.ends_on:%Y-%m-%d}): a quarter is "
                "reviewed once it has ended (--early starts its reviews now anyway)",
                param_hint="'--cycle'",
            )
    settings = load_settings()
    services = build_services(settings, check_slack=True)
    check_people(services, emails, "has no review")
    with services.session() as session:
        due = due_invitations(session, now=now, cycle=cycle, emails=list(emails) or None, send_now=True)
    send_and_report(
        settings,
        services,
        [per_person.of_invitation(i) for i in due],
        emails={(i.person.id, ledger_key(i.cycle)): i.person.email for i in due},
        say=INVITATIONS,
        label="review start",
        now=now,
        wait_seconds=wait_seconds,
    )
