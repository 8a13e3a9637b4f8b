"""Socket Mode: apps.connections.open, the WebSocket server, and a real Bolt app on SocketModeHandler.

The Bolt app here is a throwaway one defined in this file, not the project's app. It connects with
slack_sdk's built-in client, as the project's `checkins serve --socket` does.
"""

import json
import threading
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field

import pytest
from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect as ws_connect

from sandbox import Sandbox, SandboxError
from sandbox.socket_mode import MAX_CONNECTIONS

SECRET = "socket-signing-secret"
TOKEN = "xoxb-socket"
TITLE_INPUT = {
    "type": "input",
    "block_id": "title",
    "label": {"type": "plain_text", "text": "Title"},
    "element": {"type": "plain_text_input", "action_id": "title"},
}


def _wait_for(predicate, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


def _open(sb: Sandbox, token: str | None) -> dict:
    """apps.connections.open as slack_sdk sends it: the token in the Authorization header, if any."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    request = urllib.request.Request(sb.api_url + "apps.connections.open", data=b"", headers=headers)
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())


# -- apps.connections.open and the server, without Bolt ---------------------------------------------
def test_apps_connections_open_takes_only_the_app_token(sb, ana):
    answer = WebClient(base_url=sb.api_url).apps_connections_open(app_token=sb.app_token)
    assert answer["url"].startswith("ws://127.0.0.1:")
    assert "/link/?ticket=" in answer["url"] and answer["url"].endswith("&app_id=A0SANDBOX1")
    assert _open(sb, sb.bot_token)["error"] == "not_allowed_token_type"
    assert _open(sb, "xapp-1-A0SANDBOX1-wrong")["error"] == "invalid_auth"
    assert _open(sb, None)["error"] == "not_authed"
    assert [c.error for c in sb.calls_to("apps.connections.open")] == [
        None,
        "not_allowed_token_type",
        "invalid_auth",
        "not_authed",
    ]
    with pytest.raises(SlackApiError) as info:
        WebClient(base_url=sb.api_url, token=sb.app_token).chat_postMessage(channel=ana, text="hi")
    assert info.value.response["error"] == "not_allowed_token_type"
    assert sb.dm_messages(ana) == []


def test_hello_on_connect_and_a_ticket_serves_once(sb):
    url = _open(sb, sb.app_token)["url"]
    with ws_connect(url) as first:
        hello = json.loads(first.recv(timeout=5))
        assert hello["type"] == "hello" and hello["num_connections"] == 1
        assert hello["connection_info"] == {"app_id": sb.app_id}
        assert "host" in hello["debug_info"]
        sb.wait_for_socket_connections(1)
        with pytest.raises(InvalidStatus) as info:
            ws_connect(url)  # the same ticket again
        assert info.value.response.status_code == 401
        with ws_connect(_open(sb, sb.app_token)["url"]) as second:
            assert json.loads(second.recv(timeout=5))["num_connections"] == 2
            sb.wait_for_socket_connections(2)
    _wait_for(lambda: sb.socket_connections == 0)


def test_the_eleventh_connection_is_refused(sb):
    with ExitStack() as stack:
        counts = []
        for _ in range(MAX_CONNECTIONS):  # one at a time: each hello counts the ones before it
            client = stack.enter_context(ws_connect(_open(sb, sb.app_token)["url"]))
            counts.append(json.loads(client.recv(timeout=5))["num_connections"])
        assert counts == list(range(1, MAX_CONNECTIONS + 1))
        with ws_connect(_open(sb, sb.app_token)["url"]) as eleventh:
            refusal = json.loads(eleventh.recv(timeout=5))
            assert refusal["type"] == "disconnect" and refusal["reason"] == "too_many_websockets"
            with pytest.raises(ConnectionClosed):
                eleventh.recv(timeout=5)
        assert sb.socket_connections == MAX_CONNECTIONS


def test_a_disconnected_connection_gets_nothing_more_and_is_closed(ana):
    with Sandbox(bot_token=TOKEN, ack_timeout=0.5).start() as sb:
        sb.use_socket_mode()
        with ws_connect(_open(sb, sb.app_token)["url"]) as client:
            assert json.loads(client.recv(timeout=5))["type"] == "hello"
            sb.wait_for_socket_connections(1)
            assert sb.socket_disconnect("warning", close_after=0.5) == [1]
            told = json.loads(client.recv(timeout=5))
            assert told["type"] == "disconnect" and told["reason"] == "warning"
            assert sb.socket_connections == 0
            reply = sb.slash_command(sb.add_user("ana@example.com"), "/goals")
            assert reply.status == 0 and reply.connection is None
            assert any("no Socket Mode connection" in p for p in sb.problems)
            with pytest.raises(ConnectionClosed):
                client.recv(timeout=5)  # closed by the server, with no envelope before


def test_signing_tests_are_http_only(sb, ana):
    sb.use_socket_mode()
    for act in (
        lambda: sb.slash_command(ana, "/goals", sign=False),
        lambda: sb.send_dm(ana, "hi", timestamp=int(time.time())),
        lambda: sb.send_event({"type": "app_home_opened", "user": ana}, sign=False),
    ):
        with pytest.raises(SandboxError, match="HTTP only"):
            act()
    with pytest.raises(SandboxError, match="HTTP only"):
        sb.url_verification()
    with pytest.raises(SandboxError, match="transport"):
        sb.transport = "carrier-pigeon"
    assert sb.requests == []


# -- a real Bolt app on SocketModeHandler -----------------------------------------------------------
@dataclass
class BoltWorld:
    sb: Sandbox
    app: App
    ana: str
    handlers: list[SocketModeHandler] = field(default_factory=list)
    received: dict[int, list[dict]] = field(default_factory=dict)  # handler index -> envelopes it got
    messages: list[tuple[str, str | None]] = field(default_factory=list)  # (text, x-slack-retry-num)
    slow_started: threading.Event = field(default_factory=threading.Event)
    slow_may_ack: threading.Event = field(default_factory=threading.Event)

    def connect(self) -> SocketModeHandler:
        handler = SocketModeHandler(self.app, self.sb.app_token)
        index = len(self.handlers)
        self.received[index] = []
        handler.client.on_message_listeners.append(lambda raw: self.received[index].append(json.loads(raw)))
        self.handlers.append(handler)
        handler.connect()
        self.sb.wait_for_socket_connections(len(self.handlers))
        return handler

    def dm_texts(self) -> list[str]:
        return [m["text"] for m in self.sb.dm_messages(self.ana)]


@pytest.fixture
def world() -> Iterator[BoltWorld]:
    sb = Sandbox(signing_secret=SECRET, bot_token=TOKEN).start().use_socket_mode()
    listeners = ThreadPoolExecutor(max_workers=4)
    client = WebClient(base_url=sb.api_url, token=TOKEN)
    app = App(client=client, signing_secret=SECRET, listener_executor=listeners)
    w = BoltWorld(sb, app, sb.add_user(email="ana@example.com", real_name="Ana Lima"))

    @app.command("/hello")
    def hello(ack, command):
        ack(f"Hello, {command['text']}")

    @app.command("/slow")
    def slow(ack):
        w.slow_started.set()
        w.slow_may_ack.wait(5)
        ack("Done waiting")

    @app.command("/goals")
    def goals(ack, body, client):
        ack()
        client.views_open(
            trigger_id=body["trigger_id"],
            view={
                "type": "modal",
                "callback_id": "goal_new",
                "title": {"type": "plain_text", "text": "New goal"},
                "submit": {"type": "plain_text", "text": "Save"},
                "blocks": [TITLE_INPUT],
            },
        )

    @app.view("goal_new")
    def save_goal(ack, view, body, client):
        title = view["state"]["values"]["title"]["title"]["value"]
        if title == "taken":
            ack(response_action="errors", errors={"title": "You already have that goal"})
        elif title == "more":
            more = {**view, "title": {"type": "plain_text", "text": "Tell me more"}}
            more = {k: more[k] for k in ("type", "callback_id", "title", "submit", "blocks")}
            ack(response_action="update", view=more)
        else:
            ack()
            client.chat_postMessage(channel=body["user"]["id"], text=f"Saved: {title}")

    @app.action("done")
    def done(ack, respond):
        ack()
        respond(replace_original=True, text="Marked done")

    @app.event("message")
    def on_message(event, say, request):
        w.messages.append((event["text"], request.headers.get("x-slack-retry-num", [None])[0]))
        say(f"Got it: {event['text']}")

    yield w
    # A quick teardown: with auto-reconnect off, the server closing the sockets wakes the clients'
    # blocked reads (else close() waits out their 3 s socket timeout), and a None in the queue
    # wakes their message processors (else they poll for up to 1 s more).
    for handler in w.handlers:
        handler.client.auto_reconnect_enabled = False
    sb.stop()
    for handler in w.handlers:
        handler.client.closed = True
        handler.client.message_queue.put(None)
        handler.close()
    listeners.shutdown()


def test_slash_command_answered_in_the_ack_is_shown(world):
    sb = world.sb
    world.connect()
    assert [c.method for c in sb.calls] == ["auth.test", "apps.connections.open"]
    reply = sb.slash_command(world.ana, "/hello", "Ana")
    assert reply.ok and reply.json == {"text": "Hello, Ana"} and json.loads(reply.body) == reply.json
    assert reply.envelope["type"] == "slash_commands" and reply.envelope["accepts_response_payload"] is True
    assert reply.envelope["payload"] == reply.payload and reply.payload["command"] == "/hello"
    assert all(isinstance(v, str) for v in reply.payload.values())
    assert [e["text"] for e in sb.ephemerals(world.ana)] == ["Hello, Ana"]
    assert sb.requests == [reply] and sb.problems == []


def test_modal_submission_errors_update_and_close(world):
    sb, ana = world.sb, world.ana
    world.connect()
    assert sb.slash_command(ana, "/goals").ok
    _wait_for(lambda: sb.open_views(ana))
    refused = sb.submit_view(ana, {"title": "taken"})
    assert refused.envelope["type"] == "interactive" and refused.envelope["accepts_response_payload"] is True
    assert refused.json["response_action"] == "errors"
    assert sb.view_errors(ana) == {"title": "You already have that goal"}
    assert sb.submit_view(ana, {"title": "more"}).json["response_action"] == "update"
    assert sb.open_views(ana)[0]["title"]["text"] == "Tell me more"
    closed = sb.submit_view(ana, {"title": "Ship v2"})
    assert closed.ok and closed.body == "" and closed.json is None
    _wait_for(lambda: world.dm_texts() == ["Saved: Ship v2"])
    assert sb.open_views(ana) == [] and sb.problems == []


def test_block_action_is_acked_without_payload(world):
    sb, ana = world.sb, world.ana
    world.connect()
    button = {"type": "button", "text": {"type": "plain_text", "text": "Done"}, "action_id": "done"}
    world.app.client.chat_postMessage(
        channel=ana, text="Goal: Ship v2", blocks=[{"type": "actions", "elements": [button]}]
    )
    reply = sb.click(ana, "done")
    assert reply.ok and reply.body == ""
    assert reply.envelope["type"] == "interactive" and reply.envelope["accepts_response_payload"] is False
    assert reply.payload["type"] == "block_actions"
    _wait_for(lambda: world.dm_texts() == ["Marked done"])
    assert sb.problems == []


def test_event_acked_and_the_bots_own_echo_too(world):
    sb = world.sb
    sb.echo_bot_messages = True
    world.connect()
    reply = sb.send_dm(world.ana, "hello")
    assert reply.ok and reply.attempts == [reply]
    assert reply.envelope["type"] == "events_api" and reply.envelope["accepts_response_payload"] is False
    assert (reply.envelope["retry_attempt"], reply.envelope["retry_reason"]) == (0, "")
    assert reply.envelope["payload"]["type"] == "event_callback"
    _wait_for(lambda: len(sb.requests) == 2)  # a request is listed once its ack came or timed out
    [echo] = [r for r in sb.requests if r is not reply]
    assert echo.payload["event"]["bot_id"] == sb.bot_id and echo.ok  # acked; Bolt drops the bot's own post
    assert world.dm_texts() == ["hello", "Got it: hello"] and world.messages == [("hello", "0")]
    assert sb.problems == []


def test_an_event_whose_ack_is_lost_is_redelivered_on_the_other_connection(world):
    sb = world.sb
    sb.ack_timeout = 1.5
    world.connect()
    world.connect()
    sb.lose_acks(1)
    reply = sb.send_dm(world.ana, "hello")
    first, retry = reply.attempts
    assert first.timed_out and first.error == "timeout" and retry is reply and retry.ok
    assert (retry.envelope["retry_attempt"], retry.envelope["retry_reason"]) == (1, "timeout")
    assert retry.envelope["envelope_id"] != first.envelope["envelope_id"]
    assert retry.payload["event_id"] == first.payload["event_id"]
    assert first.connection != retry.connection
    got = {
        i: [e["retry_attempt"] for e in envs if e.get("type") == "events_api"]
        for i, envs in world.received.items()
    }
    assert sorted(got.values()) == [[0], [1]]  # one delivery on each connection
    _wait_for(lambda: len(world.messages) == 2)
    assert world.messages == [("hello", "0"), ("hello", "1")]  # Bolt does not drop retries itself
    assert sb.problems == []


@pytest.mark.parametrize("reason", ["refresh_requested", "warning"])
def test_disconnect_the_client_reconnects_and_nothing_is_lost(world, reason):
    sb = world.sb
    world.connect()
    before = sb.send_dm(world.ana, "before")
    assert sb.socket_disconnect(reason) == [before.connection]
    after = sb.send_dm(world.ana, "after")  # waits for the new connection
    # slack_sdk's client cannot ack while it waits out a read on the old socket (up to 3 s):
    # the first delivery may time out, and the retry then goes through.
    assert after.ok and before.connection not in [a.connection for a in after.attempts]
    assert len(sb.calls_to("apps.connections.open")) == 2
    _wait_for(lambda: "Got it: after" in world.dm_texts())
    assert [text for text, _ in world.messages if text == "before"] == ["before"]
    assert sb.problems == []


def test_an_ack_sent_on_the_new_connection_counts(world):
    sb = world.sb
    handler = world.connect()
    replies = []
    thread = threading.Thread(target=lambda: replies.append(sb.slash_command(world.ana, "/slow")))
    thread.start()
    assert world.slow_started.wait(5)
    old = handler.client.current_session
    sb.socket_disconnect("refresh_requested", close_after=0.3)
    sb.wait_for_socket_connections(1)
    _wait_for(lambda: handler.client.current_session is not old and not old.is_active())
    world.slow_may_ack.set()  # the old socket is closed: the ack can only go out on the new one
    thread.join(10)
    [reply] = replies
    assert reply.ok and reply.json == {"text": "Done waiting"}
    assert [e["text"] for e in sb.ephemerals(world.ana)] == ["Done waiting"]
    assert sb.problems == []
