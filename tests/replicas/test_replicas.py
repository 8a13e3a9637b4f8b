"""Three replicas of `checkins serve` on one database (PostgreSQL, or one SQLite file), over either transport:
over HTTP the sandbox sends requests to them in turn and retries events on the next; over Socket Mode each
holds a connection, envelopes are spread over them, and an event not acked is sent again on another. In the
middle of a burst of DMs and of a fan-out of prompts: a worker SIGKILLed, a whole replica SIGKILLed (a
supervisor starts it again), then the scheduler's lease holder. Nothing acknowledged is lost, nothing is
doubled, the scheduler moves in under 30 s, and the replicas together keep the workspace's pace."""

import os
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from schedules.runner import LEASE as SCHEDULER_LEASE
from storage import checkins, file_entries, jobs, people
from storage.db import make_engine, session_scope
from storage.models import SchedulerLease, Send
from storage.types import utcnow
from tests.replicas.harness import Replicas
from tests.support import cli_env, csv_text, run_cli, slack_users, wait_for

PEOPLE = int(os.environ.get("CHECKINS_REPLICAS_PEOPLE", "150"))
BURST = int(os.environ.get("CHECKINS_REPLICAS_BURST", "300"))
LEASE_SECONDS = 3
PER_MINUTE = 600  # the workspace's pace for bulk posts: 10 a second, whatever the number of replicas
WINDOW = 10.0  # seconds: the pace is judged on the busiest window this long
PROMPT = "Time for your check-in"


FAN_OUT_AT = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)  # a Friday: that week's prompts are due


def _only_the_test_fans_out(engine) -> None:
    """Everyone joined before FAN_OUT_AT's period opened; today and tomorrow are company holidays, so the
    replicas' own ticks (at the real time) find nobody due while the test runs."""
    with session_scope(engine) as session:
        for person in people.list_all(session):
            person.created_at = datetime(2026, 11, 14, tzinfo=UTC)
        today = utcnow().date()
        for day in (today, today + timedelta(days=1)):
            checkins.add_holiday(session, day=day, name="quiet while the test fans out")


class LeaseWatch(threading.Thread):
    """Polls the scheduler lease: when it moves from `holder` to another process."""

    def __init__(self, engine, holder: str):
        super().__init__(daemon=True)
        self.engine, self.holder = engine, holder
        self.moved_to: str | None = None
        self.killed_at = self.moved_at = 0.0

    def run(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and self.moved_to is None:
            with session_scope(self.engine) as session:
                lease = session.get(SchedulerLease, SCHEDULER_LEASE)
                if lease is not None and lease.holder != self.holder and lease.expires_at > utcnow():
                    self.moved_to, self.moved_at = lease.holder, time.monotonic()
            time.sleep(0.2)

    @property
    def failover(self) -> float:
        return self.moved_at - self.killed_at if self.moved_to else float("inf")


def _busiest(times: list[float], window: float) -> int:
    times, most, start = sorted(times), 0, 0
    for end, t in enumerate(times):
        while t - times[start] >= window:
            start += 1
        most = max(most, end - start + 1)
    return most


def test_three_replicas_lose_and_double_nothing_through_kills(sandbox, database_url, tmp_path, transport):
    sandbox.rate_limits_enabled = False  # the app's shared pace is what is measured
    emails = [f"p{n:03d}@acme.test" for n in range(PEOPLE)]
    ids = slack_users(sandbox, {"boss@acme.test": "UTC", **dict.fromkeys(emails, "UTC")})
    org = tmp_path / "org.csv"
    org.write_text(
        csv_text([["boss@acme.test", "", "T", "", ""]] + [[e, "boss@acme.test", "T", "", ""] for e in emails])
    )
    imported = run_cli(["org", "import", str(org)], cli_env(sandbox, database_url), tmp_path)
    assert imported.returncode == 0, imported.stdout + imported.stderr
    engine = make_engine(database_url)
    _only_the_test_fans_out(engine)
    cluster = Replicas(
        sandbox,
        database_url,
        tmp_path,
        transport=transport,
        CHECKINS_JOB_LEASE_SECONDS=str(LEASE_SECONDS),
        CHECKINS_POSTS_PER_MINUTE=str(PER_MINUTE),
    )
    try:
        cluster.start(3)

        def lease_holder() -> str | None:
            with session_scope(engine) as session:
                lease = session.get(SchedulerLease, SCHEDULER_LEASE)
                return lease.holder if lease and lease.expires_at > utcnow() else None

        holder = wait_for(lease_holder, timeout=30)
        leader = cluster.by_pid(int(holder.split(":")[1]))
        others = [r for r in cluster.replicas if r is not leader]

        # the tick's job, as a worker runs it when the scheduler adds it: a job per person due
        from bot.app import build_services
        from bot.settings import load_settings
        from schedules.jobs import run_tick_job

        services = build_services(load_settings(cli_env(sandbox, database_url), env_file=None), migrate=False)
        run_tick_job(services, now=FAN_OUT_AT)
        services.engine.dispose()

        def prompted() -> list[int]:
            return [
                sum(
                    1 for m in sandbox.dm_messages(ids[e]) if m.get("bot_id") and m["text"].startswith(PROMPT)
                )
                for e in emails
            ]

        def send(n: int) -> tuple[str, str, int, int]:
            email = emails[n % PEOPLE]
            text = f"burst message {n:04d}"
            reply = sandbox.send_dm(ids[email], text)
            return email, text, reply.status, len(reply.attempts)

        with ThreadPoolExecutor(8) as pool:
            futures = [pool.submit(send, n) for n in range(BURST)]

            def done(fraction: float) -> None:
                wait_for(lambda: sum(f.done() for f in futures) >= BURST * fraction, timeout=120)

            moments = []

            def kill(fraction: float, what: str, action) -> None:
                done(fraction)
                action()
                moments.append(f"{what} at {sum(f.done() for f in futures)} DMs, {sum(prompted())} prompts")

            # a worker (its replica starts another), a whole replica (serving process and workers at once),
            # then the scheduler's lease holder, whole
            kill(0.2, "worker", lambda: os.kill(others[0].workers[0], signal.SIGKILL))
            kill(0.45, "replica", lambda: cluster.kill(others[1]))
            watch = LeaseWatch(engine, holder)

            def kill_leader() -> None:
                cluster.kill(leader, restart=False)
                watch.killed_at = time.monotonic()
                watch.start()

            kill(0.7, "lease holder", kill_leader)
            results = [f.result() for f in futures]
        cluster.settle()
        watch.join()
        failover, new_holder = watch.failover, watch.moved_to or "?:?"
        acked = {(email, text) for email, text, status, _ in results if status == 200}
        sent_again = sum(tries > 1 for *_, tries in results)

        def kept() -> list[tuple[str, str]]:
            with session_scope(engine) as session:
                found = []
                for email in emails:
                    person = people.get_by_email(session, email=email)
                    entries = file_entries.list_for(session, person_id=person.id)
                    found += [(email, e.text) for e in entries if e.kind == "message"]
                return found

        def unfinished() -> int:
            with session_scope(engine) as session:
                return sum(line.count for line in jobs.overview(session) if line.state != jobs.FAILED)

        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not (
            acked <= set(kept()) and all(prompted()) and unfinished() == 0
        ):
            time.sleep(0.5)
        time.sleep(1.0)  # anything late would show now
        texts, counts = kept(), prompted()
        with session_scope(engine) as session:
            failed = jobs.failures(session)
            claimants = [
                row[0] for row in session.execute(sa.select(Send.claimed_by).where(Send.kind == "prompt"))
            ]
        names = cluster.workers_now()
        senders = {names.get(int(c.split("@", 1)[1].split(":")[1]), "?") for c in claimants}
        posts = [
            c.time
            for c in sandbox.calls_to("chat.postMessage")
            if c.ok and str(c.args.get("text", "")).startswith(PROMPT)
        ]
        busiest, limit = _busiest(posts, WINDOW), PER_MINUTE / 60 * WINDOW
        lost, doubled = len(acked - set(texts)), len(texts) - len(set(texts))
        print(
            f"\n{engine.dialect.name} over {transport}: {len(acked)}/{BURST} DMs acked"
            f" ({sent_again} after a retry), lost {lost}, doubled {doubled};"
            f" prompts {sum(c > 0 for c in counts)}/{PEOPLE}, doubled {sum(max(0, c - 1) for c in counts)},"
            f" sent by {sorted(senders)}; scheduler moved in {failover:.1f}s"
            f" ({holder.split(':')[1]} -> {new_holder.split(':')[1]}); busiest {WINDOW:g}s window"
            f" {busiest} prompt posts (limit {limit:g}, {busiest / limit - 1:+.1%});"
            f" failed jobs {len(failed)}, unfinished {unfinished()}; killed: {'; '.join(moments)}"
        )
        assert len(acked) >= BURST * 0.9  # retried on another replica: almost every DM got its ack
        assert sent_again >= 1  # the kills caught requests in flight: they were acked by another replica
        assert (lost, doubled) == (0, 0)
        assert counts == [1] * PEOPLE
        assert failed == [] and unfinished() == 0
        assert failover < 30
        assert busiest <= limit * 1.05 + 1
        assert len(senders - {"?"}) >= 2  # the fan-out was shared, not one replica's
    finally:
        cluster.close()
        for name, log in cluster.logs.items():  # shown when the test fails
            print(f"--- {name}\n{log.read_text(errors='replace')[-2000:]}")
        engine.dispose()
