"""Jobs looked at by id or key: what a command that enqueued them (the CLI's fan-outs) waits for and reports.
Reads only; ids and keys go a chunk at a time (SQLite binds a bounded number of parameters)."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from storage.jobs import Job
from storage.types import chunks


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


def _where(session: Session, column: Any, values: Iterable, index: int) -> dict[Any, Seen]:
    seen: dict[Any, Seen] = {}
    for chunk in chunks(sorted(set(values))):
        for row in session.execute(sa.select(*_COLUMNS).where(column.in_(chunk))).all():
            seen[row[index]] = Seen(*row)
    return seen


def by_ids(session: Session, ids: Iterable[int]) -> dict[int, Seen]:
    return _where(session, Job.id, ids, 0)


def by_keys(session: Session, keys: Iterable[str]) -> dict[str, Seen]:
    return _where(session, Job.key, keys, 1)
