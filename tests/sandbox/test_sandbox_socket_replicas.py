"""Socket Mode with several connections, as several replicas of an app hold them: envelopes spread over
every open connection, and an event that one connection never acknowledged (it dropped, or it hung) sent
again on another. The clients here are bare WebSockets, each one replica's connection."""

import json
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import ExitStack

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection
from websockets.sync.client import connect as ws_connect

from sandbox import Sandbox

ACK_TIMEOUT = 0.5


def _wait_for(predicate, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


class Replica:
    """One connection. `mode`: "ack" acknowledges every envelope, "drop" closes the connection as it
    receives one (a process killed before its ack), "hang" stays open and never acknowledges."""

    def __init__(self, sb: Sandbox, mode: str, stack: ExitStack):
        self.mode = mode
        self.envelopes: list[dict] = []
        request = urllib.request.Request(
            sb.api_url + "apps.connections.open",
            data=b"",
            headers={"Authorization": f"Bearer {sb.app_token}"},
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            url = json.loads(response.read())["url"]
        self.ws: ClientConnection = stack.enter_context(ws_connect(url))
        assert json.loads(self.ws.recv(timeout=5))["type"] == "hello"
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            for raw in self.ws:
                envelope = json.loads(raw)
                if "envelope_id" not in envelope:
                    continue
                self.envelopes.append(envelope)
                if self.mode == "drop":
                    self.ws.close()
                    return
                if self.mode == "ack":
                    self.ws.send(json.dumps({"envelope_id": envelope["envelope_id"]}))
        except ConnectionClosed:
            pass


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    sb = Sandbox(bot_token="xoxb-replicas", ack_timeout=ACK_TIMEOUT).start().use_socket_mode()
    yield sb
    sb.stop()


@pytest.fixture
def connect(sandbox) -> Iterator[Callable[..., list[Replica]]]:
    """connect(*modes): a replica per mode, connected in order (the first envelope goes to the first)."""
    with ExitStack() as stack:

        def replicas(*modes: str) -> list[Replica]:
            made = []
            for mode in modes:
                made.append(Replica(sandbox, mode, stack))
                sandbox.wait_for_socket_connections(len(made))
            return made

        yield replicas


def test_envelopes_are_spread_over_every_open_connection(sandbox, connect):
    ana = sandbox.add_user(email="ana@example.com")
    replicas = connect("ack", "ack", "ack")
    replies = [sandbox.send_dm(ana, f"message {n}") for n in range(9)]
    assert all(r.ok and r.attempts == [r] for r in replies)
    assert [len(r.envelopes) for r in replicas] == [3, 3, 3]
    assert len({r.connection for r in replies}) == 3


def test_an_event_on_a_connection_that_drops_is_sent_again_on_another(sandbox, connect):
    ana = sandbox.add_user(email="ana@example.com")
    dropped, *others = connect("drop", "ack", "ack")
    reply = sandbox.send_dm(ana, "hello")
    first, retry = reply.attempts
    assert first.timed_out and first.connection == 1 and not first.ok
    assert retry is reply and retry.ok and retry.connection in (2, 3)
    assert (retry.envelope["retry_attempt"], retry.envelope["retry_reason"]) == (1, "timeout")
    assert retry.payload["event_id"] == first.payload["event_id"]
    assert retry.envelope["envelope_id"] != first.envelope["envelope_id"]
    assert [len(r.envelopes) for r in (dropped, *others)] in ([1, 1, 0], [1, 0, 1])
    assert sandbox.socket_connections == 2  # the dropped one is gone
    assert sandbox.problems == []


def test_a_retry_skips_the_connection_that_did_not_ack(sandbox, connect):
    """Round-robin alone would send the retry back to the hung connection: another request took the turn
    of the other one meanwhile."""
    ana = sandbox.add_user(email="ana@example.com")
    hung, acking = connect("hang", "ack")
    replies = []
    thread = threading.Thread(target=lambda: replies.append(sandbox.send_dm(ana, "first")))
    thread.start()
    _wait_for(lambda: hung.envelopes)
    other = sandbox.send_dm(ana, "meanwhile")
    thread.join(5)
    [reply] = replies
    assert other.ok and other.connection == 2
    assert reply.ok and [a.connection for a in reply.attempts] == [1, 2]
    assert [e["payload"]["event"]["text"] for e in acking.envelopes] == ["meanwhile", "first"]
    assert len(hung.envelopes) == 1


def test_an_event_goes_back_to_a_connection_that_did_not_ack_when_it_is_the_only_one(sandbox, connect):
    ana = sandbox.add_user(email="ana@example.com")
    [hung] = connect("hang")
    reply = sandbox.send_dm(ana, "hello")
    assert not reply.ok and [a.connection for a in reply.attempts] == [1, 1, 1, 1]
    assert len(hung.envelopes) == 4
    assert any("never acknowledged" in p for p in sandbox.problems)


def test_a_command_on_a_connection_that_drops_is_not_sent_again(sandbox, connect):
    """Slack retries events only: a command whose connection dropped before its ack fails for the person."""
    ana = sandbox.add_user(email="ana@example.com")
    dropped, *others = connect("drop", "ack")
    reply = sandbox.slash_command(ana, "/checkins", "status")
    assert reply.timed_out and reply.error == "operation_timeout" and reply.connection == 1
    assert [len(r.envelopes) for r in (dropped, *others)] == [1, 0]
    assert [s.text for s in sandbox.seen(ana)] == ['/checkins failed with the error "operation_timeout"']
