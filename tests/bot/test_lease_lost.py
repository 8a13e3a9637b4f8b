"""A worker alive but past its job's lease (stalled: SIGSTOP stands for a long pause, a lease renewal that
failed) while its prompt waits for the workspace's pace, or while Slack is slow to answer its post. The job's
next run, on another worker, takes the send ledger's claim over and posts unless Slack has the prompt; the
first run, going on, must not post a second prompt. And a claim confirmed after a long wait is refreshed to
the time of the confirm, not to when its run started."""

import os
import signal
import time
from dataclasses import replace

import sqlalchemy as sa
from sqlmodel import select

from bot.app import build_runtime
from domain.core.delivery import POST_COVER
from schedules.jobs import run_tick_job
from storage import people
from storage.models import Send
from tests.support import csv_text, import_org, joined, slack_users, utc, wait_for

LEASE_SECONDS = 2
RETRY_AFTER = 6  # seconds: Slack's 429 holds the first run's post this long, past its lease


def _prompts(sb, uid) -> list[dict]:
    return [m for m in sb.dm_messages(uid) if m.get("bot_id") and m["text"].startswith("Time for your")]


def _ledger(services, person_id: int) -> Send | None:
    with services.session() as session:
        query = select(Send).where(Send.kind == "prompt", Send.person_id == person_id)
        row = session.exec(query).one_or_none()
        if row is not None:
            session.expunge(row)
        return row


def _stop_between_writes(pid: int, engine) -> None:
    """SIGSTOP, though not while the worker holds a write lock (its lease renewal's), which would stall
    every other worker too: if it does, let it go on a moment and stop it again."""
    for _ in range(20):
        os.kill(pid, signal.SIGSTOP)
        try:
            with engine.connect() as conn:
                if conn.dialect.name == "sqlite":
                    conn.exec_driver_sql("PRAGMA busy_timeout = 300")
                    conn.exec_driver_sql("BEGIN IMMEDIATE")
                else:
                    conn.exec_driver_sql("SET LOCAL lock_timeout = '300ms'")
                    conn.exec_driver_sql("SELECT id FROM jobs FOR UPDATE")
                conn.rollback()
            return
        except sa.exc.OperationalError:
            os.kill(pid, signal.SIGCONT)
            time.sleep(0.05)
    raise AssertionError(f"worker {pid} kept a write lock")


def _team(sandbox, services) -> None:
    slack_users(sandbox, {"boss@acme.test": "UTC", "ana@acme.test": "UTC"})
    rows = [["boss@acme.test", "", "T", "", ""], ["ana@acme.test", "boss@acme.test", "T", "", ""]]
    assert import_org(services, csv_text(rows)).ok
    joined(services, utc(2026, 11, 14))
    sandbox.rate_limits_enabled = False


def _person_id(services, slack_user_id: str) -> int:
    with services.session() as session:
        return people.get_by_slack_id(session, slack_user_id=slack_user_id).id


def test_a_run_that_lost_its_lease_while_waiting_for_the_pace_does_not_prompt_again(sandbox, settings):
    runtime = build_runtime(replace(settings, job_lease_seconds=LEASE_SECONDS), migrate=False, workers=2)
    stopped: int | None = None
    try:
        services = runtime.services
        _team(sandbox, services)
        sandbox.inject_ratelimit("chat.postMessage", count=1, retry_after=RETRY_AFTER)

        run_tick_job(services, now=utc(2026, 11, 20, 16, 0))  # a Friday: the weekly prompts are due
        refused = wait_for(lambda: [c for c in sandbox.calls_to("chat.postMessage") if not c.ok], timeout=30)
        who = refused[0].args["channel"]  # the prompt Slack said 429 to
        with services.session() as session:
            person_id = people.get_by_slack_id(session, slack_user_id=who).id
        first = _ledger(services, person_id)
        assert first is not None and first.state == "claimed" and first.claimed_by.startswith("j")
        stopped = int(first.claimed_by.split("@", 1)[1].split(":")[1])  # the worker holding the claim
        assert stopped in [p.pid for p in runtime.work.consumers.processes]
        _stop_between_writes(stopped, services.engine)  # alive, but renewing no lease

        # the job's next run, on the other worker, once the lease has run out and the 429's hold has passed
        wait_for(lambda: _prompts(sandbox, who), timeout=LEASE_SECONDS + RETRY_AFTER + 30)
        wait_for(lambda: _ledger(services, person_id).state == "sent", timeout=10)
        rerun = _ledger(services, person_id)
        assert rerun.claimed_by != first.claimed_by and rerun.attempts == 2

        os.kill(stopped, signal.SIGCONT)  # its wait for the pace is over: it goes on at once
        stopped = None
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and len(_prompts(sandbox, who)) < 2:
            time.sleep(0.1)
        assert len(_prompts(sandbox, who)) == 1
        assert _ledger(services, person_id).state == "sent"
    finally:
        if stopped is not None:
            os.kill(stopped, signal.SIGCONT)
        runtime.close()


def test_a_claim_confirmed_after_a_long_wait_is_refreshed_to_that_time(sandbox, settings):
    """The 429 holds the post RETRY_AFTER seconds: the confirm before its second try refreshes the claim to
    then, so the claim goes stale 30 minutes after it, not 30 minutes after the run started."""
    runtime = build_runtime(settings, migrate=False, workers=1)
    try:
        services = runtime.services
        _team(sandbox, services)
        sandbox.inject_ratelimit("chat.postMessage", count=1, retry_after=RETRY_AFTER)
        run_tick_job(services, now=utc(2026, 11, 20, 16, 0))
        refused = wait_for(lambda: [c for c in sandbox.calls_to("chat.postMessage") if not c.ok], timeout=30)
        person_id = _person_id(services, refused[0].args["channel"])
        first = _ledger(services, person_id)
        assert first is not None and first.state == "claimed"
        wait_for(lambda: _ledger(services, person_id).state == "sent", timeout=RETRY_AFTER + 30)
        confirmed = _ledger(services, person_id).claimed_at
        assert (confirmed - first.claimed_at).total_seconds() >= RETRY_AFTER - 1
    finally:
        runtime.close()


SLOW = 8  # seconds Slack takes over the first prompt: past the job's lease, within the post's cover


def test_a_run_that_lost_its_lease_while_slack_was_slow_to_answer_does_not_prompt_twice(sandbox, settings):
    """The first run's post reaches Slack, which takes SLOW seconds over it while that worker stalls: the
    confirm before the post kept the job's lease for POST_COVER, so the job's next run starts only after
    Slack has the prompt, and finds it in the DM."""
    assert LEASE_SECONDS < SLOW < POST_COVER.total_seconds() - 5
    runtime = build_runtime(replace(settings, job_lease_seconds=LEASE_SECONDS), migrate=False, workers=2)
    stopped: int | None = None
    try:
        services = runtime.services
        _team(sandbox, services)
        sandbox.slow_down("chat.postMessage", SLOW, count=1)

        run_tick_job(services, now=utc(2026, 11, 20, 16, 0))
        who = wait_for(lambda: sandbox.slowed, timeout=30)[0]["channel"]  # in flight, not yet posted
        landed = time.monotonic() + SLOW + 1  # by then Slack has acted on it
        person_id = _person_id(services, who)
        first = _ledger(services, person_id)
        stopped = int(first.claimed_by.split("@", 1)[1].split(":")[1])
        _stop_between_writes(stopped, services.engine)  # its request is with Slack; it renews no lease

        wait_for(lambda: _prompts(sandbox, who), timeout=SLOW + 10)  # the slow post lands
        retaken = POST_COVER.total_seconds() + 30
        wait_for(lambda: _ledger(services, person_id).claimed_by != first.claimed_by, timeout=retaken)
        wait_for(lambda: _ledger(services, person_id).state == "sent", timeout=10)
        time.sleep(max(0.0, landed - time.monotonic()))
        assert len(_prompts(sandbox, who)) == 1  # the next run found it in the DM
        os.kill(stopped, signal.SIGCONT)
        stopped = None
        time.sleep(2)
        assert len(_prompts(sandbox, who)) == 1
    finally:
        if stopped is not None:
            os.kill(stopped, signal.SIGCONT)
        runtime.close()


def test_a_bulk_posts_try_ends_within_what_its_confirm_covers():
    from bot.slack import BULK_TIMEOUT
    from storage.jobs import DEFAULT_LEASE

    assert BULK_TIMEOUT < POST_COVER.total_seconds() <= DEFAULT_LEASE.total_seconds()
