"""What the command line writes where: the report on stdout; on stderr, progress while long work runs (a
line now and then when stderr is not a terminal) and nothing else on success; `--quiet` turns progress off."""

import io
import os
import pty

from bot.cli.progress import Bar, Lines, line
from tests.support import TEAM, TEAM_CSV, cli_env, run_cli, slack_users


def test_a_progress_line_comes_every_few_seconds_and_the_last_one_ends_the_story():
    now = [0.0]
    out = io.StringIO()
    lines = Lines("checkin send", out, every=5.0, clock=lambda: now[0])
    for done in range(1, 5001):
        now[0] = done * 0.004  # 20 s for 5,000 prompts
        lines(done, 5000, failed=3 if done > 1200 else 0)
    lines.close()
    assert out.getvalue().splitlines() == [
        "checkin send: 1,250 of 5,000 (25 %), 3 failed so far",
        "checkin send: 2,500 of 5,000 (50 %), 3 failed so far",
        "checkin send: 3,750 of 5,000 (75 %), 3 failed so far",
        "checkin send: 5,000 of 5,000 (100 %), 3 failed so far",
    ]
    quick = io.StringIO()
    lines = Lines("checkin send", quick, every=5.0, clock=lambda: 1.0)  # done before the first line is due
    lines(4, 4)
    lines.close()
    assert quick.getvalue() == ""
    assert line("org sync: people found in Slack", 0, 0) == "org sync: people found in Slack: 0 of 0"


def test_on_a_terminal_progress_is_a_bar_that_counts_failures():
    screen, terminal = pty.openpty()
    with os.fdopen(terminal, "w") as stream:
        bar = Bar("checkin send", stream)
        for done in range(1, 6):
            bar(done, 5, failed=1 if done > 3 else 0)
        bar.close()
    drawn = b""
    while True:  # a read gives what the terminal holds so far; it ends once the other side has closed
        try:
            chunk = os.read(screen, 100_000)
        except OSError:
            break
        if not chunk:
            break
        drawn += chunk
    os.close(screen)
    drawn = drawn.decode()
    assert "checkin send  [#######-" in drawn and "20%" in drawn
    assert drawn.rstrip().endswith("checkin send (1 failed)  [" + "#" * 36 + "]  100%\x1b[?25h")


def test_long_commands_show_progress_lines_on_stderr_and_quiet_turns_them_off(
    tmp_path, sandbox, database_url
):
    slack_users(sandbox, TEAM)
    (tmp_path / "people.csv").write_text(TEAM_CSV)
    env = cli_env(sandbox, database_url, CHECKINS_PROGRESS_SECONDS="0")  # a line at each step
    result = run_cli(["org", "import", "people.csv"], env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "imported people.csv: 5 added, 0 updated, 0 unchanged\n"
    assert result.stderr.splitlines() == [
        f"org import: people matched in Slack: {n} of 5 ({20 * n} %)" for n in range(1, 6)
    ]
    result = run_cli(["checkin", "send"], env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "4 prompt(s) sent; 0 not needed (already sent or skipped)\n"
    # the jobs' progress, read as they run: a line each time the count moves, up to all of them
    lines = result.stderr.splitlines()
    assert lines[-1] == "checkin send: 4 of 4 (100 %)"
    assert set(lines) <= {f"checkin send: {n} of 4 ({25 * n} %)" for n in range(5)}
    assert lines == sorted(lines) and len(set(lines)) == len(lines)
    result = run_cli(["org", "sync"], env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines()[-1] == "org sync: people found in Slack: 5 of 5 (100 %)"
    for quiet in (["--quiet"], ["-q"]):
        result = run_cli([*quiet, "org", "sync"], env, tmp_path)
        assert result.returncode == 0 and result.stderr == "", result.stderr
        assert result.stdout.startswith("synced: ")
    result = run_cli(["--quiet", "file", "export", "ana@acme.test", "--format", "json"], env, tmp_path)
    assert result.returncode == 0 and result.stderr == "" and result.stdout.startswith("{")
    result = run_cli(["file", "export", "ana@acme.test", "--output", "ana.md"], env, tmp_path)
    assert result.stderr.splitlines()[:2] == [
        "file export: steps: 0 of 2 (0 %)",
        "file export: steps: 1 of 2 (50 %)",
    ]


def test_every_command_group_says_nothing_on_stderr_when_it_succeeds(tmp_path, sandbox, database_url):
    slack_users(sandbox, TEAM)
    (tmp_path / "people.csv").write_text(TEAM_CSV)
    env = cli_env(sandbox, database_url)  # progress lines every 5 s: none in commands this short
    for args, report in (
        (["db", "upgrade"], "database is up to date\n"),
        (["org", "import", "people.csv"], "imported people.csv: 5 added, 0 updated, 0 unchanged\n"),
        (["org", "sync"], "synced: 0 updated, 0 deactivated, 0 reactivated, 0 not found in Slack\n"),
        (["holiday", "add", "2031-12-25", "Christmas"], "holiday on 2031-12-25 added: Christmas\n"),
        (["holiday", "list"], "2031-12-25  Christmas\n"),
        (["holiday", "remove", "2031-12-25"], "holiday on 2031-12-25 removed\n"),
        (["checkin", "send"], "4 prompt(s) sent; 0 not needed (already sent or skipped)\n"),
        (["summary", "send"], None),
        (["review", "start"], "0 review invitation(s) sent; 0 not needed (already invited)\n"),
        (["goals", "tree", "--format", "json"], None),
        (["file", "export", "ana@acme.test"], None),
        (["file", "delete", "chen@acme.test", "--yes"], None),
        (["jobs"], None),
    ):
        result = run_cli(args, env, tmp_path)
        assert (result.returncode, result.stderr) == (0, ""), args
        assert result.stdout if report is None else result.stdout == report, (args, result.stdout)
