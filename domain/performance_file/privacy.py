"""Erasing a person (`checkins file delete`) and the retention window (CHECKINS_RETENTION_DAYS)."""

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from domain.checkins.periods import closed_by
from domain.core import channels
from domain.core.refusals import Refusal
from storage import app_settings, erasure, people
from storage import checkins as checkin_store
from storage.models import Person

# Slack retries an event within minutes; a day of event ids is plenty to drop repeats.
KEEP_EVENT_IDS = timedelta(days=1)


class PrivacyError(Refusal):
    """Refused by this feature; the message is what the person reads."""


@dataclass(frozen=True)
class Erased:
    name: str
    email: str
    counts: Counter
    # Channel settings they had chosen: they go on working; the remaining HR admins are told (flows.py).
    orphaned: tuple[str, ...] = ()


def find(session: Session, *, email: str) -> Person:
    person = people.get_by_email(session, email=email.strip())
    if person is None:
        raise PrivacyError(f"{email} is not in checkins (no one has this email)")
    return person


def erase(session: Session, *, email: str) -> Erased:
    """Everything that is the person's is deleted; whatever is someone else's loses every trace of them
    (storage/erasure.py lists each reference). Commits all of it, or nothing."""
    person = find(session, email=email)
    assert person.id is not None
    name, email = person.name, person.email
    orphaned = tuple(
        key
        for key in channels.CHOSEN
        if app_settings.setting(session, key=f"{key}{channels.OWNER_SUFFIX}") == str(person.id)
    )
    counts = erasure.erase_person(session, person_id=person.id)
    return Erased(name=name, email=email, counts=counts, orphaned=orphaned)


@dataclass(frozen=True)
class Retained:
    cutoff: datetime | None
    counts: Counter


def apply_retention(session: Session, *, days: int | None, now: datetime) -> Retained:
    """Daily: what is older than the window goes (nothing when no window is set); old event ids always."""
    counts: Counter = Counter()
    counts["processed_events"] = erasure.prune_processed_events(session, now=now, keep=KEEP_EVENT_IDS)
    if days is None:
        return Retained(cutoff=None, counts=counts)
    cutoff = now - timedelta(days=days)
    counts.update(erasure.delete_older_than(session, cutoff=cutoff))
    # Anonymous answers carry no time, only their period: they go once it closed before the cutoff.
    closed = {key: closed_by(key) for key in checkin_store.anonymous_period_keys(session)}
    old = [key for key, day in closed.items() if day is not None and day < cutoff.date()]
    counts["anonymous_answers"] = checkin_store.delete_anonymous(session, period_keys=old)
    return Retained(cutoff=cutoff, counts=counts)
