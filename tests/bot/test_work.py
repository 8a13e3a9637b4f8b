"""Requests with an empty ack are acknowledged as they arrive and their listener run by the worker app;
view submissions answer with what their listener acks; work waits in a bounded queue."""

import json
import threading
import time
import urllib.parse

from slack_bolt import App, BoltRequest
from slack_bolt.authorization import AuthorizeResult

from bot.work import Handoff, WorkPool, already_acknowledged, hand_off, run
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
