"""Each employee's performance file: every exchange, kept in order."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session

from domain.core.access import Operator, can_read_file
from domain.core.refusals import NotAllowed
from storage import file_entries, people
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
    at: datetime | None = None,
    flush: bool = True,
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
        at=at,
        flush=flush,
    )


# How each kind reads in the Home tab and in exports; a kind missing here shows as itself.
KIND_LABELS = {
    "note": "Note",
    "org_change": "Org change",
    "checkin": "Check-in",
    "checkin_edit": "Check-in edited",
    "message": "Message",
    "manager_reply": "Manager's reply",
    "goal_proposal": "Goal proposal",
    "goal_decision": "Goal decision",
    "goal_progress": "Goal progress",
    "feedback": "Feedback",
    "review": "Review",
    "file_view": "File viewed",
}


@dataclass(frozen=True)
class FilePage:
    person: Person
    entries: Sequence[FileEntry]
    page: int
    page_size: int
    total: int
    # Authors of these entries, by id (an author deleted with `checkins file delete` is absent).
    authors: Mapping[int, Person] = field(default_factory=dict)
    # Paging reads the file as it was at the first page: later entries (the look itself) shift nothing.
    as_of: int | None = None

    @property
    def has_more(self) -> bool:
        return (self.page + 1) * self.page_size < self.total


@dataclass(frozen=True)
class WholeFile:
    """Every entry a reader may see, oldest first."""

    person: Person
    entries: Sequence[FileEntry]
    authors: Mapping[int, Person]
    includes_private: bool


def _may_see_private(viewer: Person | Operator | None, person: Person) -> bool:
    """The one access rule for every read: who may read the file, and whether its private entries too.

    The operator (the `checkins` CLI on the server, who holds the database anyway) reads everything.
    """
    if isinstance(viewer, Operator):
        return True
    if not can_read_file(viewer, person):
        raise NotAllowed("Only this person, their manager or an HR admin can read this file.")
    assert viewer is not None
    return viewer.id == person.id


def _note_look(session: Session, viewer: Person | Operator | None, person: Person, data: dict) -> None:
    """A look at someone else's file is itself recorded in that file."""
    if isinstance(viewer, Operator):
        record(session, person=person, kind=EntryKind.file_view, author=None, data={**data, "via": "cli"})
    elif viewer is not None and viewer.id != person.id:
        record(session, person=person, kind=EntryKind.file_view, author=viewer, data=data)


def _authors(session: Session, entries: Sequence[FileEntry]) -> dict[int, Person]:
    ids = {e.author_id for e in entries if e.author_id is not None}
    return {p.id: p for p in people.by_ids(session, ids=ids) if p.id is not None}


def read(
    session: Session,
    *,
    viewer: Person | Operator | None,
    person: Person,
    page: int = 0,
    page_size: int = 20,
    via: str = "home",
    as_of: int | None = None,
) -> FilePage:
    """Newest first, one page, of the entries up to `as_of` (an entry id; by default the newest)."""
    include_private = _may_see_private(viewer, person)
    assert person.id is not None
    if as_of is None:
        as_of = file_entries.last_id(session, person_id=person.id)
    entries = file_entries.list_for(
        session,
        person_id=person.id,
        newest_first=True,
        limit=page_size,
        offset=page * page_size,
        include_private=include_private,
        up_to_id=as_of,
    )
    total = file_entries.count_for(
        session, person_id=person.id, include_private=include_private, up_to_id=as_of
    )
    _note_look(session, viewer, person, {"page": page, "via": via})
    return FilePage(
        person=person,
        entries=entries,
        page=page,
        page_size=page_size,
        total=total,
        authors=_authors(session, entries),
        as_of=as_of,
    )


def read_all(session: Session, *, viewer: Person | Operator | None, person: Person, via: str) -> WholeFile:
    """The whole file, oldest first (exports). The look is recorded after the read: not part of it."""
    include_private = _may_see_private(viewer, person)
    assert person.id is not None
    entries = file_entries.list_for(session, person_id=person.id, include_private=include_private)
    _note_look(session, viewer, person, {"via": via})
    return WholeFile(
        person=person,
        entries=entries,
        authors=_authors(session, entries),
        includes_private=include_private,
    )
