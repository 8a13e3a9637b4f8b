"""Storage on both backends: the migrations are the schema, the file keeps order, events dedupe."""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import SQLModel

from storage import events, file_entries, people
from storage.db import current_revision, session_scope
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
