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
import sqlalchemy as sa

from bot.app import build_runtime
from bot.server import HttpServer
from domain.core.delivery import POST_COVER
from storage import file_entries, jobs, people
from storage.db import make_engine, session_scope
from storage.models import Send
from tests.support import csv_text, seed_team, tick_now, wait_for

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
    tick_now(services)
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


FAN_OUT = int(os.environ.get("CHECKINS_KILL_FAN_OUT", "60"))


def test_a_worker_killed_mid_fan_out_leaves_nobody_without_a_prompt_past_a_lease(sandbox, settings):
    """The tick's prompts are jobs of their own, paced at 10 a second across two worker processes; one worker
    is SIGKILLed with prompts in hand. Its units run again after their lease (the ledger's claims taken over
    from the dead run, its DM looked in first): everyone gets one prompt, soon after the lease."""
    from schedules.jobs import run_tick_job
    from tests.support import import_org, joined, slack_users, utc

    fast = replace(settings, job_lease_seconds=LEASE_SECONDS, posts_per_minute=600)
    runtime = build_runtime(fast, migrate=False, workers=2)
    sandbox.rate_limits_enabled = False  # the app's own pace spreads the posts
    try:
        services = runtime.services
        emails = {f"p{n:03d}@acme.test": "UTC" for n in range(FAN_OUT)}
        ids = slack_users(sandbox, {"boss@acme.test": "UTC", **emails})
        rows = [["boss@acme.test", "", "T", "", ""]] + [[e, "boss@acme.test", "T", "", ""] for e in emails]
        assert import_org(services, csv_text(rows)).ok
        joined(services, utc(2026, 11, 14))
        now = utc(2026, 11, 20, 16, 0)

        def prompted() -> list[int]:
            return [len(_prompts(sandbox, ids[e])) for e in emails]

        run_tick_job(services, now=now)
        wait_for(lambda: sum(n > 0 for n in prompted()) >= FAN_OUT // 4, timeout=60)
        victim = runtime.work.consumers.processes[0].pid
        os.kill(victim, signal.SIGKILL)
        killed_at = time.monotonic()
        # a unit the worker died posting is run again once its lease and the post's cover have run out
        held = max(LEASE_SECONDS, POST_COVER.total_seconds())
        wait_for(lambda: all(prompted()), timeout=held + 60)
        settled = time.monotonic() - killed_at

        def claims_left() -> int:
            with services.session() as session:
                return session.execute(sa.select(sa.func.count()).where(Send.state == "claimed")).scalar_one()

        wait_for(lambda: claims_left() == 0, timeout=held + 30)  # one that landed: found by the next run
        with services.session() as session:
            rerun = session.execute(
                sa.select(sa.func.count()).where(jobs.Job.kind == "send.prompt", jobs.Job.tries > 1)
            ).scalar_one()
            retaken = session.execute(
                sa.select(sa.func.count()).select_from(Send).where(Send.attempts > 1)
            ).scalar_one()
            states = dict(session.execute(sa.select(Send.state, sa.func.count()).group_by(Send.state)).all())
        time.sleep(0.5)
        counts = prompted()
        print(
            f"\n{services.engine.dialect.name}: {FAN_OUT} prompts, worker {victim} killed; all prompted"
            f" {settled:.1f}s after the kill; {rerun} unit jobs run again, {retaken} claims taken over;"
            f" ledger {states}"
        )
        assert max(counts) == 1 and min(counts) == 1  # nobody without one, nobody with two
        assert rerun >= 1  # the dead worker held units: the test saw the path it is about
        assert states == {"sent": FAN_OUT}
        # the remaining posts take (FAN_OUT * 3/4) / 10 s at the pace: what is left is the lease (or the
        # cover of a post in flight, POST_COVER), not 30 min
        assert settled < held + FAN_OUT / 10 + 10
    finally:
        runtime.close()


def _prompts(sb, uid) -> list[dict]:
    return [m for m in sb.dm_messages(uid) if m.get("bot_id") and m["text"].startswith("Time for your")]
