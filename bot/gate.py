"""POST /slack/events: what Slack sends, checked before Bolt sees it.

Bolt parses a request's body before checking its signature, and raises on a body it cannot read: anyone
could fill the log with 500s and their tracebacks. Here a request is refused first, with a 4xx and at most
a short log line, unless it fits in memory (413), is signed by Slack (401: slack_sdk's SignatureVerifier,
Slack's rules: both headers, at most 5 minutes off, the HMAC of the raw body), and parses into a request
the app handles with every field it reads in shape (400, bot/shapes.py). Bolt then dispatches it, parsed
once: a second parse would cost an ack as much again as Bolt's whole work for a click.
"""

import json
import logging
import re
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, NoReturn
from urllib.parse import parse_qsl

from slack_bolt import App, BoltRequest
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_bolt.adapter.wsgi.http_response import WsgiHttpResponse
from slack_sdk.signature import SignatureVerifier

from bot import shapes

log = logging.getLogger(__name__)

# Slack's largest requests (a 250 kB view with its inputs' state, URL-encoded) are well under this: a
# larger body gets a 413, unread. Waitress buffers a body before the app sees it: past SPOOL_MAX it stops
# reading and closes the connection (its default is 1 GiB).
MAX_BODY = 8 * 1024 * 1024
SPOOL_MAX = 64 * 1024 * 1024
# Requests anyone can send are logged at WARNING once a minute at most, the rest at DEBUG.
QUIET_SECONDS = 60.0

_TIMESTAMP = re.compile(r"[0-9]{1,20}")


class _Refusal(Exception):
    def __init__(self, status: str, error: str, reason: str):
        super().__init__(reason)
        self.status, self.error, self.reason = status, error, reason


class _Throttled:
    """One WARNING per period at most, saying how many were refused since the last; DEBUG for the rest."""

    def __init__(self, every: float = QUIET_SECONDS):
        self.every = every
        self._lock = threading.Lock()
        self._next = 0.0
        self._since = 0

    def __call__(self, reason: str) -> None:
        with self._lock:
            now = time.monotonic()
            loud = now >= self._next
            if loud:
                self._next, since, self._since = now + self.every, self._since, 0
            else:
                self._since += 1
        if loud:
            log.warning("refused a request: %s (%d more refused since the last such line)", reason, since)
        else:
            log.debug("refused a request: %s", reason)


class Gate:
    """The WSGI handler of `path`, before Bolt; any other request goes to Bolt's own handler (a 404)."""

    def __init__(self, app: App, signing_secret: str, *, path: str):
        self.app, self.path = app, path
        self._bolt = SlackRequestHandler(app, path=path)
        self._verifier = SignatureVerifier(signing_secret)
        self._unverified = _Throttled()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != "POST" or environ.get("PATH_INFO") != self.path:
            return self._bolt(environ, start_response)
        try:
            request = self._check(environ)
        except _Refusal as refusal:
            body = json.dumps({"error": refusal.error}).encode()
            headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
            start_response(refusal.status, headers)
            return [body]
        answer = self.app.dispatch(request)
        response = WsgiHttpResponse(status=answer.status, headers=answer.headers, body=answer.body)
        start_response(response.status, response.get_headers())
        return response.get_body()

    def _check(self, environ: dict[str, Any]) -> BoltRequest:
        length = _length(environ.get("CONTENT_LENGTH"))
        if length is None:
            self._refuse_unverified("400 Bad Request", "malformed request", "unreadable Content-Length")
        if length > MAX_BODY:
            self._refuse_unverified("413 Request Entity Too Large", "request too large", "body too large")
        raw = environ["wsgi.input"].read(length) if length else b""
        timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP") or ""
        signature = environ.get("HTTP_X_SLACK_SIGNATURE") or ""
        if not (_TIMESTAMP.fullmatch(timestamp) and signature):
            self._refuse_unverified("401 Unauthorized", "invalid request", "no Slack signature")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:  # never Slack's, and the verifier reads text
            self._refuse_unverified("400 Bad Request", "malformed request", "the body is not UTF-8")
        if not self._verifier.is_valid(text, timestamp, signature):
            self._refuse_unverified("401 Unauthorized", "invalid request", "bad or stale Slack signature")
        wsgi = WsgiHttpRequest(environ)
        headers = wsgi.get_headers()
        content_type = str(headers.get("content-type") or "").split(";")[0] or None
        try:
            body = parse_body(text, content_type)
        except (ValueError, RecursionError):
            problem: str | None = "the body is neither a form nor JSON (or nests too deep)"
        else:
            problem = shapes.problem(body)
        if problem is not None:
            log.warning("refused a signed request: %s", problem)
            raise _Refusal("400 Bad Request", "malformed request", problem)
        # Bolt takes a parsed body only as Socket Mode's; the request is then what Bolt would have made of it
        # over HTTP: its raw body (which Bolt's own check verifies again) and its mode.
        request = BoltRequest(body=body, query=wsgi.query_string, headers=headers, mode="socket_mode")
        request.raw_body, request.mode = text, "http"
        return request

    def _refuse_unverified(self, status: str, error: str, reason: str) -> NoReturn:
        self._unverified(reason)
        raise _Refusal(status, error, reason)


def parse_body(text: str, content_type: str | None) -> Any:
    """A request's body as Slack means it: JSON (events), an interaction's `payload=` JSON, or a slash
    command's form. Bolt's own parse takes any form that mentions "payload" for an interaction, so
    `/feedback help with the payload` would lose its fields; here only a form whose field is `payload` is."""
    if not text:
        return {}
    if content_type == "application/json" or text.startswith("{"):
        return json.loads(text)
    fields = dict(parse_qsl(text, keep_blank_values=True))
    if "payload" in fields and "command" not in fields:
        return json.loads(fields["payload"])
    return fields


def _length(header: str | None) -> int | None:
    """CONTENT_LENGTH as a number of bytes (0 when absent); None when unreadable."""
    if not header:
        return 0
    return int(header) if header.isascii() and header.isdigit() else None
