"""Company holidays, kept by HR admins: no prompts or reminders on them (in each person's own time zone)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from domain.core import bounds
from domain.core.access import is_admin
from domain.core.directory import person_for
from domain.core.refusals import NotAllowed
from storage import checkins as store
from storage.models import Holiday


def _admin(session: Session, slack_user_id: str) -> None:
    if not is_admin(person_for(session, slack_user_id)):
        raise NotAllowed("Only HR admins can change company holidays.")


@dataclass(frozen=True)
class Added:
    before: str | None  # the name of the holiday already on that day, if there was one
    after: str

    @property
    def verb(self) -> str:
        """What became of the day: added, renamed, or already there (the same name again)."""
        if self.before is None:
            return "added"
        return "already there" if self.before == self.after else "renamed"


def add(session: Session, *, slack_user_id: str, day: date, name: str) -> Added:
    _admin(session, slack_user_id)
    return add_as_operator(session, day=day, name=name)


def add_as_operator(session: Session, *, day: date, name: str) -> Added:
    """From the CLI, or for an admin: a long name is cut, visibly. Adding on a holiday's day renames it."""
    before = {h.day: h.name for h in store.holidays(session)}.get(day)
    added = store.add_holiday(
        session, day=day, name=bounds.shorten(bounds.clean(name), bounds.HOLIDAY_NAME_MAX)
    )
    return Added(before=before, after=added.name)


def remove(session: Session, *, slack_user_id: str, day: date) -> bool:
    _admin(session, slack_user_id)
    return store.remove_holiday(session, day=day)


def upcoming(session: Session, *, today: date) -> Sequence[Holiday]:
    return [h for h in store.holidays(session) if h.day >= today]
