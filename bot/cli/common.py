"""What several commands share: checks on the people a command names, and a fan-out's report."""

import click


def check_people(services, emails: tuple[str, ...], refusal: str) -> None:
    """Each email named must be someone who gets check-ins and reviews: in the org, active, with a manager."""
    from domain.checkins.due import gets_checkins
    from storage import people

    with services.session() as session:
        for email in emails:
            person = people.get_by_email(session, email=email)
            if person is None:
                raise click.ClickException(f"{email} is not in the org (checkins org import)")
            if not gets_checkins(person):
                raise click.ClickException(f"{email} {refusal}: inactive, or has no manager")


def check_managers(services, emails: tuple[str, ...]) -> None:
    """Each email named must be someone who gets a summary: in the org, active, managing someone active."""
    from storage import people

    with services.session() as session:
        for email in emails:
            person = people.get_by_email(session, email=email)
            if person is None:
                raise click.ClickException(f"{email} is not in the org (checkins org import)")
            if not person.active or not people.reports_of(session, manager_id=person.id):
                raise click.ClickException(f"{email} gets no summary: inactive, or manages no one")


def report_fan_out(report, sent: str, not_needed: str, retry: str) -> None:
    others = report.not_sent - report.failed
    click.echo(f"{report.sent} {sent}; {others} not needed {not_needed}")
    if report.errors:
        raise click.ClickException(f"{len(report.errors)} failed ({retry}): " + "; ".join(report.errors[:5]))
