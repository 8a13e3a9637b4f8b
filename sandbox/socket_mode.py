"""Slack's side of Socket Mode: the WebSocket server an app reaches with a ticket from apps.connections.open.

Envelopes go out, acks come back. Each new connection first gets `hello`; envelopes go round-robin to the
open connections that were not told to disconnect (Slack: "each payload may be sent to any of the
connections"); an ack counts on any open connection of the app (slack_sdk's built-in client sends every
ack on its newest connection). An event sent again after no ack came (its connection dropped, or the app
was too slow) goes to another open connection than the ones that did not ack it, where there is one:
several replicas each holding a connection, one killed mid-burst, lose only what they never acked. At most
10 connections are open at once, as Slack allows per app: the 11th gets `disconnect` / `too_many_websockets`
and is closed.
"""

import json
import logging
import secrets
import threading
import time
import urllib.parse
import uuid
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import Server, ServerConnection, serve

from sandbox.errors import SandboxError

log = logging.getLogger(__name__)

MAX_CONNECTIONS = 10  # per app
TICKET_TTL = 30.0  # seconds a URL from apps.connections.open stays usable (Slack's figure is not published)
DISCONNECT_REASONS = ("warning", "refresh_requested", "link_disabled")
# Seconds between a `disconnect` and the server closing that connection, by reason.
CLOSE_AFTER = {"warning": 10.0, "refresh_requested": 1.0, "link_disabled": 0.0}
DEBUG_INFO = {"host": "applink-sandbox", "build_number": 1, "approximate_connection_time": 18060}
ENVELOPE_TYPES = {"commands": "slash_commands", "interactivity": "interactive", "events": "events_api"}


def envelope_for(kind: str, payload: Any, retry: tuple[int, str | None] | None = None) -> dict:
    """The envelope carrying what HTTP would POST: command fields, interaction JSON or event_callback.
    `retry` = (attempt, reason) for an event sent again; the reason defaults to "timeout"."""
    envelope_type = ENVELOPE_TYPES[kind]
    # The ack may carry an answer only where Slack reads one: a command's message, a response_action.
    accepts = envelope_type == "slash_commands" or (
        isinstance(payload, dict) and payload.get("type") == "view_submission"
    )
    envelope: dict[str, Any] = {
        "envelope_id": str(uuid.uuid4()),
        "type": envelope_type,
        "accepts_response_payload": accepts,
        "payload": payload,
    }
    if envelope_type == "events_api":
        envelope["retry_attempt"], envelope["retry_reason"] = (
            (retry[0], retry[1] or "timeout") if retry else (0, "")
        )
    return envelope


@dataclass
class Delivery:
    """What became of one envelope."""

    acked: bool = False
    payload: Any = None  # the ack's "payload", if it had one
    elapsed: float = 0.0  # seconds from sending to the ack
    connection: int | None = None
    error: str | None = None  # "timeout" (no ack in time) or "no_socket_connection"


@dataclass
class _Connection:
    id: int
    ws: ServerConnection
    ready: bool = False  # hello sent
    draining: bool = False  # told to disconnect: no new envelope goes to it


class _Pending:
    def __init__(self) -> None:
        self.done = threading.Event()
        self.payload: Any = None


class SocketModeServer:
    def __init__(self, app_id: str, host: str = "127.0.0.1"):
        self.app_id, self.host = app_id, host
        self.port = 0
        self._cond = threading.Condition()
        self._tickets: dict[str, float] = {}  # ticket -> expiry (monotonic)
        self._conns: dict[int, _Connection] = {}
        self._next_id = 1
        self._turn = 0
        self._pending: dict[str, _Pending] = {}  # envelope_id -> its ack, once it comes
        self._acks_to_lose = 0
        self._timers: list[threading.Timer] = []
        self._server: Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ------------------------------------------------------------------------------
    def start(self) -> None:
        self._server = serve(
            self._handle,
            self.host,
            0,
            process_request=self._check_ticket,
            compression=None,
            close_timeout=1,
            logger=log,
        )
        self.port = self._server.socket.getsockname()[1]
        # Daemon, as the HTTP server's: its connection threads inherit that and never hold up exit.
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="slack-sandbox-socket", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        with self._cond:
            timers, self._timers = self._timers, []
            conns = list(self._conns.values())
        for timer in timers:
            timer.cancel()
        for conn in conns:
            conn.ws.close()
        if self._server is not None:
            self._server.shutdown()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    # -- tickets (apps.connections.open) --------------------------------------------------------
    def issue_url(self) -> str:
        ticket = secrets.token_hex(16)
        with self._cond:
            now = time.monotonic()
            self._tickets = {t: exp for t, exp in self._tickets.items() if exp > now}
            self._tickets[ticket] = now + TICKET_TTL
        return f"ws://{self.host}:{self.port}/link/?ticket={ticket}&app_id={self.app_id}"

    def _check_ticket(self, connection: ServerConnection, request: Any) -> Any:
        """Refuse the handshake unless it brings a fresh, unused ticket."""
        url = urllib.parse.urlsplit(request.path)
        ticket = urllib.parse.parse_qs(url.query).get("ticket", [""])[0]
        with self._cond:
            expires = self._tickets.pop(ticket, None)
        if url.path.rstrip("/") != "/link" or expires is None or expires < time.monotonic():
            return connection.respond(HTTPStatus.UNAUTHORIZED, "invalid ticket\n")
        return None

    # -- connections ----------------------------------------------------------------------------
    def _handle(self, ws: ServerConnection) -> None:
        with self._cond:
            conn = None
            if len(self._conns) < MAX_CONNECTIONS:
                conn = _Connection(self._next_id, ws)
                self._next_id += 1
                self._conns[conn.id] = conn
            count = len(self._conns)
        if conn is None:
            self._send(ws, {"type": "disconnect", "reason": "too_many_websockets", "debug_info": DEBUG_INFO})
            ws.close()
            return
        try:
            hello = {
                "type": "hello",
                "num_connections": count,
                "debug_info": DEBUG_INFO,
                "connection_info": {"app_id": self.app_id},
            }
            ws.send(json.dumps(hello))
            with self._cond:
                conn.ready = True
                self._cond.notify_all()
            for raw in ws:  # websockets answers the client's pings itself
                self._on_message(raw)
        except ConnectionClosed:
            pass
        finally:
            with self._cond:
                self._conns.pop(conn.id, None)
                self._cond.notify_all()

    def _on_message(self, raw: str | bytes) -> None:
        try:
            message = json.loads(raw)
        except ValueError:
            return
        if not isinstance(message, dict) or "envelope_id" not in message:
            return
        with self._cond:
            if self._acks_to_lose > 0:
                self._acks_to_lose -= 1  # lost in transit
                return
            pending = self._pending.get(message["envelope_id"])
            if pending is not None and not pending.done.is_set():
                pending.payload = message.get("payload")
                pending.done.set()

    @staticmethod
    def _send(ws: ServerConnection, message: dict) -> bool:
        try:
            ws.send(json.dumps(message))
            return True
        except ConnectionClosed:
            return False

    def _usable(self) -> list[_Connection]:
        return [c for c in self._conns.values() if c.ready and not c.draining]

    @property
    def usable(self) -> int:
        """Open connections that receive envelopes (not those told to disconnect)."""
        with self._cond:
            return len(self._usable())

    def wait_for(self, count: int, timeout: float) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: len(self._usable()) >= count, timeout)

    # -- envelopes ------------------------------------------------------------------------------
    def deliver(self, envelope: dict, ack_timeout: float, avoid: frozenset[int] = frozenset()) -> Delivery:
        """Send to the next open connection (waiting up to ack_timeout for one), then wait for the ack.
        `avoid`: connections that did not ack this request before, passed over while another is open."""
        pending = _Pending()
        with self._cond:
            self._pending[envelope["envelope_id"]] = pending
        try:
            conn = self._send_to_next(envelope, time.monotonic() + ack_timeout, avoid)
            if conn is None:
                return Delivery(error="no_socket_connection")
            sent = time.monotonic()
            acked = pending.done.wait(ack_timeout)
            return Delivery(
                acked=acked,
                payload=pending.payload if acked else None,
                elapsed=time.monotonic() - sent,
                connection=conn.id,
                error=None if acked else "timeout",
            )
        finally:
            with self._cond:
                self._pending.pop(envelope["envelope_id"], None)

    def _send_to_next(self, envelope: dict, deadline: float, avoid: frozenset[int]) -> _Connection | None:
        text = json.dumps(envelope)
        while True:
            with self._cond:
                self._cond.wait_for(self._usable, max(0.0, deadline - time.monotonic()))
                usable = self._usable()
                if not usable:
                    return None
                usable = [c for c in usable if c.id not in avoid] or usable
                conn = usable[self._turn % len(usable)]
                self._turn += 1
            try:
                conn.ws.send(text)
                return conn
            except ConnectionClosed:
                with self._cond:
                    conn.draining = True  # closing under us: try another

    # -- test knobs -----------------------------------------------------------------------------
    def lose_acks(self, count: int) -> None:
        with self._cond:
            self._acks_to_lose += count

    def disconnect(self, reason: str, connection: int | None, close_after: float | None) -> list[int]:
        """Tell connections to go away; no envelope goes to them after this, and they close later."""
        if reason not in DISCONNECT_REASONS:
            raise SandboxError(f"disconnect reason must be one of {DISCONNECT_REASONS}, not {reason!r}")
        delay = CLOSE_AFTER[reason] if close_after is None else close_after
        with self._cond:
            targets = [c for c in self._conns.values() if connection in (None, c.id)]
            if connection is not None and not targets:
                raise SandboxError(f"no open Socket Mode connection {connection}")
            for conn in targets:
                conn.draining = True
        message = {"type": "disconnect", "reason": reason, "debug_info": {"host": DEBUG_INFO["host"]}}
        for conn in targets:
            if self._send(conn.ws, message):
                timer = threading.Timer(delay, conn.ws.close)
                timer.daemon = True
                with self._cond:
                    self._timers = [t for t in self._timers if t.is_alive()] + [timer]
                timer.start()
        return [c.id for c in targets]
