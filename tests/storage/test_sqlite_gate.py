"""The SQLite write gate: one writer at a time across processes, taken at a transaction's first write and
given back when it ends, whatever ends it."""

import sqlite3
import subprocess
import sys
import textwrap

import pytest

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
    return sqlite3.connect(path, factory=GatedConnection, check_same_thread=False, timeout=0)


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


def test_another_process_waits_for_the_gate_then_writes(path):
    """SQLite's own busy wait is off (timeout=0): without the gate the other process's write would fail with
    'database is locked' while this transaction is open."""
    holder = connect(path)
    holder.execute("INSERT INTO t VALUES ('first')")
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
            import sqlite3, sys
            from storage.sqlite_gate import GatedConnection
            conn = sqlite3.connect({str(path)!r}, factory=GatedConnection, timeout=0)
            print("waiting", flush=True)
            conn.execute("INSERT INTO t VALUES ('second')")
            conn.commit()
            print("written", flush=True)
        """),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout.readline().strip() == "waiting"
    rows_seen_by_child_before_commit = connect(path).execute("SELECT who FROM t").fetchall()
    holder.commit()
    assert child.stdout.readline().strip() == "written"
    assert child.wait(timeout=10) == 0
    assert rows_seen_by_child_before_commit == []
    assert [r[0] for r in connect(path).execute("SELECT who FROM t ORDER BY rowid")] == ["first", "second"]


def test_threads_of_a_process_queue_on_the_gate(path):
    import threading

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
    assert [r[0] for r in connect(path).execute("SELECT who FROM t ORDER BY rowid")] == ["first", "second"]
