"""Fixtures for testing the sandbox on its own: the sandbox, a WebClient on it, and a stand-in app.

The stand-in app (`Receiver`) is a tiny werkzeug server that checks Slack signatures with slack_sdk's
SignatureVerifier (answering 401 like Bolt when they fail), records every request, and answers
with whatever the test's `respond` function returns.
"""

import json
import threading
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from sandbox import Sandbox

SECRET = "test-signing-secret"
TOKEN = "xoxb-sandbox-test"


@dataclass
class Received:
    kind: str  # "command" | "interaction" | "event" | "rejected"
    payload: Any
    headers: dict
    raw: bytes


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


class Receiver:
    def __init__(self, secret: str):
        self.verifier = SignatureVerifier(secret)
        self.requests: list[Received] = []
        self.respond: Callable[[Received], Any] = lambda r: None
        self._lock = threading.Lock()
        self._server = make_server("127.0.0.1", 0, self.wsgi, threaded=True, request_handler=_Quiet)
        self.url = f"http://127.0.0.1:{self._server.server_port}/slack/events"
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.01,), daemon=True)
        self._thread.start()

    def wsgi(self, environ, start_response):
        request = Request(environ)
        raw = request.get_data()
        headers = dict(request.headers.items())
        if not self.verifier.is_valid_request(raw, headers):
            with self._lock:
                self.requests.append(Received("rejected", None, headers, raw))
            response = Response(json.dumps({"error": "invalid request"}), status=401)
            return response(environ, start_response)
        if request.mimetype == "application/json":
            kind, payload = "event", json.loads(raw)
        else:
            form = dict(urllib.parse.parse_qsl(raw.decode(), keep_blank_values=True))
            if "payload" in form:
                kind, payload = "interaction", json.loads(form["payload"])
            else:
                kind, payload = "command", form
        received = Received(kind, payload, headers, raw)
        with self._lock:
            self.requests.append(received)
        result = self.respond(received)
        if isinstance(result, Response):
            response = result
        elif isinstance(result, dict):
            response = Response(json.dumps(result), content_type="application/json")
        elif isinstance(result, str):
            response = Response(result, content_type="text/plain")
        else:
            response = Response("", status=200)
        return response(environ, start_response)

    def of_kind(self, kind: str) -> list[Received]:
        with self._lock:
            return [r for r in self.requests if r.kind == kind]

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    sandbox = Sandbox(signing_secret=SECRET, bot_token=TOKEN).start()
    yield sandbox
    sandbox.stop()


@pytest.fixture
def client(sb: Sandbox) -> WebClient:
    return WebClient(base_url=sb.api_url, token=TOKEN)


@pytest.fixture
def app(sb: Sandbox) -> Iterator[Receiver]:
    receiver = Receiver(SECRET)
    sb.set_app_url(receiver.url)
    yield receiver
    receiver.stop()


@pytest.fixture
def ana(sb: Sandbox) -> str:
    return sb.add_user(email="ana@example.com", real_name="Ana Lima", name="ana", tz="America/Sao_Paulo")


@pytest.fixture
def bob(sb: Sandbox) -> str:
    return sb.add_user(email="bob@example.com", real_name="Bob Stone", name="bob", tz="Europe/Berlin")
