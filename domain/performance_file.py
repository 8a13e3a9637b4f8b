"""Each employee's performance file: every exchange, kept in order."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from domain.access import NotAllowed, can_read_file
from storage import file_entries
from storage.models import EntryKind, FileEntry, Person


def record(
    session: Session,
    *,
    person: Person,
    kind: EntryKind,
    text: str = "",
    author: Person | None = None,
    data: dict[str, Any] | None = None,
    channel: str | None = None,
    ts: str | None = None,
    private: bool = False,
) -> FileEntry:
    assert person.id is not None
    return file_entries.append(
        session,
        person_id=person.id,
        author_id=author.id if author else None,
        kind=kind.value,
        text=text,
        data=data,
        slack_channel=channel,
        slack_ts=ts,
        private=private,
    )


@dataclass(frozen=True)
class FilePage:
    person: Person
    entries: Sequence[FileEntry]
    page: int
    page_size: int
    total: int

    @property
    def has_more(self) -> bool:
        return (self.page + 1) * self.page_size < self.total


def read(
    session: Session, *, viewer: Person | None, person: Person, page: int = 0, page_size: int = 20
) -> FilePage:
    """Newest first. A look at someone else's file is itself recorded in that file."""
    if not can_read_file(viewer, person):
        raise NotAllowed("Only this person, their manager or an HR admin can read this file.")
    assert viewer is not None and person.id is not None
    own = viewer.id == person.id
    entries = file_entries.list_for(
        session,
        person_id=person.id,
        newest_first=True,
        limit=page_size,
        offset=page * page_size,
        include_private=own,
    )
    total = file_entries.count_for(session, person_id=person.id, include_private=own)
    if viewer.id != person.id:
        record(session, person=person, kind=EntryKind.file_view, author=viewer, data={"page": page})
    return FilePage(person=person, entries=entries, page=page, page_size=page_size, total=total)
