"""Job consumers: claim jobs from the database and run them, in worker processes or in this one.

A consumer claims as many jobs as it has free threads, renews their leases while they run, and marks each
done, or failed for another try. It is woken at once by a hand-off in its own process, by LISTEN/NOTIFY on
PostgreSQL, and otherwise polls (SQLite). The serving process supervises its worker processes: one that dies
is replaced, and its jobs are claimed again once their lease runs out; SIGTERM lets them finish what they run.
"""

import contextlib
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from multiprocessing.connection import Connection
from typing import Any

from bot import logs
from domain.core.services import Services
from storage import jobs

log = logging.getLogger(__name__)

# Threads per consumer: CPU-bound Python shares one GIL, so more would not do more work; a few keep one job
# waiting on Slack or the database from holding up the others.
THREADS = 4
# How often a consumer looks for work nobody told it about: SQLite has no NOTIFY, so it is its only news of
# another process's jobs (a cheap read); PostgreSQL's NOTIFY makes polling a fallback.
POLL_SQLITE = 0.05
POLL_POSTGRES = 1.0

Runner = Callable[[dict[str, Any]], object]


class Consumer:
    """Runs jobs of the kinds in `runners` (kind -> function of the job's payload) on `threads` threads.
    `only_runners`: claims no job of another kind (the CLI's fan-outs leave the rest to the workers); else
    such a job fails here, said so. `claim_batch`: see below."""

    def __init__(
        self,
        services: Services,
        runners: dict[str, Runner],
        *,
        threads: int = THREADS,
        lease: timedelta = jobs.DEFAULT_LEASE,
        only_runners: bool = False,
        claim_batch: int = 1,
    ):
        self.services, self.runners, self.lease = services, runners, lease
        self._kinds = sorted(runners) if only_runners else None
        # While jobs keep coming, claim once this many threads are free: a claim is a write, and a fan-out
        # of thousands claimed one at a time spends a write per job on it
        self._claim_batch = claim_batch
        self._threads = threads
        self._postgres = services.engine.dialect.name == "postgresql"
        self._poll = POLL_POSTGRES if self._postgres else POLL_SQLITE
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="checkins-job")
        self._running: set[int] = set()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._freed = threading.Event()
        self._stopping = threading.Event()
        self._done = threading.Event()  # once the running jobs have finished: no more leases to renew
        self._loops: list[threading.Thread] = []

    def start(self) -> "Consumer":
        loops = [self._claim_loop, self._renew_loop] + ([self._listen_loop] if self._postgres else [])
        for target in loops:
            thread = threading.Thread(target=target, name=f"checkins-{target.__name__[1:]}", daemon=True)
            thread.start()
            self._loops.append(thread)
        return self

    def wake(self) -> None:
        self._wake.set()

    # -- claiming --------------------------------------------------------------------------------------------
    def _claim_loop(self) -> None:
        last_reap = 0.0
        more = False  # the last claim took all it could: more are likely waiting, no read needed first
        while not self._stopping.is_set():
            free = self._threads - len(self._running)
            if free <= 0 or (more and free < self._claim_batch):
                self._freed.wait(0.5)
                self._freed.clear()
                continue
            woken = self._wake.is_set()
            self._wake.clear()  # before the claim: a wake after it is not lost
            try:
                if time.monotonic() - last_reap > self.lease.total_seconds() / 2:
                    last_reap = time.monotonic()
                    self._reap()
                claimed = self._claim(free, look_first=not (woken or more))
                more = len(claimed) == free
            except Exception as err:  # one line, not a stack each second; the loop must outlive any error
                log.error("could not claim jobs (%s); trying again", type(err).__name__)
                claimed = []
                self._stopping.wait(1.0)
            for job in claimed:
                with self._lock:
                    self._running.add(job.id)
                self._pool.submit(self._run, job, busy=len(claimed) == free)
            if not claimed:
                self._wake.wait(self._poll)

    def _claim(self, limit: int, *, look_first: bool) -> list[jobs.Claimed]:
        """`look_first`: not told of a new job, so a read first (the claim is a write)."""
        if look_first:
            with self.services.session() as session:
                if not jobs.any_runnable(session, kinds=self._kinds):
                    return []
        with self.services.session() as session:
            return jobs.claim(
                session, holder=self.services.holder, lease=self.lease, limit=limit, kinds=self._kinds
            )

    def _reap(self) -> None:
        with self.services.session() as session:
            dead = jobs.reap(session)
        for job in dead:
            log.error("job %s (%s, %s) failed for good: its worker stopped before finishing, %d times",
                      job.id, job.kind, job.key, job.tries)  # fmt: skip

    # -- running -------------------------------------------------------------------------------------------
    def _run(self, job: jobs.Claimed, *, busy: bool = False) -> None:
        """The job; when the queue is `busy` (the claim got all it asked for), then the next one, claimed in
        the transaction that finishes it, and so on while there are any: a fan-out's job costs one write
        instead of a look, a claim and a finish."""
        following: jobs.Claimed | None = job
        try:
            while following is not None:
                following = self._run_one(following, chain=busy)
        finally:
            self._freed.set()  # a thread is free: look for more at once

    def _run_one(self, job: jobs.Claimed, *, chain: bool) -> jobs.Claimed | None:
        holder = self.services.holder
        following: list[jobs.Claimed] = []
        try:
            runner = self.runners.get(job.kind)
            if runner is None:
                raise LookupError(f"no runner for jobs of kind {job.kind!r} here")
            with jobs.running(job):  # the send ledger names this run of the job in its claims
                runner(job.payload)
        except Exception as err:  # recorded on the job, tried again or failed for good
            error = f"{type(err).__name__}: {err}"
            with self.services.session() as session:
                state = jobs.fail(session, job_id=job.id, holder=holder, error=error, tries=job.tries)
            # The log names the error's type only: its text may quote a person. The whole error stays on the
            # job, for `checkins jobs --failures`, and goes with the job (pruned, or erased with the person).
            if state == jobs.FAILED:
                log.error("job %s (%s, %s) failed for good after %d tries: %s",
                          job.id, job.kind, job.key, job.tries, type(err).__name__)  # fmt: skip
            else:
                log.warning(
                    "job %s (%s) failed on try %d, tried again: %s",
                    job.id,
                    job.kind,
                    job.tries,
                    type(err).__name__,
                )
        else:
            with self.services.session() as session:
                if not jobs.finish(session, job_id=job.id, holder=holder):
                    log.warning("job %s (%s) ran past its lease and was taken over", job.id, job.kind)
                claimed = []
                if chain and not self._stopping.is_set():
                    claimed = jobs.claim(session, holder=holder, lease=self.lease, limit=1, kinds=self._kinds)
            following = claimed  # once committed
        finally:
            with self._lock:
                self._running.discard(job.id)
                self._running.update(j.id for j in following)
        return following[0] if following else None

    def _renew_loop(self) -> None:
        while not self._done.wait(self.lease.total_seconds() / 3):
            with self._lock:
                ids = list(self._running)
            try:
                with self.services.session() as session:
                    jobs.extend(session, ids=ids, holder=self.services.holder, lease=self.lease)
            except Exception as err:
                log.error("could not renew the leases of running jobs (%s)", type(err).__name__)

    def _listen_loop(self) -> None:
        """PostgreSQL: a connection of its own, LISTENing for new jobs."""
        import psycopg

        url = self.services.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        while not self._stopping.is_set():
            try:
                with psycopg.connect(url, autocommit=True) as conn:
                    conn.execute(f"LISTEN {jobs.NOTIFY_CHANNEL}")
                    while not self._stopping.is_set():
                        for _ in conn.notifies(timeout=0.5):
                            self._wake.set()
            except psycopg.Error as err:
                log.warning("LISTEN for jobs failed (%s); polling meanwhile", err)
                self._stopping.wait(2.0)

    # -- stopping ------------------------------------------------------------------------------------------
    def idle(self) -> bool:
        """Nothing running here and nothing runnable in the database."""
        if self._running:
            return False
        with self.services.session() as session:
            return not jobs.any_runnable(session, kinds=self._kinds)

    def close(self, *, finish_queued: float = 0.0) -> None:
        """Stops claiming and lets running jobs finish. `finish_queued` seconds: first run what is queued
        (tests, and one process that stops alone)."""
        deadline = time.monotonic() + finish_queued
        while finish_queued and time.monotonic() < deadline and not self.idle():
            self._wake.set()
            time.sleep(0.02)
        self._stopping.set()
        self._wake.set()
        self._freed.set()
        for thread in self._loops[:1]:  # the claim loop: nothing new starts
            thread.join(timeout=30)
        self._pool.shutdown(wait=True)
        self._done.set()
        for thread in self._loops[1:]:
            thread.join(timeout=5)


class InProcess:
    """A consumer in this process (tests, `--workers 0`): the same code, in threads."""

    def __init__(self, consumer: Consumer, *, finish_queued: float = 10.0):
        self.consumer, self._finish_queued = consumer.start(), finish_queued

    def wake(self) -> None:
        self.consumer.wake()

    def close(self) -> None:
        self.consumer.close(finish_queued=self._finish_queued)


# -- worker processes ------------------------------------------------------------------------------------
WORKER_NICENESS = 10
START_TIMEOUT = 120.0  # seconds for a worker process to import and build its app
STOP_TIMEOUT = 30.0  # seconds for a worker to finish the jobs it runs when the server stops
READY = b"ready"
DRAIN_SECONDS = 10.0  # at SIGTERM, for what is queued


def _worker_main(build: Callable[[], Consumer], ready: Connection, log_level: int) -> None:
    """A worker process: a consumer until SIGTERM or SIGINT, then it runs what is queued (for a while: with
    no other replica, it would wait for the next start) and finishes what it runs."""
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    logs.configure(
        verbose=log_level <= logging.DEBUG, default=logging.getLevelName(log_level)
    )  # LOG_FORMAT too
    consumer = build().start()
    # Acks have a deadline and the work after them none so pressing: when the CPU is short, the serving
    # process goes first.
    os.nice(WORKER_NICENESS)
    ready.send_bytes(READY)
    ready.close()
    stop.wait()
    consumer.close(finish_queued=DRAIN_SECONDS)


class WorkerStartError(Exception):
    pass


class WorkerProcesses:
    """`processes` consumers in processes of their own, each built by `build` (picklable: it runs in a fresh
    interpreter). A worker that dies is replaced within a second; the jobs it held are claimed again once
    their lease runs out."""

    def __init__(self, build: Callable[[], Consumer], *, processes: int, lease: timedelta):
        self._build, self._lease = build, lease
        self._context = multiprocessing.get_context("spawn")
        self._stopping = threading.Event()
        self.processes = [self._spawn() for _ in range(processes)]
        self._watch: threading.Thread | None = None

    def _spawn(self) -> multiprocessing.process.BaseProcess:
        reader, writer = self._context.Pipe(duplex=False)
        process = self._context.Process(
            target=_worker_main,
            args=(self._build, writer, logging.getLogger().getEffectiveLevel()),
            name="checkins-worker",
        )
        process.start()
        writer.close()
        process.ready = reader  # type: ignore[attr-defined]
        return process

    @staticmethod
    def _wait_ready(process: multiprocessing.process.BaseProcess) -> None:
        ready: Connection = process.ready  # type: ignore[attr-defined]
        try:
            if ready.poll(START_TIMEOUT) and ready.recv_bytes() == READY:
                return
        except (EOFError, OSError):
            raise WorkerStartError(
                f"a worker process failed to start (exit status {process.exitcode})"
            ) from None
        finally:
            ready.close()
        raise WorkerStartError("a worker process did not start in time")

    def start(self) -> "WorkerProcesses":
        for process in self.processes:
            self._wait_ready(process)
        self._watch = threading.Thread(target=self._supervise, name="checkins-workers", daemon=True)
        self._watch.start()
        return self

    def _supervise(self) -> None:
        while not self._stopping.wait(0.5):
            for index, process in enumerate(self.processes):
                if process.is_alive() or self._stopping.is_set():
                    continue
                process.join(timeout=1)
                log.error(
                    "worker process %s ended (exit status %s): the jobs it ran are claimed again within %ss;"
                    " starting another",
                    process.pid,
                    process.exitcode,
                    int(self._lease.total_seconds()),
                )
                self.processes[index] = self._spawn()

    def wake(self) -> None:
        """The workers hear of new jobs from the database."""

    def close(self) -> None:
        self._stopping.set()
        if self._watch:
            self._watch.join(timeout=5)
        for process in self.processes:
            with contextlib.suppress(ProcessLookupError, ValueError):
                process.terminate()  # SIGTERM: finish what it runs
        for process in self.processes:
            process.join(timeout=STOP_TIMEOUT)
            if process.is_alive():
                log.error("worker process %s did not finish in time: stopped", process.pid)
                process.kill()
