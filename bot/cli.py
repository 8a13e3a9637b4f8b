"""The `checkins` command line."""

import logging
import signal
import sys
import urllib.error
from pathlib import Path

import click
import sqlalchemy as sa
from slack_bolt.error import BoltError

from bot.consumer import WorkerStartError
from bot.logs import configure as configure_logging
from bot.settings import SettingRefused, Settings, SettingsError, load_settings
from domain.core.slack import SlackError
from domain.org import service as org

log = logging.getLogger("checkins")


def _settings() -> Settings:
    return load_settings()


@click.group(help="checkins: weekly check-ins, goals, feedback and performance files in Slack.")
@click.version_option(package_name="checkins", prog_name="checkins")
@click.option("-v", "--verbose", is_flag=True, help="Log debug details (LOG_LEVEL=DEBUG).")
@click.pass_context
def cli(ctx: click.Context, verbose: bool) -> None:
    # Logs go to stderr, the report to stdout. A command that ends (all but `serve`) logs only warnings
    # and errors unless LOG_LEVEL says otherwise: on success its report is all it says. LOG_FORMAT=json for
    # log shippers; a malformed setting ends in one line, status 2.
    quiet = ctx.invoked_subcommand != "serve"
    configure_logging(verbose=verbose, default="WARNING" if quiet else "INFO")


@cli.command(
    help="Run the app: over Socket Mode when SLACK_APP_TOKEN is set (or with --socket), else over HTTP"
    " (POST /slack/events). Both serve GET /healthz on PORT."
)
@click.option(
    "--socket/--http",
    "socket_mode",
    default=None,
    help="Socket Mode (needs SLACK_APP_TOKEN) or HTTP, whatever the settings say. Default: Socket Mode"
    " when SLACK_APP_TOKEN is set.",
)
@click.option("--port", type=int, default=None, help="HTTP port (default: PORT, else 3000).")
@click.option("--host", default="0.0.0.0", show_default=True, help="HTTP interface to listen on.")
@click.option(
    "--no-scheduler",
    is_flag=True,
    help="Never run the scheduler here (it runs in one instance at a time anyway).",
)
@click.option(
    "--workers",
    type=click.IntRange(0, 64),
    default=2,
    show_default=True,
    help="Worker processes that run the listeners after the ack (0: threads of the serving process).",
)
def serve(socket_mode: bool | None, port: int | None, host: str, no_scheduler: bool, workers: int) -> None:
    from bot.app import build_runtime
    from bot.server import HttpServer
    from bot.socket_mode import SocketModeServer
    from schedules.runner import SchedulerRunner

    settings = _settings()
    if socket_mode is None:
        socket_mode = settings.slack_app_token is not None
    if socket_mode and not settings.slack_app_token:
        raise SettingsError("SLACK_APP_TOKEN is not set: Socket Mode needs an app-level token (xapp-...)")
    port = port if port is not None else settings.port
    runtime = build_runtime(settings, workers=workers)
    runner = None
    try:
        try:
            server: HttpServer | SocketModeServer = (
                SocketModeServer(runtime, settings.slack_app_token, host=host, port=port)
                if socket_mode
                else HttpServer(runtime, host=host, port=port)
            )
        except OSError as err:
            raise click.ClickException(f"cannot listen on {host}:{port}: {err.strerror}") from None
        signal.signal(signal.SIGTERM, lambda *_: server.stop())
        signal.signal(signal.SIGINT, lambda *_: server.stop())
        if not no_scheduler:
            runner = SchedulerRunner(runtime.services, retention_days=settings.retention_days).start()
        server.serve_forever()
    finally:
        if runner:
            runner.stop()
        runtime.close()
    log.info("checkins stopped")


@cli.group(help="Database schema.")
def db() -> None:
    pass


@db.command("upgrade", help="Apply pending migrations.")
def db_upgrade() -> None:
    from storage.db import upgrade

    settings = _settings()
    upgrade(settings.database_url)
    click.echo("database is up to date")


@cli.command("jobs", help="Work not done yet: queued, running, stuck (past its lease) and failed, by kind.")
@click.option("--failures", "show_failures", is_flag=True, help="Also list the latest failed jobs.")
def jobs_command(show_failures: bool) -> None:
    from storage import jobs
    from storage.db import make_engine, session_scope

    engine = make_engine(_settings().database_url)
    with session_scope(engine) as session:
        lines = jobs.overview(session)
        failed = jobs.failures(session) if show_failures else []
    engine.dispose()
    if not lines:
        click.echo("no jobs waiting, running or failed")
    for line in lines:
        click.echo(f"{line.state:8} {line.kind:12} {line.count:6}  oldest {_age(line.oldest_seconds)}")
    for job in failed:
        click.echo(f"failed job {job.id} ({job.kind}, {job.key}) after {job.tries} tries: {job.error}")


def _age(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f}s"
    if seconds < 7200:
        return f"{seconds / 60:.0f}m"
    return f"{seconds / 3600:.1f}h"


@cli.group("org", help="People, managers and teams.")
def org_group() -> None:
    pass


@org_group.command(
    "import", help="Import or update the org from a CSV: email,manager_email,team,role,timezone."
)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def org_import(file: Path) -> None:
    from bot.app import build_services

    services = build_services(_settings(), check_slack=True)
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

    services = build_services(_settings(), check_slack=True)
    with services.session() as session:
        report = org.sync(session, services.gateway)
    click.echo(
        f"synced: {report.updated} updated, {report.deactivated} deactivated, "
        f"{report.reactivated} reactivated, {report.not_in_slack} not found in Slack"
    )


@cli.group("checkin", help="Check-in prompts.")
def checkin_group() -> None:
    pass


@checkin_group.command(
    "send", help="Send the current period's prompt now, once per person (the send ledger)."
)
@click.option("--user", "emails", multiple=True, metavar="EMAIL", help="Only these people (repeatable).")
@click.option(
    "--wait",
    "wait_seconds",
    type=click.FloatRange(min=0),
    default=0,
    metavar="SECONDS",
    help="Then wait up to this long for prompts in flight or to be retried to settle, before reporting.",
)
def checkin_send(emails: tuple[str, ...], wait_seconds: float) -> None:
    """Exit status 1 while anyone's prompt is not settled: in flight elsewhere, or failed."""
    from bot.app import build_services
    from bot.send_report import report_prompts, wait_until_settled
    from domain.checkins import due as checkin_due
    from domain.checkins import flows
    from storage.types import utcnow

    services = build_services(_settings(), check_slack=True)
    now = utcnow()
    _check_people(services, emails, "gets no check-ins")
    with services.session() as session:
        due = checkin_due.due_prompts(session, now=now, emails=emails or None, send_now=True)
    report = flows.fan_out(services, due, now=now)
    wait_until_settled(services, due, seconds=wait_seconds)
    if not report_prompts(services, due, report):
        sys.exit(1)


def _check_people(services, emails: tuple[str, ...], refusal: str) -> None:
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


def _check_managers(services, emails: tuple[str, ...]) -> None:
    """Each email named must be someone who gets a summary: in the org, active, managing someone active."""
    from storage import people

    with services.session() as session:
        for email in emails:
            person = people.get_by_email(session, email=email)
            if person is None:
                raise click.ClickException(f"{email} is not in the org (checkins org import)")
            if not person.active or not people.reports_of(session, manager_id=person.id):
                raise click.ClickException(f"{email} gets no summary: inactive, or manages no one")


def _report_fan_out(report, sent: str, not_needed: str, retry: str) -> None:
    others = report.not_sent - report.failed
    click.echo(f"{report.sent} {sent}; {others} not needed {not_needed}")
    if report.errors:
        raise click.ClickException(f"{len(report.errors)} failed ({retry}): " + "; ".join(report.errors[:5]))


@cli.group("summary", help="Cycle summaries for managers (and per team, for HR).")
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

    services = build_services(_settings(), check_slack=True)
    _check_managers(services, emails)
    report = flows.send_now(services, now=utcnow(), emails=emails)
    click.echo(f"{report.sent} summary(ies) sent")
    if report.failed:
        raise click.ClickException(f"{report.failed} could not be sent (see the log)")


@cli.group("review", help="End-of-cycle reviews (quarterly).")
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
    services = build_services(_settings(), check_slack=True)
    _check_people(services, emails, "has no review")
    report = flows.start(services, now=now, cycle=cycle, emails=list(emails) or None, send_now=True)
    _report_fan_out(
        report,
        "review invitation(s) sent",
        "(already invited)",
        "after a transient error, run it again in 5 minutes",
    )


@cli.group("holiday", help="Company holidays: no prompts or reminders on these days.")
def holiday_group() -> None:
    pass


DAY = click.DateTime(formats=["%Y-%m-%d"])


@holiday_group.command("add", help="Add a holiday on DAY (YYYY-MM-DD) named NAME, or rename the one there.")
@click.argument("day", type=DAY, metavar="YYYY-MM-DD")
@click.argument("name", nargs=-1, metavar="NAME...")
def holiday_add(day, name: tuple[str, ...]) -> None:
    from bot.app import build_services
    from domain.checkins import holidays
    from storage import checkins as store

    services = build_services(_settings())
    with services.session() as session:
        before = {h.day: h.name for h in store.holidays(session)}.get(day.date())
        holidays.add_as_operator(session, day=day.date(), name=" ".join(name))
        after = {h.day: h.name for h in store.holidays(session)}[day.date()]
    if before is None:
        click.echo(f"holiday on {day:%Y-%m-%d} added: {after}")
    elif before == after:
        click.echo(f"holiday on {day:%Y-%m-%d} already there: {after}")
    else:
        click.echo(f"holiday on {day:%Y-%m-%d} renamed: {before} -> {after}")


@holiday_group.command("remove", help="Remove the holiday on DAY (YYYY-MM-DD).")
@click.argument("day", type=DAY, metavar="YYYY-MM-DD")
def holiday_remove(day) -> None:
    from bot.app import build_services
    from storage import checkins as store

    services = build_services(_settings())
    with services.session() as session:
        removed = store.remove_holiday(session, day=day.date())
    if not removed:
        raise click.ClickException(f"no holiday on {day:%Y-%m-%d}")
    click.echo(f"holiday on {day:%Y-%m-%d} removed")


@holiday_group.command("list", help="Every holiday, by day (YYYY-MM-DD).")
def holiday_list() -> None:
    from bot.app import build_services
    from storage import checkins as store

    services = build_services(_settings())
    with services.session() as session:
        days = store.holidays(session)
    for holiday in days:
        click.echo(f"{holiday.day:%Y-%m-%d}  {holiday.name}")
    if not days:
        click.echo("no holidays")


@cli.group("goals", help="Goals: the whole goal tree as a file.")
def goals_group() -> None:
    pass


@goals_group.command(
    "tree", help="Write the goal tree of the company (or of a team) with every goal: PNG, CSV or JSON."
)
@click.option("--format", "fmt", type=click.Choice(["png", "csv", "json"]), default="png", show_default=True)
@click.option("--team", help="Only this team's goals and what breaks them down.")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write here instead of to standard output.",
)
def goals_tree(fmt: str, team: str | None, output: Path | None) -> None:
    from bot.app import build_services
    from domain.core.access import OPERATOR
    from domain.goals import export
    from domain.goals import tree as goal_tree
    from domain.goals.errors import GoalError
    from storage.types import utcnow

    services = build_services(_settings())
    scope, name = ("team", team) if team else ("company", "")
    try:
        with services.session() as session:
            tree = goal_tree.build_for(
                session, viewer=OPERATOR, scope=scope, name=name, today=utcnow().date()
            )
            content = export.render(tree, fmt)
    except GoalError as err:
        raise click.ClickException(str(err)) from err
    if output is None:
        click.get_binary_stream("stdout").write(content)
        return
    try:
        output.write_bytes(content)
    except OSError as err:
        raise click.ClickException(f"cannot write {output}: {err.strerror}") from err
    click.echo(f"{len(tree.nodes)} goals written to {output}", err=True)


@cli.group("file", help="Performance files: export one, or delete a person's data everywhere.")
def file_group() -> None:
    pass


@file_group.command(
    "export",
    help="Write a person's complete file, oldest first, private entries included (the look is recorded "
    "in it, by the operator).",
)
@click.argument("email")
@click.option(
    "--format", "fmt", type=click.Choice(["md", "json", "csv", "html"]), default="md", show_default=True
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write here instead of to standard output.",
)
def file_export(email: str, fmt: str, output: Path | None) -> None:
    from bot.app import build_services
    from domain.performance_file.export import ExportError, for_operator
    from storage.types import utcnow

    services = build_services(_settings())
    try:
        with services.session() as session:
            export = for_operator(session, email=email, fmt=fmt, now=utcnow())
    except ExportError as err:
        raise click.ClickException(str(err)) from err
    if output is None:
        click.echo(export.content, nl=False)
        return
    try:
        output.write_bytes(export.content)
    except OSError as err:
        raise click.ClickException(f"cannot write {output}: {err.strerror}") from err
    click.echo(f"{export.entries} entries of {export.person.email}'s file written to {output}", err=True)


@file_group.command(
    "delete", help="Delete everything checkins holds about a person; what others wrote stays, unattributed."
)
@click.argument("email")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def file_delete(email: str, yes: bool) -> None:
    from bot.app import build_services
    from domain.performance_file import privacy
    from storage.erasure import UnclassifiedReference

    services = build_services(_settings())
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


# Slack's answers that mean the token is wrong (not the call), and which setting holds each call's token.
TOKEN_REFUSALS = {
    "invalid_auth",
    "not_authed",
    "account_inactive",
    "token_revoked",
    "token_expired",
    "not_allowed_token_type",
    "missing_scope",
}
TOKEN_SETTINGS = {"apps.connections.open": "SLACK_APP_TOKEN"}


def slack_refusal(method: str, code: str, reason: str = "") -> str:
    """A Slack refusal (or Slack out of reach) as one line naming the setting to check."""
    if code == "connection_error":
        return f"cannot reach Slack at SLACK_API_URL: {reason or 'no connection'}"
    if code in TOKEN_REFUSALS:
        return f"{TOKEN_SETTINGS.get(method, 'SLACK_BOT_TOKEN')} was refused by Slack ({code})"
    if method == "auth.test":  # the check at start: what answered is not Slack's Web API
        return f"SLACK_API_URL does not answer as Slack does: {code[:100]}"
    return f"Slack refused {method}: {code}"


def _reason(err: BaseException) -> str:
    cause = err.__cause__
    if isinstance(cause, urllib.error.URLError):
        return str(cause.reason)
    return str(cause) if cause else ""


def main(argv: list[str] | None = None) -> None:
    """Known failures end in one line and a status, never a traceback."""
    try:
        cli.main(args=argv, prog_name="checkins", standalone_mode=True)
    except SettingsError as err:
        click.echo(f"checkins: {err}", err=True)
        sys.exit(2)
    except SlackError as err:
        click.echo(f"checkins: {slack_refusal(err.method, err.code, _reason(err))}", err=True)
        sys.exit(1)
    except BoltError as err:
        click.echo(f"checkins: Slack did not accept the app's credentials: {err}", err=True)
        sys.exit(1)
    except SettingRefused as err:
        click.echo(f"checkins: {err}", err=True)
        sys.exit(1)
    except urllib.error.URLError as err:
        click.echo(f"checkins: cannot reach Slack at SLACK_API_URL: {err.reason}", err=True)
        sys.exit(1)
    except sa.exc.OperationalError as err:
        click.echo(f"checkins: cannot use the database: {err.orig}", err=True)
        sys.exit(1)
    except WorkerStartError as err:
        click.echo(f"checkins: {err} (the log above says why)", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
