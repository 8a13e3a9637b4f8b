"""What every review step shares (the refusal, the outcome, reading a review), and who is due an invitation
and what it opens: functions taking `session`, one unit of work each."""

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from domain.checkins.due import gets_checkins, is_quiet
from domain.checkins.periods import local_day
from domain.core import delivery
from domain.core.refusals import Refusal
from domain.goals import reading as goal_reading
from domain.home.refresh import changed as home_changed
from domain.performance_file.entries import record
from domain.reviews import forms
from domain.reviews.cycles import ledger_key, parse_cycle, previous_cycle
from message_templates.render import render_message
from storage import checkins as checkin_store
from storage import people, sends
from storage import reviews as store
from storage.models import EntryKind, Person, Review, ReviewStatus

log = logging.getLogger(__name__)

INVITATION = "review_invite"  # its kind in the send ledger
INVITE_AT = time(10, 0)  # local time, on the first day after the quarter
INVITE_WINDOW = timedelta(days=30)  # the schedule invites this long after a quarter ends, not later


class ReviewError(Refusal):
    """Refused by this feature; the message is what the person reads."""


@dataclass
class Outcome(delivery.Outcome):
    # Messages whose place is kept on the review, to update later: (review id, "manager" or "plan",
    # Slack user id, message). See flows.deliver.
    asks: list[tuple[int, str, str, dict[str, Any]]] = field(default_factory=list)


# -- reading a review ------------------------------------------------------------------------------


def cycle_goals(session: Session, person: Person, cycle: str) -> list[goal_reading.GoalView]:
    """The person's agreed goals of the quarter, as many as a form takes."""
    period = parse_cycle(cycle)
    assert person.id is not None and period is not None
    rows = store.cycle_goals(session, person_id=person.id, starts_on=period.starts_on, ends_on=period.ends_on)
    return goal_reading.views(session, list(rows)[: forms.MAX_GOALS])


def review_of(session: Session, review_id: int | None) -> tuple[Review, Person]:
    review = store.get(session, review_id=review_id) if review_id else None
    person = people.get(session, person_id=review.person_id) if review else None
    if review is None or person is None:
        raise ReviewError("That review no longer exists.")
    return review, person


def manager_of(session: Session, review: Review, person: Person) -> Person | None:
    """Who hears the person's answer: whoever assessed the review, else the person's manager."""
    by = (review.manager_assessment or {}).get("by")
    for candidate_id in (by, person.manager_id, review.manager_id):
        candidate = people.get(session, person_id=candidate_id)
        if candidate is not None and candidate.active and candidate.id != person.id:
            return candidate
    return None


def advance(
    session: Session,
    review: Review,
    *,
    statuses: list[ReviewStatus],
    version: int,
    values: dict[str, Any],
    refused: str,
) -> None:
    """Moves the review on from one of `statuses` at `version`; else `refused` is what the person reads
    (someone moved it first: a double click, a stale form)."""
    assert review.id is not None
    if not store.advance(session, review_id=review.id, statuses=statuses, version=version, values=values):
        raise ReviewError(refused)
    home_changed(session, review.person_id, review.manager_id)  # a step done, the next one open


def record_step(
    session: Session,
    review: Review,
    person: Person,
    *,
    author: Person,
    step: str,
    text: str,
    data: dict[str, Any],
) -> None:
    """A review step in the person's file, with the review and step it belongs to."""
    record(
        session,
        person=person,
        author=author,
        kind=EntryKind.review,
        text=text,
        data={"review_id": review.id, "cycle": review.cycle, "step": step, **data},
    )


# -- starting a cycle's reviews --------------------------------------------------------------------


@dataclass(frozen=True)
class Invitation:
    person: Person
    cycle: str


def local_start(day: date, timezone: str) -> datetime:
    return datetime.combine(day, time(0, 0), ZoneInfo(timezone))


def due_invitations(
    session: Session,
    *,
    now: datetime,
    cycle: str | None = None,
    emails: list[str] | None = None,
    send_now: bool = False,
) -> list[Invitation]:
    """Who is to be invited to review a quarter: by default the one just ended where they are.

    On the schedule: from 10:00 local on the first day after the quarter, for 30 days (so invitations
    missed while the app was down still go), not on a quiet day (pause, holiday), and only to people who
    were in the org before the quarter ended. `send_now` (the CLI) invites whoever is asked for at once.
    Everyone must be active and have a manager; the send ledger leaves out whoever was invited already.
    """
    wanted = {e.lower() for e in emails} if emails is not None else None
    holidays = checkin_store.holiday_days(session)
    candidates = []
    for person in people.list_all(session, active_only=True):
        if not gets_checkins(person) or (wanted is not None and person.email not in wanted):
            continue
        key = cycle or previous_cycle(local_day(person, now))
        if not send_now:
            period = parse_cycle(key)
            assert period is not None
            ended = local_start(period.ends_on + timedelta(days=1), person.timezone)
            opens = datetime.combine(ended.date(), INVITE_AT, ended.tzinfo)
            if not opens <= now < opens + INVITE_WINDOW or person.created_at >= ended:
                continue
            if is_quiet(person, now, holidays):
                continue
        candidates.append(Invitation(person, key))
    settled = sends.settled(session, kind=INVITATION, period_keys={ledger_key(c.cycle) for c in candidates})
    return [c for c in candidates if (c.person.id, ledger_key(c.cycle)) not in settled]


def open_invited(session: Session, invitation: Invitation, *, now: datetime) -> dict[str, Any] | None:
    """Opens the person's review of the cycle, and its entry in the file, once whoever gets here; the
    invitation to send, or None when the review is under way already (started by hand)."""
    person, cycle = invitation.person, invitation.cycle
    period = parse_cycle(cycle)
    assert person.id is not None and period is not None
    review, new = store.ensure(
        session, person_id=person.id, manager_id=person.manager_id, cycle=cycle, now=now
    )
    if new:
        home_changed(session, person)
        record(
            session,
            person=person,
            kind=EntryKind.review,
            text=f"Review of {period.label} opened: self-assessment invited.",
            data={"review_id": review.id, "cycle": cycle, "step": "invited"},
        )
    if review.status != ReviewStatus.invited:
        return None
    goal_count = len(cycle_goals(session, person, cycle))
    return render_message(
        "reviews/invite.json.j2", person=person, review=review, label=period.label, goal_count=goal_count
    )
