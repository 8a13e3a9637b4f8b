"""Column types that behave the same on SQLite and PostgreSQL, and values cut in chunks for IN lists."""

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB


class UTCDateTime(sa.types.TypeDecorator):
    """Stores UTC, returns aware UTC datetimes: SQLite keeps no offset, so we normalise on both sides."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


JSONData = sa.JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> datetime:
    return datetime.now(UTC)


def chunks(values: Iterable[Any], size: int = 500) -> Iterator[list[Any]]:
    """Values a few hundred at a time: a statement binds a bounded number of parameters (65,535 on
    PostgreSQL)."""
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]
