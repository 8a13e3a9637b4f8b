"""Socket Mode: apps.connections.open and the WebSocket server."""

import json
import time
import urllib.request
from contextlib import ExitStack

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect as ws_connect

from sandbox import Sandbox
from sandbox.socket_mode import MAX_CONNECTIONS


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
