"""The job table, on SQLite and PostgreSQL: a key adds a job once, a claim is one worker's until its lease
runs out, a failing job stops after MAX_TRIES with its error kept, finished jobs are pruned."""

import json
import threading
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from bot.consumer import Consumer
from bot.server import with_healthz
from storage import jobs
from storage.db import make_engine, session_scope
from storage.types import utcnow

LEASE = timedelta(seconds=30)


def _enqueue(engine, key: str, kind: str = "k", **payload) -> bool:
    with session_scope(engine) as session:
        return jobs.enqueue(session, kind=kind, key=key, payload=payload)


def _claim(engine, holder: str, *, lease=LEASE, limit=10) -> list[jobs.Claimed]:
    with session_scope(engine) as session:
        return jobs.claim(session, holder=holder, lease=lease, limit=limit)


def test_a_key_adds_its_job_once(engine):
    assert _enqueue(engine, "event:Ev1", n=1)
    assert not _enqueue(engine, "event:Ev1", n=2)
    [job] = _claim(engine, "a")
    assert (job.key, job.payload, job.tries) == ("event:Ev1", {"n": 1}, 1)


def test_a_batch_adds_the_jobs_whose_keys_are_new_in_one_statement(engine):
    _enqueue(engine, "send:2", n=0)
    batch = [("send", f"send:{n}", {"n": n}) for n in range(5)]
    with session_scope(engine) as session:
        assert jobs.enqueue_batch(session, batch) == 4
        assert jobs.enqueue_batch(session, batch) == 0
        assert jobs.enqueue_batch(session, []) == 0
    claimed = _claim(engine, "a")
    assert sorted(j.payload["n"] for j in claimed) == [0, 0, 1, 3, 4]  # send:2 kept its first payload


def test_a_job_failed_for_good_is_queued_again_by_an_operators_rerun_only(engine):
    """A rerun of `checkin send` once the cause is fixed sends again; the tick, every minute, does not."""
    batch = [("send.prompt", "send.prompt:1:2026-W49:0", {"n": 1})]
    with session_scope(engine) as session:
        [added] = jobs.enqueue_batch_ids(session, batch)
    [job] = _claim(engine, "a")
    with session_scope(engine) as session:
        state = jobs.fail(session, job_id=job.id, holder="a", error="boom", tries=jobs.MAX_TRIES)
    assert state == jobs.FAILED
    with session_scope(engine) as session:
        assert jobs.enqueue_batch_ids(session, batch) == []  # the tick's
        assert jobs.enqueue_batch_ids(session, batch, again_if_failed=True) == [added]
        assert jobs.enqueue_batch_ids(session, batch, again_if_failed=True) == []  # queued: left as it is
    [again] = _claim(engine, "b")
    assert (again.id, again.tries) == (added, 1)


def test_a_claimed_job_is_nobody_elses_until_its_lease_runs_out(engine):
    _enqueue(engine, "one")
    [job] = _claim(engine, "a", lease=timedelta(seconds=1))
    assert _claim(engine, "b") == []
    time.sleep(1.2)  # a died: its lease runs out
    [again] = _claim(engine, "b")
    assert (again.id, again.tries) == (job.id, 2)
    with session_scope(engine) as session:
        assert not jobs.finish(session, job_id=job.id, holder="a")  # a's late finish changes nothing
        assert jobs.finish(session, job_id=job.id, holder="b")
    assert _claim(engine, "c") == []


def test_concurrent_claims_share_the_jobs_without_overlap(engine):
    for n in range(60):
        _enqueue(engine, f"j{n}")
    got: dict[str, list[int]] = {}

    def worker(name: str) -> None:
        mine = got.setdefault(name, [])
        while batch := _claim(engine, name, limit=3):
            mine.extend(job.id for job in batch)

    threads = [threading.Thread(target=worker, args=(f"w{n}",)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    ids = [i for mine in got.values() for i in mine]
    assert sorted(ids) == sorted(set(ids)) and len(ids) == 60


def test_a_failing_job_stops_after_its_tries_with_its_error_kept(engine, monkeypatch):
    monkeypatch.setattr(jobs, "BACKOFF", timedelta(0))
    _enqueue(engine, "bad")
    states = []
    for _ in range(jobs.MAX_TRIES):
        [job] = _claim(engine, "a")
        with session_scope(engine) as session:
            states.append(jobs.fail(session, job_id=job.id, holder="a", error="boom", tries=job.tries))
    assert states == [jobs.QUEUED] * (jobs.MAX_TRIES - 1) + [jobs.FAILED]
    assert _claim(engine, "a") == []
    with session_scope(engine) as session:
        [failed] = jobs.failures(session)
        lines = jobs.overview(session)
    assert (failed.error, failed.tries) == ("boom", jobs.MAX_TRIES)
    assert [(line.state, line.kind, line.count) for line in lines] == [("failed", "k", 1)]


def test_a_job_whose_worker_died_on_every_try_is_failed_not_run_again(engine):
    _enqueue(engine, "killer")
    for _ in range(jobs.MAX_TRIES):
        assert _claim(engine, "a", lease=timedelta(milliseconds=1))
        time.sleep(0.01)
    assert _claim(engine, "a") == []
    with session_scope(engine) as session:
        [dead] = jobs.reap(session)
        [failed] = jobs.failures(session)
    assert dead.key == "killer" and "stopped before finishing" in failed.error


def test_overview_says_what_waits_runs_and_is_stuck(engine):
    for key in ("q1", "q2", "r1", "s1"):
        _enqueue(engine, key, kind="slack")
    with session_scope(engine) as session:
        jobs.claim(session, holder="b", lease=LEASE, limit=1)
        jobs.claim(session, holder="a", lease=timedelta(milliseconds=1), limit=1)  # stuck: past its lease
    time.sleep(0.05)
    with session_scope(engine) as session:
        lines = {(line.state, line.kind): line.count for line in jobs.overview(session)}
        age = jobs.oldest_queued_seconds(session)
    assert lines == {("queued", "slack"): 2, ("running", "slack"): 1, ("stuck", "slack"): 1}
    assert 0 < age < 30


def test_finished_jobs_are_pruned_after_a_day(engine):
    _enqueue(engine, "done")
    [job] = _claim(engine, "a")
    with session_scope(engine) as session:
        jobs.finish(session, job_id=job.id, holder="a")
        assert jobs.prune(session, now=utcnow()) == 0
        assert jobs.prune(session, now=utcnow() + timedelta(days=2)) == 1
    assert _enqueue(engine, "done")  # its key is free again


def test_a_consumer_runs_each_job_once_and_retries_a_failure(engine, monkeypatch):
    monkeypatch.setattr(jobs, "BACKOFF", timedelta(0))
    from domain.core.services import Services

    ran: list[int] = []
    flaky = {"tries": 0}

    def flaky_once(payload):
        flaky["tries"] += 1
        if flaky["tries"] == 1:
            raise RuntimeError("transient")
        ran.append(-1)

    consumer = Consumer(
        Services(engine=engine, gateway=None), {"n": lambda p: ran.append(p["n"]), "f": flaky_once}
    )
    consumer.start()
    try:
        for n in range(20):
            _enqueue(engine, f"n{n}", kind="n", n=n)
        _enqueue(engine, "f", kind="f")
        consumer.wake()
        deadline = time.monotonic() + 10
        while len(ran) < 21 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        consumer.close()
    assert sorted(ran) == [-1, *range(20)]
    assert flaky["tries"] == 2


def test_a_worker_without_liveness_pings_gets_past_connections_the_server_dropped(engine, backend):
    """A worker's sessions take pooled connections without a round trip first: after a restart (here, the
    server dropping every connection) a job fails once on a dead one and is tried again."""
    if backend != "postgresql":
        pytest.skip("SQLite has no server to drop a connection")
    from domain.core.services import Services

    url = engine.url.render_as_string(hide_password=False)
    services = Services(engine=make_engine(url, ping=False), gateway=None)
    ran: list[int] = []

    def query(payload):
        with services.session() as session:
            session.execute(sa.text("SELECT 1"))
        ran.append(payload["n"])

    def until(n: int) -> None:
        deadline = time.monotonic() + 20
        while len(ran) < n and time.monotonic() < deadline:
            time.sleep(0.05)

    consumer = Consumer(services, {"n": query}).start()
    try:
        _enqueue(engine, "before", kind="n", n=1)
        until(1)
        with engine.connect() as conn:
            conn.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
        _enqueue(engine, "after", kind="n", n=2)
        until(2)
    finally:
        consumer.close()
        services.engine.dispose()
    assert ran == [1, 2]
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT state FROM jobs ORDER BY id")).scalars().all() == [jobs.DONE] * 2


def test_healthz_is_503_when_the_database_does_not_answer():
    engine = make_engine("postgresql://nobody@127.0.0.1:1/none")
    seen = {}
    body = b"".join(
        with_healthz(engine)(
            {"PATH_INFO": "/healthz", "REQUEST_METHOD": "GET"}, lambda status, _: seen.update(status=status)
        )
    )
    assert seen["status"].startswith("503") and json.loads(body) == {"ok": False, "database": "down"}


def test_healthz_gives_the_queue_age(tmp_path):
    from storage.db import upgrade

    url = f"sqlite:///{tmp_path / 'h.db'}"
    upgrade(url)
    engine = make_engine(url)
    _enqueue(engine, "waiting")
    time.sleep(0.05)
    seen = {}
    body = b"".join(
        with_healthz(engine)(
            {"PATH_INFO": "/healthz", "REQUEST_METHOD": "GET"}, lambda status, _: seen.update(status=status)
        )
    )
    state = json.loads(body)
    assert seen["status"].startswith("200") and state["ok"] and state["queue_age_seconds"] > 0


def test_the_daily_retention_job_prunes_finished_jobs(engine):
    from domain.core.services import Services
    from schedules.jobs import run_retention

    _enqueue(engine, "old")
    [job] = _claim(engine, "a")
    with session_scope(engine) as session:
        jobs.finish(session, job_id=job.id, holder="a")
    run_retention(Services(engine=engine, gateway=None), days=None, now=utcnow())
    assert not _enqueue(engine, "old")  # a day has not passed: its key still dedupes
    with session_scope(engine) as session:
        session.execute(sa.delete(jobs.Job).where(jobs.Job.key == "old", jobs.Job.state == jobs.QUEUED))
    run_retention(Services(engine=engine, gateway=None), days=None, now=utcnow() + timedelta(days=2))
    assert _enqueue(engine, "old")


def test_checkins_jobs_lists_what_waits_runs_and_failed(sandbox, database_url, tmp_path, monkeypatch):
    from tests.support import cli_env, run_cli

    engine = make_engine(database_url)
    monkeypatch.setattr(jobs, "BACKOFF", timedelta(0))
    for key in ("a", "b", "c"):
        _enqueue(engine, key, kind="slack")
    [job] = _claim(engine, "w", limit=1)
    for _ in range(jobs.MAX_TRIES - 1):
        with session_scope(engine) as session:
            jobs.fail(session, job_id=job.id, holder="w", error="boom", tries=job.tries)
        [job] = [j for j in _claim(engine, "w", limit=3) if j.key == "a"] or [job]
    with session_scope(engine) as session:
        jobs.fail(session, job_id=job.id, holder="w", error="Slack refused it", tries=jobs.MAX_TRIES)
    engine.dispose()

    result = run_cli(["jobs", "--failures"], cli_env(sandbox, database_url), tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split()[:3] == ["failed", "slack", "1"]
    assert any(line.split()[:3] == ["running", "slack", "2"] for line in lines)
    assert "after 5 tries: Slack refused it" in result.stdout


def test_an_erasure_deletes_the_jobs_that_name_the_person(engine):
    from storage import erasure, people
    from storage.models import Person

    _enqueue(engine, "theirs", body={"user": {"id": "U0ERASED1"}, "text": "about my week"})
    _enqueue(engine, "someone else's", body={"user": {"id": "U0OTHER01"}})
    with session_scope(engine) as session:
        person = people.save(session, person=Person(slack_user_id="U0ERASED1", email="e@x.test", name="E"))
        counts = erasure.erase_person(session, person_id=person.id)
    assert counts["jobs deleted"] == 1
    [left] = _claim(engine, "a")
    assert left.key == "someone else's"


def test_a_job_added_is_notified_to_listening_workers_and_a_repeat_is_not(engine, backend):
    if backend != "postgresql":
        return  # SQLite's workers look for work instead
    import psycopg

    url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True) as listener:
        listener.execute(f"LISTEN {jobs.NOTIFY_CHANNEL}")
        assert _enqueue(engine, "event:Ev1")
        assert len(list(listener.notifies(timeout=5, stop_after=1))) == 1
        assert not _enqueue(engine, "event:Ev1")
        assert list(listener.notifies(timeout=0.5)) == []
