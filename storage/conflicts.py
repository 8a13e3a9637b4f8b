"""INSERT ... ON CONFLICT DO NOTHING on SQLite and PostgreSQL: the database decides who was first."""

from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session


def insert_if_absent(session: Session, model: Any, values: dict[str, Any], *, key: list[str]) -> Any | None:
    """The new row's primary key, or None when a row with the same `key` already exists."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    pk = next(iter(model.__table__.primary_key.columns))
    statement = insert(model).values(**values).on_conflict_do_nothing(index_elements=key).returning(pk)
    row = session.execute(statement).first()
    return row[0] if row else None
