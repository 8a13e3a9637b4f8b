"""Feedback that reaches people later: a reminder of a request still unanswered."""

from datetime import datetime, timedelta

from sqlmodel import Session

from domain.core import delivery
from domain.core.services import Services
from message_templates.render import render_message
from storage import feedback as store
from storage import people
from storage.models import FeedbackRequest, Person

REMIND_AFTER = timedelta(hours=48)
REQUEST_REMINDER = "fb_reminder"


def due_request_reminders(session: Session, *, now: datetime) -> list[tuple[FeedbackRequest, Person]]:
    """Unanswered requests asked 48 hours ago or more, with the active person asked."""
    due = []
    for row in store.unanswered_requests(session, asked_before=now - REMIND_AFTER):
        asked = people.get(session, person_id=row.asked_id)
        if asked is not None and asked.active and people.get(session, person_id=row.subject_id) is not None:
            due.append((row, asked))
    return due


def reminder_key(request_id: int) -> str:
    return f"fr:{request_id}"


def remind(services: Services, *, request_id: int, asked: Person, asked_at: datetime, now: datetime) -> bool:
    """The reminder of one request, once: True when this call sent it."""

    def compose(session: Session) -> dict | None:
        current = store.get_request(session, request_id=request_id)
        if current is None or current.answered_at is not None:
            return None
        requester = people.get(session, person_id=current.requester_id)
        subject = people.get(session, person_id=current.subject_id)
        return render_message(
            "feedback/request.json.j2",
            request=current,
            requester=requester,
            subject=subject,
            reminder=True,
        )

    result = delivery.send_once(
        services,
        person=asked,
        key=reminder_key(request_id),
        kind=REQUEST_REMINDER,
        compose=compose,
        oldest=asked_at,
        now=now,
    )
    return bool(result and result.new)
