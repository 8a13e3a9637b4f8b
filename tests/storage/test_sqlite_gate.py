"""The SQLite write gate: one writer at a time across processes, taken at a transaction's first write and
given back when it ends, whatever ends it; processes take turns."""

import os
import select
import sqlite3
import subprocess
import sys
import textwrap
import threading

import pytest

from storage import sqlite_gate
from storage.sqlite_gate import GatedConnection


@pytest.fixture
def path(tmp_path):
    db = tmp_path / "gate.db"
    conn = sqlite3.connect(db, factory=GatedConnection)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE t (who TEXT)")
    conn.close()
    return db


def connect(path) -> GatedConnection:
    # SQLite's own busy wait off: without the gate a second writer fails at once with "database is locked"
    return sqlite3.connect(path, factory=GatedConnection, check_same_thread=False, timeout=0)


def rows(path) -> list[str]:
    return [r[0] for r in connect(path).execute("SELECT who FROM t ORDER BY rowid")]


def writer(path, who: str) -> subprocess.Popen:
    """Another process that says "waiting", writes `who` in a transaction of its own, says "written"."""
    code = textwrap.dedent(f"""
        import sqlite3
        from storage.sqlite_gate import GatedConnection
        conn = sqlite3.connect({str(path)!r}, factory=GatedConnection, timeout=0)
        print("waiting", flush=True)
        conn.execute("INSERT INTO t VALUES ({who!r})")
        conn.commit()
        print("written", flush=True)
    """)
    return subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)


def said_within(child: subprocess.Popen, seconds: float) -> str | None:
    ready, _, _ = select.select([child.stdout], [], [], seconds)
    return child.stdout.readline().strip() if ready else None


@pytest.mark.parametrize(
    "sql, writes",
    [
        ("SELECT 1", False),
        ("  select * from t", False),
        ("WITH x AS (SELECT 1) SELECT * FROM x", False),
        ("PRAGMA foreign_keys=ON", False),
        ("BEGIN", False),
        ("insert into t values (1)", True),
        ("INSERT OR IGNORE INTO t VALUES (1)", True),
        ("REPLACE INTO t VALUES (1)", True),
        ("-- a comment\nUPDATE t SET who = 'x'", True),
        ("/* a comment */ DELETE FROM t", True),
        ("WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x", True),
        ("BEGIN\n  IMMEDIATE", True),
        ("CREATE TABLE u (x)", True),
    ],
)
def test_what_counts_as_a_write(sql, writes):
    assert sqlite_gate.writes(sql) is writes


def test_a_transaction_holds_the_gate_from_its_first_write_to_its_end(path):
    conn = connect(path)
    conn.execute("SELECT * FROM t").fetchall()
    assert not conn._holds  # reads take no gate
    conn.execute("INSERT INTO t VALUES ('a')")
    assert conn._holds
    conn.commit()
    assert not conn._holds
    conn.execute("UPDATE t SET who = 'b'")
    conn.rollback()
    assert not conn._holds
    with pytest.raises(sqlite3.OperationalError):
        conn.execute("INSERT INTO no_such_table VALUES (1)")
    assert not conn._holds  # a failed first write began no transaction
    conn.execute("CREATE TABLE u (x)")
    assert not conn._holds  # DDL commits itself
    with conn:  # sqlite3's context manager commits without commit()
        conn.execute("INSERT INTO t VALUES ('c')")
    assert not conn._holds
    conn.execute("INSERT INTO t VALUES ('d')")
    conn.close()  # the transaction rolled back with the connection
    assert connect(path).execute("INSERT INTO t VALUES ('e')").rowcount == 1  # not waiting 30 s


def test_another_process_waits_for_the_gate_then_writes(path):
    holder = connect(path)
    holder.execute("INSERT INTO t VALUES ('first')")
    child = writer(path, "second")
    assert said_within(child, 30) == "waiting"
    assert said_within(child, 0.3) is None  # held behind this transaction, not failed
    holder.commit()
    assert said_within(child, 30) == "written"
    assert child.wait(timeout=10) == 0
    assert rows(path) == ["first", "second"]


def test_threads_of_a_process_queue_on_the_gate(path):
    first, second = connect(path), connect(path)
    first.execute("INSERT INTO t VALUES ('first')")
    done = threading.Event()

    def write():
        second.execute("INSERT INTO t VALUES ('second')")
        second.commit()
        done.set()

    thread = threading.Thread(target=write)
    thread.start()
    assert not done.wait(0.2)  # held behind the first transaction, not failed
    first.commit()
    thread.join(timeout=10)
    assert done.is_set()
    assert rows(path) == ["first", "second"]


def test_a_process_whose_threads_write_back_to_back_lets_another_process_in_between(path):
    """Its next thread is woken at once, the other process looks every millisecond: without the turnstile
    the process holding the gate would keep it."""
    first, second = connect(path), connect(path)
    first.execute("INSERT INTO t VALUES ('a1')")
    thread = threading.Thread(target=lambda: (second.execute("INSERT INTO t VALUES ('a2')"), second.commit()))
    thread.start()
    child = writer(path, "b")
    assert said_within(child, 30) == "waiting"
    assert said_within(child, 0.3) is None
    first.commit()
    thread.join(timeout=30)
    assert said_within(child, 30) == "written"
    assert child.wait(timeout=10) == 0
    assert rows(path) == ["a1", "b", "a2"]


def test_the_lock_files_close_with_the_last_connection(path):
    def open_files() -> int:
        return len(os.listdir("/proc/self/fd"))

    before = open_files()
    conns = [connect(path) for _ in range(3)]
    for conn in conns:
        conn.close()
    assert open_files() == before
    assert (path.parent / "gate.db-writer.lock").exists()
