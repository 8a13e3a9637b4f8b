"""The performance file: appended to, never edited in place."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, func, select

from storage.models import FileEntry
from storage.types import utcnow


def append(
    session: Session,
    *,
    person_id: int,
    kind: str,
    text: str = "",
    author_id: int | None = None,
    data: dict[str, Any] | None = None,
    slack_channel: str | None = None,
    slack_ts: str | None = None,
    at: datetime | None = None,
    private: bool = False,
    flush: bool = True,
) -> FileEntry:
    """flush=False: the caller flushes many at once (an org import), as batched INSERTs."""
    entry = FileEntry(
        person_id=person_id,
        author_id=author_id,
        kind=kind,
        text=text,
        data=data or {},
        slack_channel=slack_channel,
        slack_ts=slack_ts,
        created_at=at or utcnow(),
        private=private,
    )
    session.add(entry)
    if flush:
        session.flush()
    return entry


def list_for(
    session: Session,
    *,
    person_id: int,
    newest_first: bool = False,
    limit: int | None = None,
    offset: int = 0,
    include_private: bool = True,
    up_to_id: int | None = None,
) -> Sequence[FileEntry]:
    order = (
        (sa.desc(FileEntry.created_at), sa.desc(FileEntry.id))
        if newest_first
        else (FileEntry.created_at, FileEntry.id)
    )
    query = select(FileEntry).where(FileEntry.person_id == person_id).order_by(*order).offset(offset)
    if not include_private:
        query = query.where(sa.not_(FileEntry.private))
    if up_to_id is not None:
        query = query.where(FileEntry.id <= up_to_id)
    if limit is not None:
        query = query.limit(limit)
    return session.exec(query).all()


def count_for(
    session: Session, *, person_id: int, include_private: bool = True, up_to_id: int | None = None
) -> int:
    query = select(func.count()).where(FileEntry.person_id == person_id)
    if not include_private:
        query = query.where(sa.not_(FileEntry.private))
    if up_to_id is not None:
        query = query.where(FileEntry.id <= up_to_id)
    return session.exec(query).one()


def last_id(session: Session, *, person_id: int) -> int | None:
    return session.exec(select(func.max(FileEntry.id)).where(FileEntry.person_id == person_id)).one()


def message_entry(session: Session, *, slack_channel: str, slack_ts: str) -> int | None:
    """The entry a DM (a message or a manager's reply) became, if it is in a file already: its job may run
    twice."""
    query = select(FileEntry.id).where(
        FileEntry.slack_channel == slack_channel,
        FileEntry.slack_ts == slack_ts,
        FileEntry.kind.in_(("message", "manager_reply")),
    )
    return session.exec(query.limit(1)).first()


def get(session: Session, *, entry_id: int) -> FileEntry | None:
    return session.get(FileEntry, entry_id)
