"""`checkins checkin` and `checkins holiday`: prompts now, and the days without them."""

import click

from bot.cli.common import check_people, send_and_report, wait_option
from bot.settings import load_settings


@click.group("checkin", help="Check-in prompts.")
def checkin_group() -> None:
    pass


@checkin_group.command(
    "send", help="Send the current period's prompt now, once per person (the send ledger)."
)
@click.option("--user", "emails", multiple=True, metavar="EMAIL", help="Only these people (repeatable).")
@wait_option
def checkin_send(emails: tuple[str, ...], wait_seconds: float) -> None:
    """Exit status 1 while anyone's prompt is not settled: in flight elsewhere, or failed."""
    from bot.app import build_services
    from bot.send_report import PROMPTS
    from domain.checkins import due as checkin_due
    from schedules import per_person
    from storage.types import utcnow

    settings = load_settings()
    services = build_services(settings, check_slack=True)
    now = utcnow()
    check_people(services, emails, "gets no check-ins")
    with services.session() as session:
        due = checkin_due.due_prompts(session, now=now, emails=emails or None, send_now=True)
    send_and_report(
        settings,
        services,
        [per_person.of_due(d) for d in due],
        emails={(d.person.id, d.period.key): d.person.email for d in due},
        say=PROMPTS,
        label="checkin send",
        now=now,
        wait_seconds=wait_seconds,
    )


@click.group("holiday", help="Company holidays: no prompts or reminders on these days.")
def holiday_group() -> None:
    pass


DAY = click.DateTime(formats=["%Y-%m-%d"])


@holiday_group.command("add", help="Add a holiday on DAY (YYYY-MM-DD) named NAME, or rename the one there.")
@click.argument("day", type=DAY, metavar="YYYY-MM-DD")
@click.argument("name", nargs=-1, metavar="NAME...")
def holiday_add(day, name: tuple[str, ...]) -> None:
    from bot.app import build_services
    from domain.checkins import holidays

    services = build_services(load_settings())
    with services.session() as session:
        added = holidays.add_as_operator(session, day=day.date(), name=" ".join(name))
    if added.verb == "renamed":
        click.echo(f"holiday on {day:%Y-%m-%d} renamed: {added.before} -> {added.after}")
    else:
        click.echo(f"holiday on {day:%Y-%m-%d} {added.verb}: {added.after}")


@holiday_group.command("remove", help="Remove the holiday on DAY (YYYY-MM-DD).")
@click.argument("day", type=DAY, metavar="YYYY-MM-DD")
def holiday_remove(day) -> None:
    from bot.app import build_services
    from storage import checkins as store

    services = build_services(load_settings())
    with services.session() as session:
        removed = store.remove_holiday(session, day=day.date())
    if not removed:
        raise click.ClickException(f"no holiday on {day:%Y-%m-%d}")
    click.echo(f"holiday on {day:%Y-%m-%d} removed")


@holiday_group.command("list", help="Every holiday, by day (YYYY-MM-DD).")
def holiday_list() -> None:
    from bot.app import build_services
    from storage import checkins as store

    services = build_services(load_settings())
    with services.session() as session:
        days = store.holidays(session)
    for holiday in days:
        click.echo(f"{holiday.day:%Y-%m-%d}  {holiday.name}")
    if not days:
        click.echo("no holidays")
