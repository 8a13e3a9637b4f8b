"""What several commands share: checks on the people a command names (a name no one has is a usage
error, status 2, like any bad argument), `--wait`, and a fan-out as jobs with the truthful report that ends
it."""

import sys

import click

from bot.cli.progress import shown
from bot.send_report import Pair, Wording, report


def _refuse(message: str) -> None:
    raise click.BadParameter(message, param_hint="'--user'")


def check_people(services, emails: tuple[str, ...], refusal: str) -> None:
    """Each email named must be someone who gets check-ins and reviews: in the org, active, with a manager."""
    from domain.checkins.due import gets_checkins
    from storage import people

    with services.session() as session:
        for email in emails:
            person = people.get_by_email(session, email=email)
            if person is None:
                _refuse(f"{email} is not in the org (checkins org import)")
            if not gets_checkins(person):
                _refuse(f"{email} {refusal}: inactive, or has no manager")


def check_managers(services, emails: tuple[str, ...]) -> None:
    """Each email named must be someone who gets a summary: in the org, active, managing someone active."""
    from storage import people

    with services.session() as session:
        for email in emails:
            person = people.get_by_email(session, email=email)
            if person is None:
                _refuse(f"{email} is not in the org (checkins org import)")
            if not person.active or not people.reports_of(session, manager_id=person.id):
                _refuse(f"{email} gets no summary: inactive, or manages no one")


wait_option = click.option(
    "--wait",
    "wait_seconds",
    type=click.FloatRange(min=0),
    default=0,
    metavar="SECONDS",
    help="Then go on sending for up to this long, until no message is in flight or to be retried (a dead"
    " run's, once its lease runs out; a refused one's, after its back-off), before reporting.",
)


def send_and_report(
    settings, services, units, *, emails: dict[Pair, str], say: Wording, label: str, now, wait_seconds: float
) -> None:
    """The units as jobs, run here and by any worker until each has had its try (with `--wait`, until all
    are settled), then the ledger's and the jobs' account; exit status 1 while anyone's message is not
    settled (in flight elsewhere, or failed)."""
    from bot import send_jobs

    outcome = send_jobs.send(
        services,
        units,
        now=now,
        lease=settings.job_lease,
        say=say,
        wait_seconds=wait_seconds,
        shown=lambda step: shown(f"{label}: {step}" if step else label),
    )
    if not report(outcome, emails=emails, say=say):
        sys.exit(1)
