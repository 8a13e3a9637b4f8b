"""Feedback that reaches people later: a reminder of a request still unanswered."""

from datetime import datetime, timedelta

from sqlmodel import Session

from domain.core import delivery
from domain.core.services import Services
from message_templates.render import render_message
from storage import feedback as store
from storage import people
from storage.models import Person

REMIND_AFTER = timedelta(hours=48)
REQUEST_REMINDER = "fb_reminder"


def send_request_reminders(services: Services, *, now: datetime) -> int:
    """One reminder per unanswered request, 48 hours after it was asked; once, through the send ledger."""
    with services.session() as session:
        due = [
            (row, people.get(session, person_id=row.asked_id), people.get(session, person_id=row.subject_id))
            for row in store.unanswered_requests(session, asked_before=now - REMIND_AFTER)
        ]
    sent = 0
    for row, asked, subject in due:
        if asked is None or subject is None or not asked.active:
            continue

        def compose(session: Session, row_id: int = row.id, subject: Person = subject) -> dict | None:
            current = store.get_request(session, request_id=row_id)
            if current is None or current.answered_at is not None:
                return None
            requester = people.get(session, person_id=current.requester_id)
            return render_message(
                "feedback/request.json.j2",
                request=current,
                requester=requester,
                subject=subject,
                reminder=True,
            )

        try:
            result = delivery.send_once(
                services,
                person=asked,
                key=f"fr:{row.id}",
                kind=REQUEST_REMINDER,
                compose=compose,
                oldest=row.created_at,
                now=now,
            )
        except delivery.DeliveryFailed:
            continue  # recorded in the ledger; a transient error is tried again by a later tick
        sent += bool(result and result.new)
    return sent
