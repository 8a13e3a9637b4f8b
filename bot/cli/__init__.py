"""The `checkins` command line."""

import logging
import sys
import urllib.error

import click
import sqlalchemy as sa
from slack_bolt.error import BoltError

from bot.consumer import WorkerStartError
from bot.logs import configure as configure_logging
from bot.settings import SettingRefused, SettingsError
from domain.core.slack import SlackError

log = logging.getLogger("checkins")


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


def _add_commands() -> None:
    # One module per feature; each holds its commands, the root group only gathers them.
    from bot.cli import checkins, goals, operations, org, performance_file, reviews, summaries

    for command in (
        operations.serve,
        operations.db,
        operations.jobs_command,
        org.org_group,
        checkins.checkin_group,
        summaries.summary_group,
        reviews.review_group,
        checkins.holiday_group,
        goals.goals_group,
        performance_file.file_group,
    ):
        cli.add_command(command)


_add_commands()


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
