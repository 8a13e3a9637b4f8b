"""Nothing acknowledged is lost: a worker process SIGKILLed in the middle of a burst of thread DMs, with the
real app (worker processes consuming the job table) on SQLite and PostgreSQL. Every DM Slack had its ack
for enters the person's file once and reaches the manager once."""

import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from bot.app import build_runtime
from bot.server import HttpServer
from schedules.jobs import run_tick
from storage import file_entries, jobs, people
from storage.db import make_engine, session_scope
from storage.types import utcnow
from tests.support import seed_team, wait_for

BURST = int(os.environ.get("CHECKINS_KILL_BURST", "200"))
LEASE_SECONDS = 3


@pytest.fixture
def replica(sandbox, settings):
    """One `checkins serve` as production runs it: two worker processes, a short job lease."""
    runtime = build_runtime(replace(settings, job_lease_seconds=LEASE_SECONDS), migrate=False, workers=2)
    server = HttpServer(runtime, host="127.0.0.1", port=0, threads=8).start()
    sandbox.set_app_url(f"{server.url}/slack/events")
    yield runtime
    server.close()
    runtime.close()


def _checked_in(sandbox, services) -> tuple[str, str, str, str]:
    """Ana has this period's prompt and has checked in, so her thread reaches Maria's copy."""
    ids = seed_team(sandbox, services)
    ana, maria = ids["ana@acme.test"], ids["maria@acme.test"]
    with services.session() as session:  # they were here before this period opened
        for person in people.list_all(session):
            person.created_at = datetime(2026, 11, 14, tzinfo=UTC)
    run_tick(services, now=utcnow())
    prompt = wait_for(lambda: [m for m in sandbox.dm_messages(ana) if m.get("bot_id")])[0]
    assert sandbox.click(ana, "checkin_open").status == 200
    wait_for(lambda: sandbox.open_views(ana), timeout=20)
    assert sandbox.submit_view(ana, {"mood": "3", "progress": "steady"}).status == 200
    wait_for(lambda: [m for m in sandbox.dm_messages(maria) if m["text"].startswith("Ana checked in")], 20)
    return ana, maria, prompt["ts"], "ana@acme.test"


def test_a_worker_killed_mid_burst_loses_no_acknowledged_dm_and_doubles_none(sandbox, replica):
    services = replica.services
    # 200 relays into one thread are past Slack's one post per second per channel: not what this measures
    sandbox.rate_limits_enabled = False
    ana, maria, thread, email = _checked_in(sandbox, services)
    workers = replica.work.consumers.processes
    victim = workers[0].pid

    def send(n: int) -> tuple[str, int]:
        text = f"burst message {n:04d}"
        return text, sandbox.send_dm(ana, text, thread_ts=thread).status

    with ThreadPoolExecutor(8) as pool:
        futures = [pool.submit(send, n) for n in range(BURST)]
        wait_for(lambda: sum(f.done() for f in futures) >= BURST // 3, timeout=60)
        os.kill(victim, signal.SIGKILL)
        killed_at = time.monotonic()
        results = [f.result() for f in futures]
    acked = {text for text, status in results if status == 200}

    def kept() -> list[str]:
        with services.session() as session:
            person = people.get_by_email(session, email=email)
            return [
                e.text for e in file_entries.list_for(session, person_id=person.id) if e.kind == "message"
            ]

    def relayed() -> list[str]:
        relays = [m["text"] for m in sandbox.dm_messages(maria) if m.get("bot_id")]
        return [t.removeprefix("Ana: ") for t in relays if t.startswith("Ana: burst message")]

    # the killed worker's jobs wait out their lease, then another worker claims them
    def unfinished() -> list[jobs.Line]:
        with services.session() as session:
            return [line for line in jobs.overview(session) if line.state != jobs.FAILED]

    deadline = time.monotonic() + LEASE_SECONDS + 60
    while not (acked <= set(kept()) and acked <= set(relayed())) and time.monotonic() < deadline:
        time.sleep(0.1)
    settled = time.monotonic() - killed_at
    # the jobs the killed worker held run again after their lease: a DM they had kept is not kept twice
    while unfinished() and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.5)
    texts, relays = kept(), relayed()
    lost = len(acked - set(texts))
    doubled = len(texts) - len(set(texts))
    relays_lost, relays_doubled = len(acked - set(relays)), len(relays) - len(set(relays))
    with services.session() as session:
        failed = jobs.failures(session)
        waiting = unfinished()
    print(
        f"\n{services.engine.dialect.name}: {len(acked)}/{BURST} acked; worker {victim} killed;"
        f" kept {len(set(texts))}, lost {lost}, doubled {doubled}; relayed lost {relays_lost},"
        f" doubled {relays_doubled}; all in {settled:.1f}s after the kill;"
        f" failed jobs {len(failed)}; unfinished {waiting}"
    )
    assert len(acked) == BURST
    # a DM kept just before the kill is relayed when its job runs again, unless its relay had landed
    assert (lost, doubled, relays_lost, relays_doubled) == (0, 0, 0, 0)
    assert failed == [] and waiting == []
    assert all(p.is_alive() for p in replica.work.consumers.processes)  # the dead one was replaced
    assert victim not in [p.pid for p in replica.work.consumers.processes]


def test_a_replica_killed_whole_mid_burst_loses_nothing_it_acknowledged(tmp_path, sandbox):
    """`checkins serve` and its workers SIGKILLed at once, then started again on the same database: every DM
    it had acknowledged is in the file once; the rest were never acknowledged (Slack sends events again)."""
    from tests.bot.test_cli import _serve, _workers
    from tests.support import cli_env, csv_text, run_cli, slack_users

    sandbox.rate_limits_enabled = False
    ids = slack_users(sandbox, {"boss@acme.test": "UTC", "ana@acme.test": "UTC"})
    url = f"sqlite:///{tmp_path / 'serve.db'}"
    org = tmp_path / "org.csv"
    org.write_text(
        csv_text([["boss@acme.test", "", "T", "", ""], ["ana@acme.test", "boss@acme.test", "T", "", ""]])
    )
    assert run_cli(["org", "import", str(org)], cli_env(sandbox, url), tmp_path).returncode == 0
    lease = {"CHECKINS_JOB_LEASE_SECONDS": str(LEASE_SECONDS)}
    proc, _ = _serve(sandbox, tmp_path, "http", "--workers", "2", "--no-scheduler", **lease)
    ana = ids["ana@acme.test"]

    def send(n: int) -> tuple[str, int]:
        text = f"burst message {n:04d}"
        try:
            return text, sandbox.send_dm(ana, text).status
        except OSError:  # the connection dropped with the process: not acknowledged
            return text, 0

    with ThreadPoolExecutor(8) as pool:
        futures = [pool.submit(send, n) for n in range(BURST)]
        wait_for(lambda: sum(f.done() for f in futures) >= BURST // 3, timeout=60)
        for pid in [*_workers(proc.pid), proc.pid]:
            os.kill(pid, signal.SIGKILL)
        results = [f.result() for f in futures]
    proc.wait()
    acked = {text for text, status in results if status == 200}

    again, _ = _serve(sandbox, tmp_path, "http", "--workers", "1", "--no-scheduler", **lease)
    engine = make_engine(url)
    try:

        def kept() -> list[str]:
            with session_scope(engine) as session:
                person = people.get_by_email(session, email="ana@acme.test")
                return [
                    e.text for e in file_entries.list_for(session, person_id=person.id) if e.kind == "message"
                ]

        deadline = time.monotonic() + LEASE_SECONDS + 60
        while not acked <= set(kept()) and time.monotonic() < deadline:
            time.sleep(0.1)
        texts = kept()
    finally:
        again.send_signal(signal.SIGTERM)
        again.communicate(timeout=60)
        engine.dispose()
    lost, doubled = len(acked - set(texts)), len(texts) - len(set(texts))
    print(
        f"\nwhole replica killed: {len(acked)}/{BURST} acked;"
        f" kept {len(set(texts))}, lost {lost}, doubled {doubled}"
    )
    assert len(acked) >= BURST // 3
    assert (lost, doubled) == (0, 0)


def test_a_dm_job_run_again_relays_once_whether_or_not_its_relay_had_landed(sandbox, replica):
    """The gap a worker's death leaves: the DM is in the file, its relay maybe not. The re-run looks in the
    manager's thread (conversations.replies, the relay's metadata) and posts only what is missing."""
    from handlers.checkins import direct_message

    services = replica.services
    ana, maria, thread, _ = _checked_in(sandbox, services)
    assert sandbox.send_dm(ana, "the relay under test", thread_ts=thread).status == 200

    def relays() -> list[dict]:
        return [m for m in sandbox.dm_messages(maria) if m.get("text") == "Ana: the relay under test"]

    wait_for(relays, timeout=20)
    sent = next(m for m in sandbox.dm_messages(ana) if m.get("text") == "the relay under test")
    event = {
        "user": ana,
        "channel": sent["channel"],
        "ts": sent["ts"],
        "thread_ts": thread,
        "text": sent["text"],
    }
    direct_message(event, services)  # the job again, its relay having landed: nothing more
    assert len(relays()) == 1
    relay = relays()[0]
    sandbox.ws.delete_message(sandbox.ws.channels[relay["channel"]], relay["ts"])
    direct_message(event, services)  # the job again, its worker having died before the relay: relayed
    assert len(relays()) == 1 and relays()[0]["ts"] != relay["ts"]
