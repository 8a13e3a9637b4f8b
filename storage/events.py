"""Deduplication of Slack events: Slack retries, possibly to another instance."""

from sqlmodel import Session

from storage.conflicts import insert_if_absent
from storage.models import ProcessedEvent
from storage.types import utcnow


def claim(session: Session, *, event_id: str) -> bool:
    """True for the first delivery of an event, False for every repeat, whichever instance saw it first."""
    values = {"event_id": event_id, "received_at": utcnow()}
    return insert_if_absent(session, ProcessedEvent, values, key=["event_id"]) is not None
