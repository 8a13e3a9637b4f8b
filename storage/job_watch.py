"""Jobs looked at by id or key: what a command that enqueued them (the CLI's fan-outs) waits for and reports.
Reads only; ids and keys go a chunk at a time (SQLite binds a bounded number of parameters)."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session

from storage.jobs import Job
from storage.types import utcnow

CHUNK = 500


@dataclass(frozen=True)
class Seen:
    id: int
    key: str
    state: str
    tries: int
    run_after: datetime
    lease_until: datetime | None
    holder: str | None
    error: str | None


_COLUMNS = (Job.id, Job.key, Job.state, Job.tries, Job.run_after, Job.lease_until, Job.holder, Job.error)


def _chunks(values: Iterable, size: int = CHUNK) -> Iterator[list]:
    chunk: list = []
    for value in values:
        chunk.append(value)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def by_ids(session: Session, ids: Iterable[int]) -> dict[int, Seen]:
    seen: dict[int, Seen] = {}
    for chunk in _chunks(sorted(set(ids))):
        for row in session.execute(sa.select(*_COLUMNS).where(Job.id.in_(chunk))).all():
            seen[row[0]] = Seen(*row)
    return seen


def by_keys(session: Session, keys: Iterable[str]) -> dict[str, Seen]:
    seen: dict[str, Seen] = {}
    for chunk in _chunks(sorted(set(keys))):
        for row in session.execute(sa.select(*_COLUMNS).where(Job.key.in_(chunk))).all():
            seen[row[1]] = Seen(*row)
    return seen


def clock(session: Session) -> datetime:
    """The time leases are compared on: PostgreSQL's clock, or this machine's for a SQLite file."""
    if session.get_bind().dialect.name == "postgresql":
        return session.execute(sa.select(sa.func.clock_timestamp())).scalar_one()
    return utcnow()
