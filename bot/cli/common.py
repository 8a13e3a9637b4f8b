"""What several commands share: checks on the people a command names (a name no one has is a usage
error, status 2, like any bad argument), `--wait`, and the truthful report that ends a fan-out."""

import sys

import click

from bot.send_report import Pair, Wording, report, wait_until_settled


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
    help="Then wait up to this long for messages in flight or to be retried to settle, before reporting.",
)


def settle_and_report(
    services, *, kind: str, emails: dict[Pair, str], sent: int, errors, say: Wording, wait_seconds: float
) -> None:
    """`--wait`, then the send ledger's account; exit status 1 while anyone's message is not settled
    (in flight elsewhere, or failed)."""
    wait_until_settled(services, kind=kind, pairs=emails, seconds=wait_seconds)
    if not report(services, kind=kind, emails=emails, sent=sent, errors=errors, say=say):
        sys.exit(1)
