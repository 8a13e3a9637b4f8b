"""Reminders of open review steps (a self-assessment, a manager's assessment, the answer to it): one 3 days
after the step opened, and a last one 2 days before the cycle's deadline. The tick adds one keyed job per
reminder due; each job sends it once through the send ledger, if the step is still open."""

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlmodel import Session

from domain.core import delivery
from domain.core.services import Services
from domain.reviews.cycles import deadline, label
from message_templates.render import render_message
from storage import jobs, people, sends
from storage import reviews as store
from storage.models import Person, Review, ReviewStatus

log = logging.getLogger(__name__)

FIRST_AFTER = timedelta(days=3)
LAST_BEFORE = timedelta(days=2)
FIRST, LAST = "review_reminder", "review_last"  # their kinds in the send ledger
JOB = "review.reminder"
CODES = {  # a step's letter in its ledger key (16 characters at most)
    ReviewStatus.invited.value: "i",
    ReviewStatus.self_assessed.value: "s",
    ReviewStatus.assessed.value: "a",
    ReviewStatus.revising.value: "r",
}
# The manager's steps; the others are the person's own.
MANAGERS = (ReviewStatus.self_assessed.value, ReviewStatus.revising.value)


def step_key(review: Review) -> str:
    """One step of one review: its status and version (a revision is a new step)."""
    return f"rv:{review.id}:{CODES[review.status]}:{review.version}"


def opened_at(review: Review) -> datetime:
    return {
        ReviewStatus.self_assessed.value: review.self_assessed_at,
        ReviewStatus.assessed.value: review.assessed_at,
        ReviewStatus.revising.value: review.updated_at,
    }.get(review.status) or review.created_at


def ends_at(review: Review) -> datetime:
    """The end of the cycle's last day (UTC)."""
    return datetime.combine(deadline(review.cycle) + timedelta(days=1), time(0, 0), UTC)


def waiting_for(session: Session, review: Review) -> Person | None:
    """Who the step waits for: the person, or (for an assessment) their manager now, else the review's."""
    person = people.get(session, person_id=review.person_id)
    if person is None or review.status not in MANAGERS:
        return person
    for manager_id in (person.manager_id, review.manager_id):
        manager = people.get(session, person_id=manager_id)
        if manager is not None and manager.active:
            return manager
    return None


def which_due(review: Review, now: datetime) -> str | None:
    """The reminder a step is due for now, if any: the last one near the deadline, else the first."""
    last_from, end = ends_at(review) - LAST_BEFORE, ends_at(review)
    if last_from <= now < end:
        return LAST
    if opened_at(review) + FIRST_AFTER <= now < last_from:
        return FIRST
    return None


@dataclass(frozen=True)
class Due:
    review_id: int
    key: str
    kind: str
    person_id: int


def due(session: Session, *, now: datetime) -> list[Due]:
    found = []
    for review in store.open_steps(session):
        kind = which_due(review, now)
        whom = waiting_for(session, review) if kind else None
        if kind and whom is not None and whom.active:
            assert review.id is not None and whom.id is not None
            found.append(Due(review.id, step_key(review), kind, whom.id))
    settled = {
        kind: sends.settled(session, kind=kind, period_keys={d.key for d in found if d.kind == kind})
        for kind in (FIRST, LAST)
    }
    return [d for d in found if (d.person_id, d.key) not in settled[d.kind]]


def enqueue_due(services: Services, *, now: datetime) -> int:
    """From the tick: one job per reminder due (its key: the step and the reminder), added once."""
    added = 0
    with services.session() as session:
        for item in due(session, now=now):
            added += jobs.enqueue(
                session,
                kind=JOB,
                key=f"{JOB}:{item.key}:{item.kind}",
                payload={
                    "review_id": item.review_id,
                    "key": item.key,
                    "kind": item.kind,
                    "at": now.isoformat(),
                },
            )
    return added


def send(services: Services, payload: dict[str, Any]) -> bool:
    """The job: the reminder, once, if its step is still the one it was due for. True when sent here."""
    review_id, key, kind = int(payload["review_id"]), str(payload["key"]), str(payload["kind"])
    now = datetime.fromisoformat(payload["at"])
    with services.session() as session:
        review = store.get(session, review_id=review_id)
        whom = waiting_for(session, review) if review is not None else None
    if review is None or whom is None or review.status not in CODES or step_key(review) != key:
        return False

    def compose(session: Session) -> dict | None:
        current = store.get(session, review_id=review_id)
        if current is None or current.status not in CODES or step_key(current) != key:
            return None  # done meanwhile
        person = people.get(session, person_id=current.person_id)
        return render_message(
            "reviews/reminder.json.j2",
            review=current,
            person=person,
            own=current.status not in MANAGERS,
            last=kind == LAST,
            label=label(current.cycle),
            deadline=deadline(current.cycle),
        )

    sent = delivery.send_once(
        services, person=whom, key=key, kind=kind, compose=compose, oldest=opened_at(review), now=now
    )
    if sent is not None and sent.new:
        log.info("review %s: %s sent to person %s", review_id, kind, whom.id)
    return sent is not None and sent.new
