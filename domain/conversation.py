"""What people write to the app in their DM is kept in their performance file."""

from sqlmodel import Session

from domain.performance_file import record
from storage import people
from storage.models import EntryKind


def record_direct_message(
    session: Session, *, slack_user_id: str, text: str, channel: str, ts: str, thread_ts: str | None
) -> bool:
    """False when the writer is not in the org: nothing is kept about strangers."""
    person = people.get_by_slack_id(session, slack_user_id=slack_user_id)
    if person is None or not person.active or not text.strip():
        return False
    data = {"thread_ts": thread_ts} if thread_ts else {}
    record(
        session,
        person=person,
        author=person,
        kind=EntryKind.message,
        text=text,
        data=data,
        channel=channel,
        ts=ts,
    )
    return True
