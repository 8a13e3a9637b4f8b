"""The `checkins` command as an operator runs it: a real process, real ports, the sandbox as Slack."""

import os
import signal
import socket
import subprocess
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import BOT_TOKEN, SIGNING_SECRET
from tests.support import CHECKINS, TEAM, TEAM_CSV, cli_env, csv_text, run_cli, slack_users, wait_for


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_missing_settings_end_in_one_line_and_status_2(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    result = run_cli(["serve"], env, tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == "checkins: SLACK_BOT_TOKEN is not set (see .env.example)"
    assert "Traceback" not in result.stderr + result.stdout


def test_settings_come_from_dotenv_in_the_working_directory(tmp_path):
    (tmp_path / ".env").write_text(
        "SLACK_BOT_TOKEN=xoxb-1\nSLACK_SIGNING_SECRET=s\nDATABASE_URL=mysql://nope\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL"))}
    result = run_cli(["db", "upgrade"], env, tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("checkins: DATABASE_URL is malformed")


def test_db_upgrade_creates_the_schema_with_no_slack_settings(tmp_path):
    """The database commands need DATABASE_URL only: a migration job or a db copy holds no Slack tokens."""
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL"))}
    result = run_cli(["db", "upgrade"], {**env, "DATABASE_URL": url}, tmp_path)
    assert result.returncode == 0, result.stderr
    result = run_cli(["jobs"], {**env, "DATABASE_URL": url}, tmp_path)
    assert (result.returncode, result.stdout) == (0, "no jobs waiting, running or failed\n"), result.stderr
    tables = sa.inspect(sa.create_engine(url)).get_table_names()
    assert {"people", "file_entries", "processed_events", "alembic_version"} <= set(tables)


def test_org_import_reports_a_bad_file_row_by_row_without_a_traceback(tmp_path, sandbox, database_url):
    slack_users(sandbox, TEAM)
    bad = tmp_path / "people.csv"
    bad.write_text(
        TEAM_CSV + csv_text([["zed@acme.test", "nobody@acme.test", "X", "", ""]]).split("\n", 1)[1]
    )
    result = run_cli(["org", "import", str(bad)], cli_env(sandbox, database_url), tmp_path)
    assert result.returncode == 1
    assert f"{bad}: line 7 (zed@acme.test): no active Slack user has this email" in result.stderr
    assert f"{bad}: line 7 (zed@acme.test): unknown manager nobody@acme.test" in result.stderr
    assert "nothing was imported" in result.stderr
    assert "Traceback" not in result.stderr
    good = tmp_path / "good.csv"
    good.write_text(TEAM_CSV)
    result = run_cli(["org", "import", str(good)], cli_env(sandbox, database_url), tmp_path)
    assert result.returncode == 0, result.stderr
    assert "5 added, 0 updated, 0 unchanged" in result.stdout
    result = run_cli(["org", "sync"], cli_env(sandbox, database_url), tmp_path)
    assert result.returncode == 0, result.stderr
    assert "not found in Slack" in result.stdout


# Every command that calls Slack, as an operator would run it.
SLACK_COMMANDS = [
    ["serve", "--workers", "0", "--no-scheduler"],
    ["org", "import", "people.csv"],
    ["org", "sync"],
    ["checkin", "send"],
    ["summary", "send"],
    ["review", "start"],
]


@pytest.mark.parametrize("args", SLACK_COMMANDS, ids=lambda args: " ".join(args[:2]))
def test_a_rejected_bot_token_is_one_line_naming_it_at_start(tmp_path, sandbox, args):
    (tmp_path / "people.csv").write_text(TEAM_CSV)
    env = cli_env(sandbox, f"sqlite:///{tmp_path / 'x.db'}", SLACK_BOT_TOKEN="xoxb-wrong")
    result = run_cli(args, env, tmp_path)
    assert (result.returncode, result.stderr, result.stdout) == (
        1,
        "checkins: SLACK_BOT_TOKEN was refused by Slack (invalid_auth)\n",
        "",
    )


@pytest.mark.parametrize("args", [SLACK_COMMANDS[0], SLACK_COMMANDS[2]], ids=["serve", "org sync"])
def test_slack_out_of_reach_is_one_line_naming_the_api_url(tmp_path, sandbox, args):
    env = cli_env(
        sandbox, f"sqlite:///{tmp_path / 'x.db'}", SLACK_API_URL=f"http://127.0.0.1:{_free_port()}/api/"
    )
    result = run_cli(args, env, tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("checkins: cannot reach Slack at SLACK_API_URL: ")
    assert "Connection refused" in result.stderr and result.stderr.count("\n") == 1


def test_file_export_needs_no_slack(tmp_path, sandbox, database_url):
    slack_users(sandbox, TEAM)
    (tmp_path / "people.csv").write_text(TEAM_CSV)
    assert run_cli(["org", "import", "people.csv"], cli_env(sandbox, database_url), tmp_path).returncode == 0
    env = cli_env(sandbox, database_url, SLACK_BOT_TOKEN="xoxb-wrong")
    result = run_cli(["file", "export", "ana@acme.test"], env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Joined" in result.stdout


def test_serve_migrates_answers_signed_requests_and_refuses_unsigned_ones_over_http(tmp_path, sandbox):
    port = _free_port()
    url = f"sqlite:///{tmp_path / 'serve.db'}"
    proc = subprocess.Popen(
        [CHECKINS, "serve"],
        env=cli_env(sandbox, url, PORT=str(port)),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:
                    assert response.status == 200
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"checkins serve did not come up: {proc.stdout.read()}")
                time.sleep(0.1)
        assert "people" in sa.inspect(sa.create_engine(url)).get_table_names()  # migrated on start
        sandbox.set_app_url(f"{base}/slack/events")
        user = sandbox.add_user(email="solo@acme.test", real_name="Solo", name="solo", tz="UTC")
        signed = sandbox.slash_command(user, "/checkins", "")
        assert signed.status == 200 and signed.elapsed < 3
        assert sandbox.slash_command(user, "/checkins", "", sign=False).status == 401
        assert sandbox.slash_command(user, "/checkins", "", timestamp=int(time.time()) - 600).status == 401
        not_json = b"payload=%7Bnot+json"  # signed, but no request: refused before Bolt reads it
        form = "application/x-www-form-urlencoded"
        assert sandbox._post("interactivity", not_json, form, sign=True, timestamp=None).status == 400
    finally:
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=10)
    assert proc.returncode == 0
    assert "Traceback" not in output


def _reviewed_org(sandbox, database_url):
    """The app's services on the CLI's database, everyone in the org before the last quarter ended (each
    has a review)."""
    from bot.app import build_services
    from bot.settings import Settings
    from tests.support import joined, utc

    settings = Settings(
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=sandbox.api_url,
        database_url=database_url,
    )
    services = build_services(settings, migrate=False)
    joined(services, utc(2020, 1, 1))
    return services


@pytest.mark.parametrize(
    ("command", "kind", "text", "not_needed"),
    [
        (["checkin", "send"], "prompt", "Time for your check-in", "already sent or skipped"),
        (["review", "start"], "review_invite", "Time to review", "already invited"),
    ],
    ids=["checkin-send", "review-start"],
)
def test_a_fan_out_killed_midway_is_reported_in_flight_then_sent_once_within_a_lease(
    tmp_path, sandbox, database_url, command, kind, text, not_needed
):
    """A fan-out SIGKILLed midway leaves jobs, not 30-minute claims: a rerun at once says which messages
    the dead run holds and when they go again (its lease's end), with status 1; a rerun with --wait takes
    them over once the lease has run out and everyone has exactly one."""
    from datetime import UTC, datetime

    from storage import sends
    from storage.types import utcnow

    lease = 15  # seconds; the rerun must start before it runs out
    people = {"boss@acme.test": "UTC", **{f"e{n:02d}@acme.test": "UTC" for n in range(40)}}
    ids = slack_users(sandbox, people)
    org = tmp_path / "org.csv"
    org.write_text(
        csv_text([[e, "" if e.startswith("boss") else "boss@acme.test", "T", "", ""] for e in people])
    )
    env = cli_env(
        sandbox, database_url, CHECKINS_POSTS_PER_MINUTE="600", CHECKINS_JOB_LEASE_SECONDS=str(lease)
    )
    assert run_cli(["org", "import", str(org)], env, tmp_path).returncode == 0
    services = _reviewed_org(sandbox, database_url)
    sandbox.set_rate_limit("chat.postMessage", per_minute=600, burst=1)  # 10 a second: 4 s for everyone

    def delivered() -> int:
        return sum(1 for c in sandbox.calls_to("chat.postMessage") if c.status == 200)

    proc = subprocess.Popen(
        [CHECKINS, *command], env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 30
    while delivered() < 10 and time.monotonic() < deadline:
        time.sleep(0.01)
    proc.kill()  # no cleanup: its jobs stay claimed under their lease, their ledger claims in flight
    proc.wait()
    killed = utcnow()
    killed_at = delivered()
    assert 10 <= killed_at < 40
    sandbox.set_rate_limit("chat.postMessage", per_minute=6000, burst=100)  # the rest need not crawl

    again = run_cli(command, env, tmp_path)  # the admin runs it again at once
    assert utcnow() < killed + timedelta(seconds=lease * 2 / 3), "the rerun came too late to see the lease"
    # the dead run's messages are in flight, not "not needed": said so, named, with when they go again (the
    # end of the dead run's lease), and the status says it too
    assert again.returncode == 1, again.stdout + again.stderr
    [sent_line, in_flight_line] = again.stdout.splitlines()
    assert sent_line.endswith(f" not needed ({not_needed})")
    held = int(in_flight_line.split()[0])
    assert held >= 1
    head, _, names = in_flight_line.partition("): ")
    assert head.startswith(f"{held} in flight in another process (if it died: sent again from ")
    assert head.endswith(" UTC, by a worker or a rerun") and "@acme.test" in names
    clock = head.split("sent again from ")[1].split()[0]
    again_at = datetime.combine(killed.date(), datetime.strptime(clock, "%H:%M:%S").time(), UTC)
    assert killed - timedelta(seconds=2) <= again_at <= killed + timedelta(seconds=lease + 2), clock
    assert killed_at + int(sent_line.split()[0]) <= 40  # what this run sent, the dead run had not

    started = time.monotonic()
    waited = run_cli([*command, "--wait", "60"], env, tmp_path)
    assert waited.returncode == 0, waited.stdout + waited.stderr
    assert time.monotonic() - started < lease + 10  # the dead run's messages went once its lease ran out
    [line] = waited.stdout.splitlines()
    assert line.endswith(f" not needed ({not_needed})") and int(line.split()[0]) >= 1

    counts = [sum(1 for m in sandbox.dm_messages(ids[e]) if m["text"].startswith(text)) for e in people]
    assert counts == [0] + [1] * 40  # the boss has no manager: no check-in, no review
    with services.session() as session:
        assert sends.count(session, kind=kind, state="sent") == 40
        assert sends.count(session, kind=kind) == 40
    services.engine.dispose()


def _workers(pid: int) -> list[int]:
    """The worker processes of `checkins serve` (multiprocessing also starts a resource tracker)."""
    children = [
        int(child)
        for task in Path(f"/proc/{pid}/task").iterdir()
        for child in (task / "children").read_text().split()
    ]
    return [c for c in children if b"spawn_main" in Path(f"/proc/{c}/cmdline").read_bytes()]


def _serve(sandbox, tmp_path, transport: str, *args: str, **env_extra: str) -> tuple[subprocess.Popen, int]:
    """`checkins serve` as an operator starts it, reached by the sandbox over `transport`, once it is up."""
    port = _free_port()
    env = cli_env(sandbox, f"sqlite:///{tmp_path / 'serve.db'}", PORT=str(port), **env_extra)
    if transport == "socket":
        env["SLACK_APP_TOKEN"] = sandbox.app_token
        sandbox.use_socket_mode()
    proc = subprocess.Popen(
        [CHECKINS, "serve", *args],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    # serve answers /healthz once its workers have built their app
    wait_for(lambda: _healthy(port) or proc.poll() is not None, timeout=60)
    assert proc.poll() is None, proc.communicate()[0]
    if transport == "http":
        sandbox.set_app_url(f"http://127.0.0.1:{port}/slack/events")
    else:
        sandbox.wait_for_socket_connections(count=1, timeout=30)
    return proc, port


def _stop(proc: subprocess.Popen) -> str:
    proc.send_signal(signal.SIGTERM)
    output, _ = proc.communicate(timeout=60)
    print(output)  # shown if the test fails
    return output


def test_serve_runs_listeners_in_worker_processes_and_replaces_one_that_dies(tmp_path, sandbox, transport):
    proc, _ = _serve(sandbox, tmp_path, transport, "--workers", "1", "--no-scheduler")
    try:
        stranger = sandbox.add_user(email="x@elsewhere.test", real_name="X", name="x", tz="UTC")
        [worker] = _workers(proc.pid)

        assert sandbox.slash_command(stranger, "/checkins", "").status == 200
        wait_for(lambda: sandbox.transcript(stranger).count("not set up") == 1, timeout=10)

        os.kill(worker, signal.SIGKILL)
        wait_for(lambda: _ended(worker), timeout=10)
        assert sandbox.slash_command(stranger, "/checkins", "").status == 200  # acked without a worker
        wait_for(lambda: sandbox.transcript(stranger).count("not set up") == 2, timeout=30)
        [replacement] = _workers(proc.pid)
        assert replacement != worker
    finally:
        output = _stop(proc)
    assert proc.returncode == 0
    assert "the jobs it ran are claimed again within 30s; starting another" in output
    assert "Traceback" not in output


def test_sigterm_drains_the_work_releases_the_scheduler_and_says_stopped(tmp_path, sandbox, transport):
    proc, _ = _serve(sandbox, tmp_path, transport, "--workers", "1")
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'serve.db'}")
    try:
        wait_for(lambda: _lease_holders(engine), timeout=30)  # this instance runs the scheduler
        slow = sandbox.add_user(email="x@elsewhere.test", real_name="X", name="x", tz="UTC")
        for _ in range(5):
            assert sandbox.slash_command(slow, "/checkins", "").status == 200
    finally:
        output = _stop(proc)  # at once: the five answers are acknowledged, maybe not yet sent
    assert proc.returncode == 0
    assert sandbox.transcript(slow).count("not set up") == 5  # drained before the process ended
    assert _lease_holders(engine) == []
    assert output.count("checkins stopped") == 1
    assert "Traceback" not in output
    engine.dispose()


def _lease_holders(engine: sa.Engine) -> list[str]:
    with engine.connect() as conn:
        return [row[0] for row in conn.execute(sa.text("SELECT holder FROM scheduler_leases"))]


def test_serve_over_socket_mode_with_a_refused_app_token_is_one_line(tmp_path, sandbox):
    env = cli_env(
        sandbox, f"sqlite:///{tmp_path / 'serve.db'}", SLACK_APP_TOKEN="xapp-1-wrong", PORT=str(_free_port())
    )
    result = run_cli(["serve", "--workers", "0", "--no-scheduler"], env, tmp_path)
    assert result.returncode == 1
    [line] = [line for line in result.stderr.splitlines() if "SLACK_APP_TOKEN" in line]
    assert "Slack refused SLACK_APP_TOKEN (invalid_auth)" in line
    assert "Traceback" not in result.stderr + result.stdout


def test_serve_socket_without_an_app_token_says_which_setting_is_missing(tmp_path, sandbox):
    result = run_cli(["serve", "--socket"], cli_env(sandbox, f"sqlite:///{tmp_path / 'x.db'}"), tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "checkins: SLACK_APP_TOKEN is not set: Socket Mode needs an app-level token (xapp-...)"
    )


def _ended(pid: int) -> bool:
    """Gone, or a zombie with no thread left: its pipes closed (a process still exiting, as its threads end
    one by one, may take a request into its pipe)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True
    return "State:\tZ" in status and "Threads:\t1\n" in status


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def test_serve_on_a_port_in_use_says_so_in_one_line(tmp_path, sandbox):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = cli_env(sandbox, f"sqlite:///{tmp_path / 'serve.db'}", PORT=str(port))
        result = run_cli(["serve", "--host", "127.0.0.1", "--workers", "0", "--no-scheduler"], env, tmp_path)
    assert result.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_an_api_url_that_is_not_slack_is_one_line_naming_it(tmp_path, sandbox):
    env = cli_env(sandbox, f"sqlite:///{tmp_path / 'x.db'}", SLACK_API_URL=sandbox.api_url + "nowhere/")
    result = run_cli(["org", "sync"], env, tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("checkins: SLACK_API_URL does not answer as Slack does: ")
    assert result.stderr.count("\n") == 1


def test_a_fan_out_runs_jobs_of_its_own_kind_only(tmp_path, sandbox, database_url):
    """`review start` sends the invitations; a prompt the tick queued meanwhile stays the workers' (sent
    at their pace, in nobody's report here)."""
    from storage import jobs
    from storage.types import utcnow

    people = {"boss@acme.test": "UTC", "e1@acme.test": "UTC"}
    slack_users(sandbox, people)
    org = tmp_path / "org.csv"
    org.write_text(
        csv_text([["boss@acme.test", "", "T", "", ""], ["e1@acme.test", "boss@acme.test", "T", "", ""]])
    )
    env = cli_env(sandbox, database_url)
    assert run_cli(["org", "import", str(org)], env, tmp_path).returncode == 0
    services = _reviewed_org(sandbox, database_url)
    now = utcnow().isoformat()
    prompt = {"kind": "prompt", "person": 1, "period": "2020-W01", "data": {}, "now": now, "at": now}
    with services.session() as session:
        jobs.enqueue(session, kind="send.prompt", key="the tick's prompt", payload=prompt)
    result = run_cli(["review", "start"], env, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 review invitation(s) sent" in result.stdout
    with services.session() as session:
        [(state, tries)] = session.execute(
            sa.text("SELECT state, tries FROM jobs WHERE key = 'the tick''s prompt'")
        ).all()
    assert (state, tries) == (jobs.QUEUED, 0)
