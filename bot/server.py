"""The HTTP server: Slack's requests on POST /slack/events, and GET /healthz for load balancers."""

import json
import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any

import sqlalchemy as sa
import waitress

from bot.app import Runtime
from bot.gate import SPOOL_MAX, Gate
from storage import jobs
from storage.db import ping, session_scope

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"

WSGI = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def _not_found(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    start_response("404 Not Found", [("Content-Type", "text/plain"), ("Content-Length", "9")])
    return [b"not found"]


def health(engine: sa.Engine) -> dict[str, Any]:
    """Whether the database answers, and how long the oldest job has waited for a worker."""
    if not ping(engine):
        return {"ok": False, "database": "down"}
    try:
        with session_scope(engine) as session:
            return {
                "ok": True,
                "database": "up",
                "queue_age_seconds": round(jobs.oldest_queued_seconds(session), 1),
            }
    except sa.exc.SQLAlchemyError:  # no job table (a database not migrated yet, the bench's bare app)
        return {"ok": True, "database": "up"}


def with_healthz(engine: sa.Engine, inner: WSGI = _not_found) -> WSGI:
    """`GET /healthz` answers 200 while the database answers (503 otherwise), with the queue's age; the
    rest goes to `inner`."""

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz" and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            state = health(engine)
            up = state["ok"]
            body = json.dumps(state).encode()
            status = "200 OK" if up else "503 Service Unavailable"
            start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        return inner(environ, start_response)

    return application


def wsgi_app(runtime: Runtime) -> WSGI:
    """`POST /slack/events` for everything Slack sends; `GET /healthz` while the database answers."""
    gate = Gate(runtime.app, runtime.settings.slack_signing_secret, path=EVENTS_PATH)
    return with_healthz(runtime.services.engine, gate)


# Request threads: an ack takes well under a millisecond of CPU, so more threads only queue for the GIL
# (8 rather than 16 cut the closed-loop p99 by a fifth in bench/ack_latency.py); view submissions hold one
# each while their listener validates.
THREADS = 8


class HttpServer:
    """Waitress serving the app; `port=0` picks a free port (tests, the demo)."""

    def __init__(
        self,
        runtime: Runtime,
        *,
        host: str = "0.0.0.0",
        port: int = 3000,
        threads: int = THREADS,
        slack_requests: bool = True,
    ):
        """`slack_requests=False` serves /healthz alone (Socket Mode takes Slack's requests elsewhere)."""
        self.runtime = runtime
        application = wsgi_app(runtime) if slack_requests else with_healthz(runtime.services.engine)
        self._paths = f"POST {EVENTS_PATH}, GET /healthz" if slack_requests else "GET /healthz"
        self._server = waitress.create_server(
            application,
            host=host,
            port=port,
            threads=threads,
            ident="checkins",
            channel_timeout=30,
            max_request_body_size=SPOOL_MAX,
        )
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    @property
    def port(self) -> int:
        return self._server.effective_port  # type: ignore[union-attr]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def serve_forever(self) -> None:
        """Waitress's own loop, polled in short rounds so that stop() ends it from any thread or signal:
        closing its sockets from outside while it waits in select() breaks it."""
        log.info("checkins listening on port %s (%s)", self.port, self._paths)
        server = self._server
        try:
            while not self._stopping.is_set():
                server.asyncore.loop(timeout=0.2, map=server._map, use_poll=True, count=1)
        finally:
            server.close()
            server.task_dispatcher.shutdown()

    def start(self) -> "HttpServer":
        self._thread = threading.Thread(target=self.serve_forever, name="checkins-http", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()

    def close(self) -> None:
        self.stop()
        if self._thread:
            self._thread.join(timeout=5)
