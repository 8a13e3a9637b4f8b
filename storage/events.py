"""Deduplication of Slack events: Slack retries, possibly to another instance."""

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from storage.models import ProcessedEvent
from storage.types import utcnow


def claim(session: Session, *, event_id: str) -> bool:
    """True for the first delivery of an event, False for every repeat, whichever instance saw it first."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(ProcessedEvent)
        .values(event_id=event_id, received_at=utcnow())
        .on_conflict_do_nothing(index_elements=["event_id"])
        .returning(ProcessedEvent.event_id)
    )
    return session.execute(statement).first() is not None
