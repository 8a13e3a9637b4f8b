"""One writer at a time on a SQLite file, across this machine's processes, queued without SQLite's busy wait.

SQLite has one writer. A connection that finds the write lock taken sleeps in growing steps (1, 2, 5, 10 ...
up to 100 ms) before it looks again, so under a steady stream of short writes from several processes a
writer that is unlucky a few times waits hundreds of milliseconds for a lock free most of the time: with
`checkins serve`'s workers writing, the serving process's hand-off (the commit before an ack) waited 330 ms
at p99 for a 1.4 ms write. Here a connection takes a gate before its transaction's first write and gives it
back when the transaction ends: threads of a process queue on a lock, processes on an advisory file lock
(`<database>-writer.lock`) looked at every millisecond at most. SQLite's own busy wait stays behind it, for
writers outside the app (the sqlite3 shell).
"""

import fcntl
import os
import sqlite3
import threading
import time
from typing import Any
from urllib.parse import urlsplit

# Statements that write, or start a transaction that will: what Python's sqlite3 begins a transaction for,
# DDL, and explicit write transactions. A SELECT takes no gate (WAL readers never wait for the writer).
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER", "WITH", "BEGIN IMMEDIATE",
           "BEGIN EXCLUSIVE")  # fmt: skip
TIMEOUT = 30.0  # as SQLite's busy_timeout: then "database is locked", as SQLite would say
_STEP = 0.001  # the longest sleep between two looks at the file lock


def _writes(sql: str) -> bool:
    return sql.lstrip()[:16].upper().startswith(_WRITES)


class _Gate:
    def __init__(self, path: str):
        self._threads = threading.Lock()
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)

    def acquire(self) -> None:
        deadline = time.monotonic() + TIMEOUT
        if not self._threads.acquire(timeout=TIMEOUT):
            raise sqlite3.OperationalError("database is locked")
        pause = 0.0001
        while True:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() > deadline:
                    self._threads.release()
                    raise sqlite3.OperationalError("database is locked") from None
                time.sleep(pause)
                pause = min(pause * 2, _STEP)

    def release(self) -> None:
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._threads.release()


_gates: dict[tuple[int, str], _Gate] = {}
_gates_lock = threading.Lock()


def _gate(path: str) -> _Gate:
    # Per process: a forked child must not share its parent's open file, whose lock would be theirs together.
    key = (os.getpid(), path)
    with _gates_lock:
        if key not in _gates:
            _gates[key] = _Gate(path)
        return _gates[key]


class _Cursor(sqlite3.Cursor):
    connection: "GatedConnection"

    def execute(self, sql: str, parameters: Any = (), /) -> "_Cursor":
        self.connection._before(sql)
        try:
            return super().execute(sql, parameters)
        finally:
            self.connection._after()

    def executemany(self, sql: str, parameters: Any, /) -> "_Cursor":
        self.connection._before(sql)
        try:
            return super().executemany(sql, parameters)
        finally:
            self.connection._after()


class GatedConnection(sqlite3.Connection):
    """A sqlite3 connection (`sqlite3.connect(..., factory=GatedConnection)`) that holds the file's gate
    from its transaction's first write to its end."""

    def __init__(self, database: Any, *args: Any, **kwargs: Any):
        super().__init__(database, *args, **kwargs)
        path = os.fspath(database)
        if path.startswith("file:"):  # a URI filename
            path = urlsplit(path).path
        memory = path in ("", ":memory:") or path.startswith("file::memory:") or "mode=memory" in path
        self._gate = None if memory else _gate(os.path.realpath(path) + "-writer.lock")
        self._holds = False

    def cursor(self, factory: Any = None) -> Any:  # type: ignore[override]
        return super().cursor(factory or _Cursor)

    def execute(self, sql: str, parameters: Any = (), /) -> Any:  # type: ignore[override]
        return self.cursor().execute(sql, parameters)  # sqlite3's own would not go through cursor()

    def executemany(self, sql: str, parameters: Any, /) -> Any:  # type: ignore[override]
        return self.cursor().executemany(sql, parameters)

    def _before(self, sql: str) -> None:
        if self._gate is not None and not self._holds and _writes(sql):
            self._gate.acquire()
            self._holds = True

    def _after(self) -> None:
        if self._holds and not self.in_transaction:  # DDL commits itself; a failed first write began nothing
            self._release()

    def _release(self) -> None:
        if self._holds:
            self._holds = False
            self._gate.release()  # type: ignore[union-attr]

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._release()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._release()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._release()
