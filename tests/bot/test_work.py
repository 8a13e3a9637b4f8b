"""Requests with an empty ack are acknowledged as they arrive and their listener run by the worker app;
view submissions answer with what their listener acks; work waits in a bounded queue."""

import json
import threading
import time
import urllib.parse

import pytest
import sqlalchemy as sa
from slack_bolt import App, BoltRequest
from slack_bolt.authorization import AuthorizeResult

from bot.work import GroupCommit, Handoff, WorkPool, already_acknowledged, hand_off, run
from domain.core.services import Services
from sandbox.signing import signed_headers

SECRET = "s"


def _authorize(**_):  # no Slack here: a fixed installation instead of auth.test
    return AuthorizeResult(
        enterprise_id=None, team_id="T1", bot_token="xoxb-test", bot_user_id="UBOT", bot_id="BBOT"
    )


class Recorded:
    """A Work that keeps what it is handed."""

    def __init__(self):
        self.requests: list[Handoff] = []

    def submit(self, handoff):
        self.requests.append(handoff)

    def close(self):
        pass


def _serving_app(work) -> App:
    app = App(signing_secret=SECRET, authorize=_authorize, process_before_response=False)
    app.use(hand_off(work))
    return app


def _worker_app() -> App:
    app = App(
        signing_secret=SECRET,
        authorize=_authorize,
        process_before_response=True,
        request_verification_enabled=False,
    )
    app.use(already_acknowledged())
    return app


def _request(fields: dict, *, sign: bool = True) -> BoltRequest:
    body = urllib.parse.urlencode(fields)
    headers = {"content-type": "application/x-www-form-urlencoded"}
    headers.update(signed_headers(SECRET, body.encode(), sign=sign))
    return BoltRequest(body=body, headers={k.lower(): [v] for k, v in headers.items()})


def _command(text: str = "", **kw) -> BoltRequest:
    fields = {"command": "/checkins", "text": text, "user_id": "U1", "team_id": "T1", "response_url": "x"}
    return _request(fields, **kw)


def _submission() -> BoltRequest:
    payload = {
        "type": "view_submission",
        "user": {"id": "U1"},
        "team": {"id": "T1"},
        "view": {"id": "V1", "type": "modal", "callback_id": "form", "state": {"values": {}}},
    }
    return _request({"payload": json.dumps(payload)})


def test_a_command_is_acknowledged_and_handed_off_as_parsed():
    work = Recorded()
    app = _serving_app(work)
    ran = []
    app.command("/checkins")(lambda ack: ran.append(ack()))  # never reached in the serving app

    response = app.dispatch(_command("status & more"))

    assert (response.status, response.body) == (200, "")
    assert ran == []
    [handoff] = work.requests
    assert handoff.body["text"] == "status & more"
    assert handoff.headers["x-slack-signature"]


def test_a_socket_mode_request_is_handed_off_with_its_payload():
    """Bolt keeps no raw body for a Socket Mode envelope: the hand-off carries its payload instead."""
    work = Recorded()
    app = _serving_app(work)
    payload = {"command": "/checkins", "text": "hello", "user_id": "U1", "team_id": "T1", "response_url": "x"}

    response = app.dispatch(BoltRequest(body=payload, mode="socket_mode"))

    assert (response.status, response.body) == (200, "")
    [handoff] = work.requests
    assert handoff.body == payload
    worker, seen = _worker_app(), []
    worker.command("/checkins")(lambda ack, command: (ack(), seen.append(command["text"])))
    run(worker, handoff)
    assert seen == ["hello"]


def test_a_forged_request_is_refused_and_never_handed_off():
    work = Recorded()
    assert _serving_app(work).dispatch(_command(sign=False)).status == 401
    assert work.requests == []


def test_a_view_submission_stays_and_answers_with_what_its_listener_acks():
    work = Recorded()
    app = _serving_app(work)

    @app.view("form")
    def submit(ack):
        ack(response_action="errors", errors={"field": "wrong"})

    response = app.dispatch(_submission())
    assert response.status == 200
    assert json.loads(response.body) == {"response_action": "errors", "errors": {"field": "wrong"}}
    assert work.requests == []


def test_the_worker_app_runs_the_listener_of_a_handed_off_request():
    work = Recorded()
    _serving_app(work).dispatch(_command("hello"))
    worker = _worker_app()
    seen = []
    worker.command("/checkins")(lambda ack, command: (ack(), seen.append(command["text"])))

    run(worker, work.requests[0])

    assert seen == ["hello"]


def test_an_ack_with_content_in_the_worker_is_logged_as_an_error(caplog):
    worker = _worker_app()

    @worker.command("/checkins")
    def answers_in_the_ack(ack):
        ack("this text never reaches Slack")

    work = Recorded()
    _serving_app(work).dispatch(_command())
    run(worker, work.requests[0])
    assert "ack() with content after the request was acknowledged" in caplog.text


def test_the_work_pool_makes_submitters_wait_once_its_backlog_is_full():
    pool = WorkPool(1, 1)
    release = threading.Event()
    pool.submit(release.wait, 5)  # running
    pool.submit(release.wait, 5)  # waiting: the backlog is full
    third = threading.Thread(target=pool.submit, args=(lambda: None,), daemon=True)
    third.start()
    third.join(0.2)
    assert third.is_alive()  # held back
    release.set()
    third.join(5)
    assert not third.is_alive()
    pool.shutdown(wait=True)


def test_waiting_submitters_get_their_turn_in_arrival_order():
    pool = WorkPool(1, 0)
    release = threading.Event()
    pool.submit(release.wait, 5)
    order: list[int] = []
    waiters = []
    for n in range(3):
        t = threading.Thread(target=lambda n=n: pool.submit(order.append, n), daemon=True)
        t.start()
        time.sleep(0.05)  # let each one queue before the next
        waiters.append(t)
    release.set()
    for t in waiters:
        t.join(5)
    pool.shutdown(wait=True)
    assert order == [0, 1, 2]


def _commits(engine) -> list[int]:
    """How many transactions commit on `engine`, counted as they do."""
    count = [0]
    sa.event.listen(engine, "commit", lambda _conn: count.__setitem__(0, count[0] + 1))
    return count


def _hold_the_job_table(engine):
    """Another connection holding what an insert into the job table needs, until closed."""
    conn = engine.connect()
    if engine.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")  # SQLite's one writer
    else:
        conn.execute(sa.text("LOCK TABLE jobs IN EXCLUSIVE MODE"))
    return conn


def test_acks_arriving_during_a_commit_share_the_next_one_and_each_learns_if_its_job_was_new(engine):
    commits = GroupCommit(Services(engine=engine, gateway=None))
    keys = [f"event:Ev{n % 30}" for n in range(40)]  # 10 repeated: Slack's retries
    results: dict[int, bool] = {}
    arrived = threading.Semaphore(0)

    def ack(n: int) -> None:
        arrived.release()
        results[n] = commits.add(keys[n], json.dumps({"n": n}))

    held = _hold_the_job_table(engine)
    counted = _commits(engine)
    threads = [threading.Thread(target=ack, args=(n,)) for n in range(40)]
    for thread in threads:
        thread.start()
    for _ in threads:
        arrived.acquire()
    time.sleep(0.3)  # all waiting: the first for the table, the others for its commit
    held.rollback()
    held.close()
    for thread in threads:
        thread.join(timeout=30)

    assert len(results) == 40
    assert sorted(keys[n] for n, added in results.items() if added) == sorted(set(keys))
    assert counted[0] <= 3  # the first request's commit, then the rest together (not 40)
    with engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT key, payload FROM jobs")).all()
    assert sorted(key for key, _ in stored) == sorted(set(keys))


def test_a_job_the_database_refuses_fails_its_own_request_only(engine, backend):
    if backend != "postgresql":
        pytest.skip("SQLite keeps any text in a JSON column")
    commits = GroupCommit(Services(engine=engine, gateway=None))
    results: dict[str, object] = {}

    def ack(key: str, payload: str) -> None:
        try:
            results[key] = commits.add(key, payload)
        except sa.exc.SQLAlchemyError as err:
            results[key] = err

    held = _hold_the_job_table(engine)
    threads = [threading.Thread(target=ack, args=("request:first", "{}"))]
    threads += [threading.Thread(target=ack, args=(f"request:{n}", "{}")) for n in range(5)]
    threads += [threading.Thread(target=ack, args=("request:bad", "not JSON"))]
    for thread in threads:
        thread.start()
        time.sleep(0.05)
    held.rollback()
    held.close()
    for thread in threads:
        thread.join(timeout=30)

    assert isinstance(results.pop("request:bad"), sa.exc.DataError)
    assert results == {"request:first": True, **{f"request:{n}": True for n in range(5)}}


class _Woken:
    """Consumers in this process: counts the wakes."""

    def __init__(self):
        self.wakes = 0

    def wake(self):
        self.wakes += 1

    def close(self):
        pass


def test_a_handed_off_request_wakes_the_consumers_here_and_elsewhere_once(engine, backend):
    """Elsewhere: the NOTIFY that PostgreSQL's LISTENing workers hear, sent apart from the ack's own
    transaction; SQLite's workers look for work instead. A retried event adds nothing and wakes no one."""
    from bot.work import JobWork

    here = _Woken()
    work = JobWork(Services(engine=engine, gateway=None), here)
    event = Handoff(body={"type": "event_callback", "event_id": "EvWake1", "event": {}}, headers={})
    listener = None
    if backend == "postgresql":
        import psycopg

        url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        listener = psycopg.connect(url, autocommit=True)
        listener.execute("LISTEN checkins_jobs")
    try:
        work.submit(event)
        assert here.wakes == 1
        if listener is not None:
            assert len(list(listener.notifies(timeout=5, stop_after=1))) == 1
        work.submit(event)  # Slack's retry
        assert here.wakes == 1
        if listener is not None:
            assert list(listener.notifies(timeout=0.5)) == []
    finally:
        work.close()
        if listener is not None:
            listener.close()
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM jobs WHERE key = 'event:EvWake1'")).scalar() == 1


def test_an_ack_after_the_database_dropped_the_hand_offs_connections_still_commits_its_job(engine, backend):
    """The hand-off's connections are not checked before each use (a round trip per ack): one the server
    dropped (a restart, a failover) is found dead by the insert itself, and the insert is retried once."""
    if backend != "postgresql":
        pytest.skip("SQLite has no server to drop a connection")
    from bot.work import JobWork

    work = JobWork(Services(engine=engine, gateway=None), _Woken())

    def event(n: int) -> Handoff:
        return Handoff(body={"type": "event_callback", "event_id": f"EvGone{n}", "event": {}}, headers={})

    try:
        work.submit(event(1))
        with engine.connect() as conn:  # as a restart would: every other connection to this database goes
            dropped = conn.execute(
                sa.text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            ).scalar()
        assert dropped >= 1
        work.submit(event(2))
    finally:
        work.close()
    with engine.connect() as conn:
        keys = conn.execute(sa.text("SELECT key FROM jobs ORDER BY id")).scalars().all()
    assert keys == ["event:EvGone1", "event:EvGone2"]
