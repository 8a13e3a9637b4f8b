"""The top of the Home tab: what the person can act on now, each with the button that does it."""

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from domain.checkins import service as checkin_service
from domain.checkins.due import gets_checkins, is_quiet
from message_templates.ids import ActionId
from storage import checkins as checkin_store
from storage import people
from storage import todo as store
from storage.models import Person, ReviewStatus

MOST = 10  # of each kind: the rest is counted


@dataclass(frozen=True)
class Todo:
    text: str
    action_id: str | None = None  # the button: None when it is done elsewhere (a DM)
    label: str = ""
    value: str = ""


def todos(session: Session, viewer: Person, *, now: datetime) -> list[Todo]:
    """Only the viewer's own: decided from who is looking, never from what a payload names."""
    assert viewer.id is not None
    items: list[Todo] = []
    checkin = store.open_checkin(session, person_id=viewer.id, now=now)
    if checkin is not None:
        items.append(Todo("Your check-in is open.", ActionId.checkin_open, "Check in now", str(checkin.id)))
    elif _unprompted(session, viewer, now):  # its prompt never went: too late in the period, or held
        items.append(Todo("Your check-in is open.", ActionId.checkin_open, "Check in now", "current"))
    for request in store.feedback_requests_to_answer(session, asked_id=viewer.id)[:MOST]:
        subject = people.get(session, person_id=request.subject_id)
        about = "you" if subject is None else subject.name
        asker = people.get(session, person_id=request.requester_id) if request.requester_id else None
        text = f"{asker.name if asker else 'Someone'} asked for your feedback on {about}."
        if subject is not None and subject.id == (asker.id if asker else None):
            text = f"{subject.name} asked for your feedback."
        items.append(Todo(text, ActionId.feedback_give, "Give feedback", str(request.id)))
    for review in store.own_review_steps(session, person_id=viewer.id):
        if review.status == ReviewStatus.invited.value:
            items.append(
                Todo(
                    f"Your self-assessment for {review.cycle}.",
                    ActionId.review_self_open,
                    "Start self-assessment",
                    str(review.id),
                )
            )
        else:
            items.append(
                Todo(f"Your manager's assessment for {review.cycle} waits for your answer, in your DMs.")
            )
    for review, report in store.reports_review_steps(session, manager_id=viewer.id)[:MOST]:
        items.append(
            Todo(
                f"{report.name}'s review for {review.cycle} waits for your assessment.",
                ActionId.review_assess_open,
                "Give your assessment",
                str(review.id),
            )
        )
    waiting = store.checkins_awaiting_reply(session, manager_id=viewer.id)
    for checkin, report in waiting[:MOST]:
        items.append(
            Todo(
                f"{report.name}'s check-in waits for your reply.",
                ActionId.checkin_reply,
                "Reply",
                str(checkin.id),
            )
        )
    if len(waiting) > MOST:
        items.append(Todo(f"and {len(waiting) - MOST} more check-ins waiting for your reply, in your DMs."))
    return items


def _unprompted(session: Session, person: Person, now: datetime) -> bool:
    """The period open now has no check-in yet: no prompt went (one is not sent in a period's last quarter,
    nor to someone who joined after it opened), yet the person may check in ("current": the handler opens
    the period's check-in)."""
    if not gets_checkins(person) or is_quiet(person, now, set()):
        return False
    assert person.id is not None
    period = checkin_service.current_period(session, person, now)
    return checkin_store.get_for(session, person_id=person.id, period_key=period.key) is None
