"""One writer at a time on a SQLite file, across this machine's processes, queued without SQLite's busy wait.

SQLite has one writer. A connection that finds the write lock taken sleeps in growing steps (1, 2, 5, 10 ...
up to 100 ms) before it looks again, so under a steady stream of short writes from several processes a
writer that is unlucky a few times waits hundreds of milliseconds for a lock free most of the time: with
`checkins serve`'s workers writing, the serving process's hand-off (the commit before an ack) waited 330 ms
at p99 for a 1.4 ms write. Here a connection takes a gate before its transaction's first write and gives it
back when the transaction ends: threads of a process queue on a lock, processes on advisory file locks
beside the database looked at every millisecond at most, taking turns (a turnstile: a process whose threads
write back to back cannot keep the lock from another). SQLite's own busy wait stays behind it, for writers
outside the app (the sqlite3 shell), and for a database whose lock files cannot be opened.
"""

import contextlib
import fcntl
import logging
import os
import re
import sqlite3
import threading
import time
from typing import Any
from urllib.parse import unquote, urlsplit

log = logging.getLogger(__name__)

# Statements that write, or begin a transaction that will: what Python's sqlite3 begins a transaction for,
# DDL, explicit write transactions, and a CTE ending in a write; after any leading comments. A read takes no
# gate (WAL readers never wait for the writer).
_WRITE = re.compile(
    r"(?:\s|--[^\n]*(?:\n|$)|/\*.*?\*/)*"
    r"(?:INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER|BEGIN\s+(?:IMMEDIATE|EXCLUSIVE)"
    r"|WITH\b.*\)\s*(?:INSERT|UPDATE|DELETE|REPLACE)\b)",
    re.IGNORECASE | re.DOTALL,
)
TIMEOUT = 30.0  # as SQLite's busy_timeout: then "database is locked", as SQLite would say
_STEP = 0.001  # the longest sleep between two looks at a file lock


def writes(sql: str) -> bool:
    return _WRITE.match(sql) is not None


def _open(path: str, database: str) -> int:
    """The lock file, made like SQLite makes its -wal file: the database's permissions and owner. Read-only
    when it cannot be written (flock works either way)."""
    try:
        st = os.stat(database)
    except OSError:
        st = None
    mode = st.st_mode & 0o666 if st else 0o644
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, mode)
    except PermissionError:
        return os.open(path, os.O_RDONLY)
    if st and os.geteuid() == 0 and (st.st_uid, st.st_gid) != (0, 0):
        os.fchown(fd, st.st_uid, st.st_gid)  # root ran a command first: the service's user can still open it
    return fd


def _poll(fd: int, deadline: float) -> None:
    pause = 0.0001
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() > deadline:
                raise sqlite3.OperationalError("database is locked") from None
            time.sleep(pause)
            pause = min(pause * 2, _STEP)


class _Gate:
    def __init__(self, database: str):
        self._threads = threading.Lock()
        self._lock = _open(database + "-writer.lock", database)
        self._turn = _open(database + "-writer.next", database)
        self.users = 0

    def acquire(self) -> None:
        deadline = time.monotonic() + TIMEOUT
        if not self._threads.acquire(timeout=TIMEOUT):
            raise sqlite3.OperationalError("database is locked")
        try:
            _poll(self._turn, deadline)  # one waiter per process at the lock itself, so processes alternate
            try:
                _poll(self._lock, deadline)
            finally:
                fcntl.flock(self._turn, fcntl.LOCK_UN)
        except BaseException:
            self._threads.release()
            raise

    def release(self) -> None:
        try:
            fcntl.flock(self._lock, fcntl.LOCK_UN)
        finally:
            self._threads.release()

    def close(self) -> None:
        os.close(self._lock)
        os.close(self._turn)


_gates: dict[tuple[int, str], _Gate] = {}
_gates_lock = threading.Lock()


def _use(database: str) -> tuple[int, str] | None:
    """The gate of this database file in this process (a forked child must not share its parent's open
    files, whose locks would be theirs together); None when its lock files cannot be opened."""
    key = (os.getpid(), database)
    with _gates_lock:
        gate = _gates.get(key)
        if gate is None:
            try:
                gate = _gates[key] = _Gate(database)
            except OSError as err:
                log.warning("SQLite writes not queued across processes (%s): SQLite's busy wait instead", err)
                return None
        gate.users += 1
    return key


def _unuse(key: tuple[int, str]) -> None:
    with _gates_lock:
        gate = _gates[key]
        gate.users -= 1
        if gate.users == 0:  # its lock files closed with its last connection: tests make many databases
            del _gates[key]
            gate.close()


def _database(path: str) -> str | None:
    """The file a connection opens, or None for an in-memory database."""
    if path.startswith("file:"):  # a URI filename
        uri = urlsplit(path)
        if "mode=memory" in uri.query:
            return None
        path = unquote(uri.path)
    if path in ("", ":memory:"):
        return None
    return os.path.realpath(path)


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

    def executescript(self, script: str, /) -> "_Cursor":
        self.connection._before(script)
        try:
            return super().executescript(script)
        finally:
            self.connection._after()


class GatedConnection(sqlite3.Connection):
    """A sqlite3 connection (`sqlite3.connect(..., factory=GatedConnection)`) that holds its file's gate
    from its transaction's first write to its end."""

    _key: tuple[int, str] | None = None
    _holds = False

    def __init__(self, database: Any, *args: Any, **kwargs: Any):
        super().__init__(database, *args, **kwargs)
        path = _database(os.fspath(database))
        self._key = _use(path) if path is not None else None

    def cursor(self, factory: Any = None) -> Any:  # type: ignore[override]
        return super().cursor(factory or _Cursor)

    def execute(self, sql: str, parameters: Any = (), /) -> Any:  # type: ignore[override]
        return self.cursor().execute(sql, parameters)  # sqlite3's own would not go through cursor()

    def executemany(self, sql: str, parameters: Any, /) -> Any:  # type: ignore[override]
        return self.cursor().executemany(sql, parameters)

    def executescript(self, script: str, /) -> Any:  # type: ignore[override]
        return self.cursor().executescript(script)

    def _before(self, sql: str) -> None:
        if self._key is not None and not self._holds and writes(sql):
            _gates[self._key].acquire()
            self._holds = True

    def _after(self) -> None:
        if self._holds and not self.in_transaction:  # DDL commits itself; a failed first write began nothing
            self._holds = False
            _gates[self._key].release()  # type: ignore[index]

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._after()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._after()

    def __exit__(self, *exc: Any) -> Any:  # `with conn:` commits or rolls back without commit()
        try:
            return super().__exit__(*exc)
        finally:
            self._after()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._let_go()

    def __del__(self) -> None:  # a connection dropped unclosed
        with contextlib.suppress(Exception):  # the interpreter is ending: nobody left to wait for the gate
            self._let_go()

    def _let_go(self) -> None:
        key, self._key = self._key, None
        if key is None:
            return
        if self._holds:
            self._holds = False
            _gates[key].release()
        _unuse(key)
