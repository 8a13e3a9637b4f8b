"""Where listeners run once Slack has its ack.

Slash commands, block actions, shortcuts, closed views and events always get an empty ack. The serving app
commits each such request as a job in the database (storage/jobs.py) and only then acknowledges it, so a
process that dies after the ack loses nothing: a consumer (bot/consumer.py), in a worker process or in a
thread of this one (tests, `--workers 0`), claims the job and runs its listener on the worker app. View
submissions and options requests answer with what their listener computes, so they stay with the serving app.
"""

import logging
import threading
import uuid
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol

import sqlalchemy as sa
from slack_bolt import Ack, App, BoltRequest, BoltResponse
from slack_bolt.request.payload_utils import (
    is_block_actions,
    is_event,
    is_shortcut,
    is_slash_command,
    is_view_closed,
)
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from domain.core import bounds
from domain.core.services import Services
from storage import jobs
from storage.db import make_engine

log = logging.getLogger(__name__)

Headers = dict[str, list[str]]

# The job kind of a handed-off Slack request.
SLACK_REQUEST = "slack"


def handed_off(body: dict[str, Any]) -> bool:
    """Whether a request's ack is always empty, so its listener may run after the ack, elsewhere."""
    return (
        is_slash_command(body)
        or is_block_actions(body)
        or is_shortcut(body)
        or is_view_closed(body)
        or is_event(body)
    )


@dataclass(frozen=True)
class Handoff:
    """What a worker app needs to run a request's listener: the request as the serving app parsed it (its
    body was checked there, and parsing it again would cost the worker as much as Bolt's whole work), and
    its headers (Slack's retry headers)."""

    body: dict[str, Any]
    headers: Headers

    @classmethod
    def of(cls, req: BoltRequest) -> "Handoff":
        # req.body, not its raw text: Bolt keeps no raw body for a Socket Mode envelope.
        return cls(body=req.body, headers=req.headers)

    @property
    def key(self) -> str:
        """An event's own id, so a retry (to this replica or another) adds nothing; any other request is
        sent once by Slack and gets an id of its own."""
        event_id = self.body.get("event_id") if self.body.get("type") == "event_callback" else None
        return f"event:{event_id}" if event_id else f"request:{uuid.uuid4().hex}"

    def payload(self) -> dict[str, Any]:
        return {"body": self.body, "headers": self.headers}

    def payload_json(self) -> str:
        """The payload as JSON text without what the databases refuse (NUL, lone surrogates): the worker
        app's clean_payload() cleans the body again before any listener reads it."""
        return bounds.clean_json(self.payload())

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> "Handoff":
        return cls(body=payload["body"], headers=payload["headers"])

    def request(self) -> BoltRequest:
        # Bolt takes an already parsed body only in its Socket Mode form; the worker app verifies no
        # signature (the serving app did), so nothing else differs for a request that came over HTTP.
        return BoltRequest(body=self.body, headers=self.headers, mode="socket_mode")


class Work(Protocol):
    def submit(self, handoff: Handoff) -> None: ...

    def close(self) -> None: ...


def hand_off(work: Work) -> Callable[..., Any]:
    """Serving app middleware: after Bolt's own (signature, authorization), a request with an empty ack is
    handed to `work` (committed as a job: a database that does not answer fails the request, and Slack
    sends it again) and only then answered here; its listener is left to the worker app."""

    def middleware(req: BoltRequest, body: dict[str, Any], next: Callable[[], None]) -> BoltResponse | None:
        if handed_off(body):
            work.submit(Handoff.of(req))
            return BoltResponse(status=200, body="")
        next()
        return None

    return middleware


class _SentAck(Ack):
    """A handed-off request was acknowledged before its listener ran: the listener's ack() changes nothing
    Slack sees, so one that tries to answer with content is a bug, and said so in the log."""

    def __call__(self, text: str | dict = "", **kwargs: Any) -> BoltResponse:  # type: ignore[override]
        if text or any(v is not None for v in kwargs.values()):
            log.error("ack() with content after the request was acknowledged: not sent to Slack")
        return self.response  # type: ignore[return-value]


def already_acknowledged() -> Callable[..., Any]:
    """Worker app middleware: every request it sees has had its ack."""

    def middleware(context: dict[str, Any], next: Callable[[], None]) -> None:
        ack = _SentAck()
        ack.response = BoltResponse(status=200, body="")
        context["ack"] = ack
        next()

    return middleware


class ListenerFailed(Exception):
    """A handed-off request's listener raised: its job is tried again, a few times."""


def run(app: App, handoff: Handoff) -> None:
    """Runs a handed-off request's listener to its end (the worker app processes before responding)."""
    response = app.dispatch(handoff.request())
    if response.status >= 500:
        # The status only: a response's body may quote what a person wrote, and logs keep no personal data.
        raise ListenerFailed(f"status {response.status}")
    if response.status != 200:
        log.warning("a handed-off request ended with status %s", response.status)


class Slots:
    """A counting semaphore that serves waiters in arrival order: a freed slot goes straight to the
    longest waiter (threading.Semaphore lets a newcomer take it first, so some acks waited much longer)."""

    def __init__(self, count: int):
        self._free = count
        self._lock = threading.Lock()
        self._waiters: deque[threading.Lock] = deque()

    def acquire(self) -> None:
        with self._lock:
            if self._free and not self._waiters:
                self._free -= 1
                return
            waiter = threading.Lock()
            waiter.acquire()
            self._waiters.append(waiter)
        waiter.acquire()  # until release() hands this waiter a slot

    def release(self) -> None:
        with self._lock:
            if self._waiters:
                self._waiters.popleft().release()
            else:
                self._free += 1


class WorkPool(ThreadPoolExecutor):
    """A thread pool with a bounded queue: `workers` threads and at most `backlog` jobs waiting; past that,
    submit() waits for a slot, first come, first served."""

    def __init__(self, workers: int, backlog: int):
        super().__init__(max_workers=workers, thread_name_prefix="checkins-listener")
        self._slots = Slots(workers + backlog)

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        self._slots.acquire()
        try:
            future = super().submit(fn, *args, **kwargs)
        except BaseException:
            self._slots.release()
            raise
        future.add_done_callback(lambda _: self._slots.release())
        return future


class Consumers(Protocol):
    """Whoever runs the jobs: a consumer in this process, or worker processes."""

    def wake(self) -> None: ...

    def close(self) -> None: ...


class _Waiting:
    """One request's job waiting for the commit that takes it."""

    def __init__(self, key: str, payload: str):
        self.key, self.payload = key, payload
        self.done = threading.Event()
        self.leads = False  # told to commit the next batch itself
        self.added: bool | None = None
        self.error: BaseException | None = None


class GroupCommit:
    """Commits jobs together: requests that arrive while a commit is under way are committed in the next
    one, by the first of them, which then hands the lead to the first of those arriving meanwhile. Each ack
    still waits for the commit of its own job; under load one commit serves many acks, where one each kept
    them queueing for SQLite's single writer. (PostgreSQL takes concurrent transactions, and merges their
    flushes to disk itself: there each request commits its own, see JobWork.)"""

    def __init__(self, services: Services):
        self.services = services
        self._lock = threading.Lock()
        self._queue: list[_Waiting] = []
        self._committing = False

    def add(self, key: str, payload: str) -> bool:
        """Whether the job was added (False: one with this key exists); once committed."""
        me = _Waiting(key, payload)
        with self._lock:
            self._queue.append(me)
            me.leads = not self._committing
            self._committing = True
        if not me.leads:
            me.done.wait()  # committed, or told to lead the next batch (which holds this job)
        if me.leads:
            self._commit_next()
        if me.error is not None:
            raise me.error
        assert me.added is not None
        return me.added

    def _commit_next(self) -> None:
        with self._lock:
            batch, self._queue = self._queue, []
        try:
            self._commit(batch)
        finally:
            with self._lock:
                if self._queue:
                    self._queue[0].leads = True
                    self._queue[0].done.set()
                else:
                    self._committing = False
            for waiting in batch:
                waiting.done.set()

    def _commit(self, batch: list[_Waiting]) -> None:
        try:
            added = self._write(batch)
        except Exception as err:  # the requests fail (a 500: Slack sends them again)
            if len(batch) > 1 and isinstance(err, SQLAlchemyError):
                for waiting in batch:  # each alone: one the database refuses fails only its own request
                    self._commit([waiting])
            else:
                for waiting in batch:
                    waiting.error = err
            return
        for waiting, was_added in zip(batch, added, strict=True):
            waiting.added = was_added

    def _write(self, batch: list[_Waiting]) -> list[bool]:
        engine = self.services.engine
        new = [(SLACK_REQUEST, waiting.key, waiting.payload) for waiting in batch]
        with engine.begin() as conn:  # a connection: an ORM session costs CPU
            return jobs.enqueue_many(conn, new)


class Notifier:
    """PostgreSQL: tells the consumers of other processes that jobs were added, after the acks and apart from
    them. A NOTIFY in each ack's transaction made the acks commit one at a time, each waiting for the disk
    (jobs.notify); here one thread sends one NOTIFY for whatever was added since its last."""

    def __init__(self, services: Services):
        self.services = services
        self._pending = threading.Event()
        self._stopping = False
        self._thread = threading.Thread(target=self._loop, name="checkins-notify", daemon=True)
        self._thread.start()

    def added(self) -> None:
        self._pending.set()

    def _loop(self) -> None:
        while not self._stopping:
            self._pending.wait()
            self._pending.clear()  # before the NOTIFY: a job added during it gets the next
            try:
                with self.services.engine.begin() as conn:
                    jobs.notify(conn)
            except Exception as err:  # the consumers poll meanwhile; this thread goes on
                log.warning("could not notify the consumers of new jobs: %s", type(err).__name__)

    def close(self) -> None:
        """After a last NOTIFY, whether or not one was pending: the acks' jobs are told of."""
        self._stopping = True
        self._pending.set()
        self._thread.join(timeout=5)


def handoff_engine(engine: sa.Engine) -> sa.Engine:
    url = engine.url.render_as_string(hide_password=False)
    return make_engine(url, ping=False)


class JobWork:
    """The hand-off: each request committed as a job before its ack (on SQLite with those arriving
    meanwhile), then the consumers here woken (those elsewhere hear of it from the database: a NOTIFY sent
    apart on PostgreSQL, polling on SQLite)."""

    def __init__(self, services: Services, consumers: Consumers):
        self.services = services
        self.consumers = consumers
        sqlite = services.engine.dialect.name == "sqlite"
        self._commits = GroupCommit(services) if sqlite else None
        self._notifier = None if sqlite else Notifier(services)
        # PostgreSQL: connections of its own, used without the pool's liveness check (a round trip before
        # each ack's); one found dead (the server restarted) is retried once on a new connection.
        self._engine = None if sqlite else handoff_engine(services.engine)

    def submit(self, handoff: Handoff) -> None:
        key = handoff.key  # a new one at each look for a request that is not an event
        payload = handoff.payload_json()
        added = self._commits.add(key, payload) if self._commits is not None else self._enqueue(key, payload)
        if added:
            self.consumers.wake()
            if self._notifier is not None:
                self._notifier.added()
        else:
            log.info("dropping repeated request %s: its job exists", key)

    def _enqueue(self, key: str, payload: str) -> bool:
        assert self._engine is not None
        for last in (False, True):
            try:
                with self._engine.begin() as conn:  # a connection: an ORM session costs the ack CPU
                    return jobs.enqueue(conn, kind=SLACK_REQUEST, key=key, payload=payload, notify=False)
            except DBAPIError as err:
                if last or not err.connection_invalidated:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
        if self._notifier is not None:
            self._notifier.close()
        self.consumers.close()
