"""Requests whose ack is always empty are acknowledged before their listener runs; the listeners' work
pool is bounded."""

import json
import threading
import time
import urllib.parse

from slack_bolt import App, BoltRequest
from slack_bolt.authorization import AuthorizeResult

from bot.app import WorkPool
from bot.middleware import acknowledge_first


def _app() -> App:
    app = App(
        signing_secret="s",
        request_verification_enabled=False,
        # no Slack here: a fixed installation instead of auth.test
        authorize=lambda **_: AuthorizeResult(
            enterprise_id=None, team_id="T1", bot_token="xoxb-test", bot_user_id="UBOT", bot_id="BBOT"
        ),
        process_before_response=False,
        listener_executor=WorkPool(2, 4),
    )
    app.use(acknowledge_first())
    return app


def _command(text: str = "") -> BoltRequest:
    body = urllib.parse.urlencode(
        {"command": "/checkins", "text": text, "user_id": "U1", "team_id": "T1", "response_url": "x"}
    )
    return BoltRequest(body=body, headers={"content-type": ["application/x-www-form-urlencoded"]})


def _submission() -> BoltRequest:
    payload = {
        "type": "view_submission",
        "user": {"id": "U1"},
        "team": {"id": "T1"},
        "view": {"id": "V1", "type": "modal", "callback_id": "form", "state": {"values": {}}},
    }
    body = urllib.parse.urlencode({"payload": json.dumps(payload)})
    return BoltRequest(body=body, headers={"content-type": ["application/x-www-form-urlencoded"]})


def test_a_command_is_acknowledged_while_its_listener_waits_for_a_thread():
    app = _app()
    release, ran = threading.Event(), threading.Event()

    @app.command("/checkins")
    def slow(ack, command):
        ack()
        release.wait(5)
        ran.set()

    busy = [app.dispatch(_command()) for _ in range(2)]  # both listener threads now wait
    started = time.monotonic()
    response = app.dispatch(_command())
    assert response.status == 200 and response.body == ""
    assert time.monotonic() - started < 0.5  # not the 10 ms poll, nor a wait for a listener thread
    assert all(r.status == 200 for r in busy) and not ran.is_set()
    release.set()
    assert ran.wait(5)


def test_a_view_submission_still_answers_with_what_its_listener_acks():
    app = _app()

    @app.view("form")
    def submit(ack):
        ack(response_action="errors", errors={"field": "wrong"})

    response = app.dispatch(_submission())
    assert response.status == 200
    assert json.loads(response.body) == {"response_action": "errors", "errors": {"field": "wrong"}}


def test_an_unhandled_command_is_still_refused():
    assert _app().dispatch(_command()).status == 404


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


def test_an_ack_with_content_after_the_early_ack_is_logged_as_an_error(caplog):
    app = _app()
    done = threading.Event()

    @app.command("/checkins")
    def answers_in_the_ack(ack):
        ack("this text never reaches Slack")
        done.set()

    response = app.dispatch(_command())
    assert response.status == 200 and response.body == ""
    assert done.wait(5)
    time.sleep(0.05)
    assert "ack() with content after the request was acknowledged" in caplog.text
