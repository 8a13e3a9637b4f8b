"""`checkins file`: a person's file exported, or everything about them deleted."""

import logging
from pathlib import Path

import click

from bot.settings import load_settings
from domain.core.slack import SlackError

log = logging.getLogger("checkins")


@click.group("file", help="Performance files: export one, or delete a person's data everywhere.")
def file_group() -> None:
    pass


@file_group.command(
    "export",
    help="Write a person's complete file, oldest first, private entries included (the look is recorded "
    "in it, by the operator); or, with --team, every file of a team in a zip, one per person.",
)
@click.argument("email", required=False)
@click.option("--team", metavar="NAME", help="Every file of this team, in a zip (needs --output).")
@click.option(
    "--format", "fmt", type=click.Choice(["md", "json", "csv", "html"]), default="md", show_default=True
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write here instead of to standard output.",
)
def file_export(email: str | None, team: str | None, fmt: str, output: Path | None) -> None:
    from bot.app import build_services
    from domain.performance_file import export, team_export
    from storage.types import utcnow

    if (email is None) == (team is None):
        raise click.UsageError("give a person's EMAIL, or --team NAME")
    if team is not None and output is None:
        raise click.UsageError("a team's files are a zip: give --output FILE.zip")
    services = build_services(load_settings())
    try:
        with services.session() as session:
            if team is not None:
                made = team_export.for_operator(session, team=team, fmt=fmt, now=utcnow())
                done = f"{made.files} files of team {made.team} ({made.entries} entries)"
            else:
                made = export.for_operator(session, email=email or "", fmt=fmt, now=utcnow())
                done = f"{made.entries} entries of {made.person.email}'s file"
    except export.ExportError as err:
        raise click.ClickException(str(err)) from err
    if output is None:
        click.echo(made.content, nl=False)
        return
    try:
        output.write_bytes(made.content)
    except OSError as err:
        raise click.ClickException(f"cannot write {output}: {err.strerror}") from err
    click.echo(f"{done} written to {output}", err=True)


@file_group.command(
    "delete", help="Delete everything checkins holds about a person; what others wrote stays, unattributed."
)
@click.argument("email")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def file_delete(email: str, yes: bool) -> None:
    from bot.app import build_services
    from domain.performance_file import privacy
    from storage.erasure import UnclassifiedReference

    services = build_services(load_settings())
    with services.session() as session:
        try:
            person = privacy.find(session, email=email)
        except privacy.PrivacyError as err:
            raise click.ClickException(str(err)) from err
        who = f"{person.name} <{person.email}>"
    if not yes:
        click.confirm(
            f"Delete everything checkins holds about {who}: their file, check-ins, feedback, goals and "
            "sends, and their name on what they wrote for others? This cannot be undone",
            abort=True,
        )
    try:
        with services.session() as session:
            erased = privacy.erase(session, email=email)
    except (privacy.PrivacyError, UnclassifiedReference) as err:
        raise click.ClickException(str(err)) from err
    log.info("erased a person (%d rows deleted or cleared)", sum(erased.counts.values()))
    for what, count in sorted(erased.counts.items()):
        if count:
            click.echo(f"  {what}: {count}")
    if erased.orphaned:
        from domain.performance_file.flows import tell_admins

        try:
            told = tell_admins(services, orphaned=erased.orphaned)
            click.echo(f"  HR admins told that the chooser of {', '.join(erased.orphaned)} left: {told}")
        except SlackError as err:
            click.echo(f"  HR admins could not be told that a channel's chooser left: {err.code}", err=True)
    click.echo(f"{who} deleted. Remove them from the org CSV too, or the next import adds them back.")
