"""Socket Mode: Slack's requests arrive over one outbound WebSocket, so no public URL or TLS proxy is needed.

The requests go through the same serving app as over HTTP (acknowledged at once, their listeners handed to
the workers; a view submission's answer rides back in the ack's payload). `GET /healthz` is still served on
PORT, so an orchestrator can probe the process.
"""

import contextlib
import logging
import socket
import threading

from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.builtin import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from bot import shapes
from bot.app import Runtime
from bot.server import HttpServer
from bot.settings import SettingRefused

log = logging.getLogger(__name__)

# Envelopes handled at once: each only waits for the serving app's ack (a view submission for its listener).
THREADS = 8


class _CheckedHandler(SocketModeHandler):
    """Bolt's handler, after the check an HTTP request gets at the gate (bot/gate.py): a payload the app
    cannot read is acknowledged (so Slack does not send it again) and said so in one line."""

    def handle(self, client: SocketModeClient, req: SocketModeRequest) -> None:  # type: ignore[override]
        problem = shapes.problem(req.payload)
        if problem is None:
            super().handle(client, req)
            return
        log.warning("refused a Socket Mode %s envelope: %s", req.type, problem)
        client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))


class SocketModeServer:
    """The app on a Socket Mode connection, with /healthz on `port`; stop() ends serve_forever()."""

    def __init__(self, runtime: Runtime, app_token: str, *, host: str = "0.0.0.0", port: int = 3000):
        self.runtime = runtime
        self.health = HttpServer(runtime, host=host, port=port, slack_requests=False)  # a port in use: first
        self.handler = _CheckedHandler(runtime.app, app_token, concurrency=THREADS)
        self._stopping = threading.Event()

    @property
    def port(self) -> int:
        return self.health.port

    @property
    def url(self) -> str:
        return self.health.url

    def connect(self) -> None:
        """Opens the connection, or raises SettingRefused with Slack's answer to the token."""
        client = self.handler.client
        try:  # asked here rather than inside the client, which logs the refusal as an error before raising
            client.wss_uri = client.web_client.apps_connections_open(app_token=client.app_token)["url"]
        except SlackApiError as err:
            code = err.response.get("error") or f"HTTP {err.response.status_code}"
            raise SettingRefused(
                f"Slack refused SLACK_APP_TOKEN ({code}): Socket Mode needs an app-level token (xapp-...)"
                " with the connections:write scope"
            ) from None
        except OSError as err:
            raise SettingRefused(f"cannot reach Slack at SLACK_API_URL for Socket Mode: {err}") from None
        client.connect()
        log.info("checkins connected to Slack over Socket Mode (GET /healthz on port %s)", self.port)

    def start(self) -> "SocketModeServer":
        self.connect()
        self.health.start()
        return self

    def serve_forever(self) -> None:
        try:
            self.start()
            while not self._stopping.wait(0.2):  # short waits: a signal handler's stop() is seen at once
                pass
        finally:
            self.close()

    def stop(self) -> None:
        self._stopping.set()

    def close(self) -> None:
        """No new envelopes: what was acknowledged is already with the workers, which drain it."""
        self.stop()
        _wake_waiters(self.handler.client)
        self.handler.close()
        self.health.close()


def _wake_waiters(client: SocketModeClient) -> None:
    """slack_sdk's close joins threads that wait for data: the receiver holds the socket's lock in a read of
    up to 3 s, the message processor waits on its queue for up to 1 s. Ending both waits first makes a close
    (a SIGTERM's drain, every test's teardown) take milliseconds instead of seconds."""
    client.auto_reconnect_enabled = False  # a socket shut down here is not a lost connection to replace
    client.closed = True  # what the processor checks after its wait; close() sets both too
    client.message_queue.put(None)  # a None message is skipped by the processor
    sock = getattr(client.current_session, "sock", None)
    if sock is None:
        return
    with contextlib.suppress(OSError):  # already closed: nothing is waiting on it
        sock.shutdown(socket.SHUT_RDWR)
