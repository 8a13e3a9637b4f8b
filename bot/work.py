"""Where listeners run once Slack has its ack.

Slash commands, block actions, shortcuts, closed views and events always get an empty ack. The serving app
acknowledges them as they arrive and hands the request to a worker app, which runs the listener: in
worker processes under `checkins serve` (their own interpreters, so listener work never holds the GIL the
acks need), or in threads of this process (tests, `--workers 0`). View submissions and options requests
answer with what their listener computes, so they stay with the serving app.

Work is bounded: past `backlog` waiting requests the next ack waits for room (in arrival order in threads;
in worker processes, in whatever order the waiting request threads get the pipe), so under sustained
overload acks slow to the pace of the work instead of memory growing without end.
"""

import contextlib
import fcntl
import itertools
import logging
import multiprocessing
import os
import pickle
import signal
import sys
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any, Protocol

from slack_bolt import Ack, App, BoltRequest, BoltResponse
from slack_bolt.request.payload_utils import (
    is_block_actions,
    is_event,
    is_shortcut,
    is_slash_command,
    is_view_closed,
)

log = logging.getLogger(__name__)

Headers = dict[str, list[str]]

# Requests that may wait for a listener: about 10 s of work at the 300-400 requests/s the workers do on a
# 2-core machine (bench/README.md); beyond it acks wait for room. A trigger_id (to open a modal) expires 3 s
# after the click, so a click served that late is told to try again (handlers/errors.py).
BACKLOG = 3000
# Listener threads per worker: CPU-bound Python shares one GIL, so more would not do more work; a few keep
# one listener waiting on Slack or the database from holding up the others.
THREADS = 4


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
        return cls(body=req.body, headers=req.headers)

    def request(self) -> BoltRequest:
        # Bolt takes an already parsed body only in its Socket Mode form; the worker app verifies no
        # signature (the serving app did), so nothing else differs for a request that came over HTTP.
        return BoltRequest(body=self.body, headers=self.headers, mode="socket_mode")


class Work(Protocol):
    def submit(self, handoff: Handoff) -> None: ...

    def close(self) -> None: ...


def hand_off(work: Work) -> Callable[..., Any]:
    """Serving app middleware: after Bolt's own (signature, authorization), a request with an empty ack is
    answered here and its listener left to the worker app."""

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


def run(app: App, handoff: Handoff) -> None:
    """Runs a handed-off request's listener to its end (the worker app processes before responding)."""
    response = app.dispatch(handoff.request())
    if response.status != 200:
        log.warning("a handed-off request ended with status %s: %s", response.status, response.body)


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


class ThreadWork:
    """Listeners in threads of this process, on a worker app built here."""

    def __init__(self, app: App, *, threads: int = THREADS, backlog: int = BACKLOG):
        self.app = app
        self._pool = WorkPool(threads, backlog)

    def submit(self, handoff: Handoff) -> None:
        self._pool.submit(run, self.app, handoff)

    def close(self) -> None:
        self._pool.shutdown(wait=True)


# -- worker processes ------------------------------------------------------------------------------------
WORKER_NICENESS = 10
START_TIMEOUT = 120.0  # seconds for a worker process to import and build its app
STOP_TIMEOUT = 30.0  # seconds for a worker to finish what it holds when the server stops
READY = b"ready"
PIPE_BYTES = 1 << 20  # Linux's default limit for a pipe's buffer (/proc/sys/fs/pipe-max-size)


def _worker_main(
    build: Callable[[], App], conn: Connection, ready: Connection, backlog: int, log_level: int
) -> None:
    """A worker process: reads requests from its pipe into its own threads until the pipe closes."""
    # The server stops its workers by closing their pipes, after its own last ack: signals sent to the
    # whole group (Ctrl-C, a service manager's SIGTERM) would drop the work they hold.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    logging.basicConfig(level=log_level, format="%(asctime)s %(levelname)s %(name)s[worker]: %(message)s")
    # Once its backlog is full, this worker stops reading: its pipe fills, and the server's next hand-off
    # to it waits.
    work = ThreadWork(build(), backlog=backlog)
    # Acks have a deadline and the work after them none so pressing: when the CPU is short, the serving
    # process goes first (once this one has started, at the usual priority).
    os.nice(WORKER_NICENESS)
    ready.send_bytes(READY)
    ready.close()
    # The thread reading the pipe waits for the GIL behind the listeners: a short switch interval lets it
    # in soon, so the pipe does not fill while there is room in the backlog.
    sys.setswitchinterval(0.0005)
    try:
        while True:
            try:
                handoff = pickle.loads(conn.recv_bytes())
            except EOFError:
                return
            work.submit(handoff)
    finally:
        work.close()


class WorkerStartError(Exception):
    pass


class _Worker:
    def __init__(self, process: multiprocessing.process.BaseProcess, conn: Connection, ready: Connection):
        self.process, self.conn, self.ready = process, conn, ready

    def close(self) -> None:
        self.conn.close()
        self.ready.close()


class ProcessWork:
    """Listeners in `processes` worker processes, each with its own threads (listeners wait on Slack and
    the database too) and its own worker app built by `build` (picklable: it runs in a fresh interpreter).

    The serving process writes each request straight into a worker's pipe from the request's own thread:
    ProcessPoolExecutor's hand-offs between its own threads cost the acks a GIL wait each (p99 x2 of a bare
    app's in bench/ack_latency.py). A worker that dies is replaced at the next hand-off to it; the requests
    it held are lost and logged, as they would be if the whole app died."""

    def __init__(self, build: Callable[[], App], *, processes: int, backlog: int = BACKLOG):
        self._build, self._backlog = build, max(1, backlog // processes)
        self._context = multiprocessing.get_context("spawn")
        self._workers = [self._spawn() for _ in range(processes)]
        # One request at a time on each worker's pipe; the lock outlives a worker that is replaced.
        self._locks = [threading.Lock() for _ in range(processes)]
        self._next = itertools.count()

    def _spawn(self) -> _Worker:
        requests_reader, requests_writer = self._context.Pipe(duplex=False)
        ready_reader, ready_writer = self._context.Pipe(duplex=False)
        with contextlib.suppress(OSError):  # room for bursts: the worker reads when it gets the CPU
            fcntl.fcntl(requests_writer.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)
        process = self._context.Process(
            target=_worker_main,
            args=(
                self._build,
                requests_reader,
                ready_writer,
                self._backlog,
                logging.getLogger().getEffectiveLevel(),
            ),
            name="checkins-worker",
        )
        process.start()
        requests_reader.close()  # the worker's ends: its death then shows here as a broken pipe
        ready_writer.close()
        return _Worker(process, requests_writer, ready_reader)

    @staticmethod
    def _wait_ready(worker: _Worker) -> None:
        try:
            if worker.ready.poll(START_TIMEOUT) and worker.ready.recv_bytes() == READY:
                return
        except (EOFError, OSError):
            raise WorkerStartError(
                f"a worker process failed to start (exit status {worker.process.exitcode})"
            ) from None
        raise WorkerStartError("a worker process did not start in time")

    def start(self) -> "ProcessWork":
        """Waits until every worker has built its app (else the first clicks would wait for it)."""
        for worker in self._workers:
            self._wait_ready(worker)
        return self

    def submit(self, handoff: Handoff) -> None:
        data = pickle.dumps(handoff)
        index = next(self._next) % len(self._workers)
        with self._locks[index]:
            try:
                self._workers[index].conn.send_bytes(data)
                return
            except OSError:  # its reader is gone
                dead = self._workers[index]
                dead.close()
                dead.process.join(timeout=1)
                log.error(
                    "worker process %s ended (exit status %s): the requests it held are lost; starting"
                    " another",
                    dead.process.pid,
                    dead.process.exitcode,
                )
                worker = self._workers[index] = self._spawn()
            # Into its pipe at once, without waiting for it to start: it reads the request when it is ready.
            worker.conn.send_bytes(data)

    def close(self) -> None:
        """Lets the workers finish what they hold."""
        for lock, worker in zip(self._locks, self._workers, strict=True):
            with lock:
                worker.close()
        for worker in self._workers:
            worker.process.join(timeout=STOP_TIMEOUT)
            if worker.process.is_alive():
                log.error("worker process %s did not finish in time: stopped", worker.process.pid)
                worker.process.kill()
