"""The command line's small promises: help that names arguments plainly, --version, a renamed holiday
said so, unknown --user emails refused, and no log lines on success."""

import click
import pytest
from click.testing import CliRunner

from bot.cli import cli
from tests.conftest import BOT_TOKEN, SIGNING_SECRET
from tests.support import cli_env, run_cli, seed_team


@pytest.fixture
def invoke(sandbox, database_url):
    env = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": sandbox.api_url,
        "DATABASE_URL": database_url,
    }
    runner = CliRunner()
    return lambda *args: runner.invoke(cli, list(args), env=env)


def test_version():
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0 and result.output.startswith("checkins, version ")


@pytest.mark.parametrize("command", ["add", "list", "remove"])
def test_every_holiday_command_has_help_and_names_the_day_plainly(command):
    result = CliRunner().invoke(cli, ["holiday", command, "--help"])
    assert result.exit_code == 0
    usage, _, rest = result.output.partition("\n\n")
    assert "%Y" not in result.output
    assert rest.strip() and not rest.strip().startswith("Options:")  # a sentence before the options
    if command != "list":
        assert "YYYY-MM-DD" in usage
    listing = CliRunner().invoke(cli, ["holiday", "--help"]).output
    assert f"  {command} " in listing and not listing.split(f"  {command} ")[1].startswith("\n")


def test_a_holiday_added_again_says_it_was_renamed(invoke, runtime):
    assert (
        invoke("holiday", "add", "2026-12-25", "Christmas").output
        == "holiday on 2026-12-25 added: Christmas\n"
    )
    result = invoke("holiday", "add", "2026-12-25", "Christmas", "Day")
    assert result.output == "holiday on 2026-12-25 renamed: Christmas -> Christmas Day\n"
    assert invoke("holiday", "list").output == "2026-12-25  Christmas Day\n"
    result = invoke("holiday", "add", "25/12/2026", "X")
    assert result.exit_code == 2 and "YYYY-MM-DD" in result.output


def test_unknown_or_unfit_user_emails_are_usage_errors_with_status_2_everywhere(invoke, sandbox, runtime):
    seed_team(sandbox, runtime.services)
    for command in (["summary", "send"], ["checkin", "send"], ["review", "start"]):
        result = invoke(*command, "--user", "nobody@acme.test")
        assert result.exit_code == 2, command
        assert "Invalid value for '--user': nobody@acme.test is not in the org" in result.output, command
    result = invoke("summary", "send", "--user", "ana@acme.test")  # manages no one
    assert result.exit_code == 2 and "ana@acme.test gets no summary" in result.output
    result = invoke("checkin", "send", "--user", "maria@acme.test")  # no manager
    assert result.exit_code == 2 and "maria@acme.test gets no check-ins" in result.output
    result = invoke("summary", "send", "--user", "maria@acme.test")
    assert result.exit_code == 0, result.output


def test_summary_send_and_review_start_report_what_another_process_has_in_flight(invoke, sandbox, runtime):
    """Like `checkin send`: the send ledger's account, exit 1 until settled, `--wait` for it to settle."""
    from domain.core.delivery import STALE_CLAIM
    from domain.reviews.cycles import ledger_key, previous_cycle
    from domain.reviews.service import INVITATION
    from domain.summaries.flows import due_now
    from domain.summaries.service import SUMMARY
    from storage import people, sends
    from storage.types import utcnow
    from tests.support import joined, utc

    services = runtime.services
    seed_team(sandbox, services)
    joined(services, utc(2020, 1, 1))
    assert invoke("checkin", "send").exit_code == 0  # a check-in period under way: something to sum up
    now = utcnow()
    cycle = previous_cycle(now.date())
    with services.session() as session:
        maria = people.get_by_email(session, email="maria@acme.test")
        ana = people.get_by_email(session, email="ana@acme.test")
        [(_, _, summary_key)] = due_now(session, now=now, emails=["maria@acme.test"])
        held = [
            sends.claim(
                session,
                person_id=pid,
                period_key=key,
                kind=kind,
                holder="other",
                now=now,
                stale_after=STALE_CLAIM,
            )
            for pid, key, kind in ((maria.id, summary_key, SUMMARY), (ana.id, ledger_key(cycle), INVITATION))
        ]
    result = invoke("summary", "send")
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "0 summary(ies) sent; 0 not needed (already sent, or nothing to sum up)",
        f"1 in flight in another process (if it died: sent again from {now + STALE_CLAIM:%H:%M:%S} UTC,"
        " by a rerun): maria@acme.test",
    ]
    result = invoke("review", "start")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0] == "3 review invitation(s) sent; 0 not needed (already invited)"
    assert lines[1].startswith("1 in flight in another process") and lines[1].endswith(": ana@acme.test")
    with services.session() as session:  # the other process gets there
        for claim in held:
            sends.mark_sent(session, send_id=claim.id, holder="other", channel="D1", ts="1.0", now=now)
    result = invoke("review", "start", "--wait", "5")
    assert (result.exit_code, result.output) == (
        0,
        "0 review invitation(s) sent; 0 not needed (already invited)\n",
    )
    result = invoke("summary", "send", "--wait", "5")
    assert result.exit_code == 0, result.output


def test_a_command_that_succeeds_writes_its_report_and_no_log_line(tmp_path, sandbox, runtime, database_url):
    seed_team(sandbox, runtime.services)
    env = cli_env(sandbox, database_url)
    result = run_cli(["file", "delete", "chen@acme.test", "--yes"], env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "deleted" in result.stdout and result.stderr == ""
    result = run_cli(["-v", "holiday", "list"], env, tmp_path)
    assert result.returncode == 0 and " INFO " in result.stderr  # -v: the logs, still on stderr
    assert result.stdout == "no holidays\n"


def test_every_command_and_subcommand_has_help_and_plain_argument_names():
    def walk(command, path):
        yield path, command
        for name, sub in getattr(command, "commands", {}).items():
            yield from walk(sub, [*path, name])

    for path, command in walk(cli, ["checkins"]):
        assert command.help, " ".join(path)
        for param in command.params:
            if param.param_type_name == "argument":
                metavar = param.make_metavar(click.Context(command))
                assert "%" not in metavar and metavar.rstrip(".").replace("-", "_").isupper(), (path, metavar)
            else:
                assert param.help, (path, param.name)  # every option says what it does
