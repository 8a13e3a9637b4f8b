"""Storage on both backends: the migrations are the schema, the file keeps order, events dedupe."""

import re
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import SQLModel

from storage import events, file_entries, people
from storage.db import current_revision, make_engine, session_scope, upgrade
from storage.models import Person


def test_migrations_match_the_models(engine):
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == []
    assert current_revision(engine) is not None


def test_sqlite_runs_in_wal_mode(engine, backend):
    if backend != "sqlite":
        return
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def _person(session, n: int) -> Person:
    return people.save(
        session, person=Person(slack_user_id=f"U{n:04d}", email=f"p{n}@example.com", name=f"P{n}")
    )


def test_file_entries_come_back_in_order_with_aware_utc_times(engine):
    base = datetime(2026, 1, 1, tzinfo=UTC)
    with session_scope(engine) as session:
        p = _person(session, 1)
        for i in (2, 0, 1):
            file_entries.append(
                session, person_id=p.id, kind="note", text=f"n{i}", at=base + timedelta(hours=i)
            )
        # same instant: insertion order (id) decides
        file_entries.append(session, person_id=p.id, kind="note", text="n1b", at=base + timedelta(hours=1))
    with session_scope(engine) as session:
        oldest_first = [e.text for e in file_entries.list_for(session, person_id=p.id)]
        newest_first = file_entries.list_for(session, person_id=p.id, newest_first=True, limit=2)
        assert oldest_first == ["n0", "n1", "n1b", "n2"]
        assert [e.text for e in newest_first] == ["n2", "n1b"]
        assert newest_first[0].created_at == base + timedelta(hours=2)
        assert newest_first[0].created_at.tzinfo is not None
        assert file_entries.count_for(session, person_id=p.id) == 4


def test_structured_data_round_trips(engine):
    with session_scope(engine) as session:
        p = _person(session, 2)
        file_entries.append(session, person_id=p.id, kind="checkin", data={"mood": 4, "wins": ["a", "b"]})
    with session_scope(engine) as session:
        (entry,) = file_entries.list_for(session, person_id=p.id)
        assert entry.data == {"mood": 4, "wins": ["a", "b"]}


def test_an_event_is_claimed_once(engine):
    with session_scope(engine) as session:
        assert events.claim(session, event_id="Ev1") is True
    with session_scope(engine) as session:
        assert events.claim(session, event_id="Ev1") is False
        assert events.claim(session, event_id="Ev2") is True


def test_slack_ids_and_emails_are_unique(engine):
    with session_scope(engine) as session:
        _person(session, 3)
    try:
        with session_scope(engine) as session:
            people.save(session, person=Person(slack_user_id="U0003", email="other@example.com"))
        raise AssertionError("duplicate slack id was stored")
    except sa.exc.IntegrityError:
        pass


def _sqlite_tables_keyed_by_integer_id(conn) -> dict[str, str]:
    rows = conn.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'table'").fetchall()
    return {name: sql for name, sql in rows if re.search(r"^\s*id INTEGER NOT NULL", sql, re.MULTILINE)}


def test_sqlite_never_reuses_a_row_id(engine, backend):
    """Every table keyed by an integer id is AUTOINCREMENT, so a deleted newest row's id is not handed
    out again (PostgreSQL's sequences never go back)."""
    if backend != "sqlite":
        return
    with engine.connect() as conn:
        tables = _sqlite_tables_keyed_by_integer_id(conn)
    assert {"people", "checkins", "goals", "reviews", "feedback", "file_entries"} <= set(tables)
    assert [name for name, sql in tables.items() if "AUTOINCREMENT" not in sql] == []
    with session_scope(engine) as session:
        first, second = _person(session, 1), _person(session, 2)
        session.delete(second)
    with session_scope(engine) as session:
        assert _person(session, 3).id == second.id + 1 > first.id


def test_the_id_migration_keeps_sqlite_data_and_its_references(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0007")
    engine = make_engine(url, pooled=False)
    with engine.begin() as conn:
        for n in (1, 2, 3):
            conn.exec_driver_sql(
                "INSERT INTO people (id, slack_user_id, email, name, timezone, role, created_at, updated_at)"
                f" VALUES ({n}, 'U{n}', 'p{n}@x.test', 'P{n}', 'UTC', 'employee', '2026-01-01', '2026-01-01')"
            )
        conn.exec_driver_sql("UPDATE people SET manager_id = 1 WHERE id = 2")
        conn.exec_driver_sql("DELETE FROM people WHERE id = 3")  # the newest row, whose id 0007 would reuse
    upgrade(url)
    with engine.connect() as conn:
        kept = conn.exec_driver_sql("SELECT id, email, manager_id FROM people ORDER BY id").fetchall()
        assert kept == [(1, "p1@x.test", None), (2, "p2@x.test", 1)]
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert "AUTOINCREMENT" in _sqlite_tables_keyed_by_integer_id(conn)["people"]
    with session_scope(engine) as session:
        newest = _person(session, 4)
        session.delete(newest)
    with session_scope(engine) as session:
        assert _person(session, 5).id == newest.id + 1
    engine.dispose()


def test_the_ledger_reads_a_fan_out_of_any_size(engine):
    """A fan-out's report asks about every person it reached: more than a statement's parameters allow
    (65,535 on PostgreSQL) are read a few hundred at a time."""
    from storage import sends

    with session_scope(engine) as session:
        person = people.save(session, person=Person(slack_user_id="U0LEDGER1", email="l@x.test", name="L"))
        now = datetime.now(UTC)
        sends.claim(session, person_id=person.id, period_key="2026-W49", kind="prompt", holder="h", now=now,
                    stale_after=timedelta(minutes=30))  # fmt: skip
    pairs = [(n, "2026-W49") for n in range(100_000, 170_000)] + [(person.id, "2026-W49")]
    with session_scope(engine) as session:
        assert list(sends.states(session, kind="prompt", pairs=pairs)) == [(person.id, "2026-W49")]
        assert list(sends.rows(session, kind="prompt", pairs=pairs)) == [(person.id, "2026-W49")]
