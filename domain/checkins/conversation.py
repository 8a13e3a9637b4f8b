"""The two-way conversation around a check-in, and whatever else people write to the app in their DM.

The employee's check-in lives in a thread of their DM with the app; the manager's copy in a thread of theirs.
What one side writes in their thread reaches the other's, and all of it goes into the employee's file.
"""

import logging
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlmodel import Session

from domain.checkins.questions import MAX_ANSWER
from domain.core import bounds
from domain.core.access import can_decide_for
from domain.core.delivery import Outcome, Post
from domain.core.directory import person_for
from domain.core.refusals import NotAllowed
from domain.home.refresh import changed as home_changed
from domain.performance_file.entries import record
from message_templates.render import render_message
from storage import checkins as store
from storage import file_entries, people
from storage.models import Checkin, EntryKind, Person

log = logging.getLogger(__name__)


def _to_employee(checkin: Checkin, author: Person, text: str) -> list[Post]:
    if not checkin.prompt_channel:
        return []
    message = render_message("checkins/thread_message.json.j2", author=author, text=text, about=None)
    return [Post(checkin.prompt_channel, checkin.prompt_ts, message)]


def _to_manager(checkin: Checkin, person: Person, author: Person, text: str) -> list[Post]:
    """Only to the manager the check-in went to, and only while they are still the person's manager."""
    if not checkin.manager_channel or checkin.manager_id is None or checkin.manager_id != person.manager_id:
        return []
    message = render_message("checkins/thread_message.json.j2", author=author, text=text, about=None)
    return [Post(checkin.manager_channel, checkin.manager_ts, message)]


def reply_context(session: Session, *, slack_user_id: str, checkin_id: int) -> tuple[Checkin, Person]:
    """The check-in a manager is about to answer; only the person's manager or an admin may."""
    replier = person_for(session, slack_user_id)
    checkin = store.get(session, checkin_id=checkin_id)
    person = people.get(session, person_id=checkin.person_id) if checkin else None
    if checkin is None or person is None or not can_decide_for(replier, person):
        log.warning("person %s may not reply to check-in %s", replier.id, checkin_id)
        raise NotAllowed("Only this person's manager or an HR admin can reply to their check-in.")
    return checkin, person


def reply(session: Session, *, slack_user_id: str, checkin_id: int, text: str, now: datetime) -> Outcome:
    checkin, person = reply_context(session, slack_user_id=slack_user_id, checkin_id=checkin_id)
    manager = person_for(session, slack_user_id)
    text = text.strip()
    if not text:
        return Outcome(errors={"reply": "Write a reply first."}, posts=[])
    if len(text) > MAX_ANSWER:
        return Outcome(errors={"reply": f"Keep it under {MAX_ANSWER} characters."}, posts=[])
    checkin.manager_replied_at = checkin.manager_replied_at or now
    store.save(session, checkin=checkin)
    home_changed(session, checkin.manager_id, manager)
    record(
        session,
        person=person,
        author=manager,
        kind=EntryKind.manager_reply,
        text=text,
        data={"checkin_id": checkin.id, "period": checkin.period_key},
    )
    posts = _to_employee(checkin, manager, text) + _to_manager(checkin, person, manager, text)
    return Outcome(errors={}, posts=posts)


def on_direct_message(
    session: Session,
    *,
    slack_user_id: str,
    text: str,
    channel: str,
    ts: str,
    thread_ts: str | None,
    now: datetime,
) -> Outcome:
    """Keeps what someone wrote; in a check-in thread it also reaches the other side. Strangers: nothing."""
    writer = people.get_by_slack_id(session, slack_user_id=slack_user_id)
    if writer is None or not writer.active or not text.strip():
        return Outcome()
    dm = _DirectMessage.of(text, channel=channel, ts=ts, thread_ts=thread_ts, now=now)
    # Kept already: its job runs again after a worker died, maybe between keeping it and relaying it. It is
    # not kept twice, and its relay is looked for in the other side's thread before it is posted.
    kept = bool(
        dm.channel and dm.ts and file_entries.has_message(session, slack_channel=dm.channel, slack_ts=dm.ts)
    )
    text, thread_ts = dm.text, dm.thread_ts
    if thread_ts:
        checkin = store.by_prompt(session, channel=channel, ts=thread_ts)
        if checkin is not None and checkin.person_id == writer.id:
            if not kept:
                _keep(session, writer, writer, EntryKind.message, dm, checkin)
            return Outcome(posts=_relays(_to_manager(checkin, writer, writer, text), dm, kept))
        checkin = store.by_manager_thread(session, channel=channel, ts=thread_ts)
        if checkin is not None:
            person = people.get(session, person_id=checkin.person_id)
            if person is not None and can_decide_for(writer, person):
                if not kept:
                    _keep(session, person, writer, EntryKind.manager_reply, dm, checkin)
                if checkin.manager_replied_at is None:
                    home_changed(session, checkin.manager_id, writer)
                checkin.manager_replied_at = checkin.manager_replied_at or now
                return Outcome(posts=_relays(_to_employee(checkin, writer, text), dm, kept))
    if not kept:
        _keep(session, writer, writer, EntryKind.message, dm, None)
    return Outcome()


def _relays(posts: list[Post], dm: "_DirectMessage", kept: bool) -> list[Post]:
    """Relays carry their source's ts, so a job run again finds one that landed (a DM with no ts: none)."""
    if not dm.ts:
        return posts
    return [replace(post, relay_of=f"{dm.channel}/{dm.ts}", recheck=kept) for post in posts]


@dataclass(frozen=True)
class _DirectMessage:
    """A DM as the file keeps it: Slack's own bounds on its text, its ts and its thread."""

    text: str
    channel: str | None
    ts: str | None
    thread_ts: str | None
    written: datetime
    sent_length: int

    @classmethod
    def of(
        cls, text: str, *, channel: str, ts: str, thread_ts: str | None, now: datetime
    ) -> "_DirectMessage":
        kept = text[: bounds.MESSAGE_MAX]
        if len(text) > len(kept):
            kept += f"\n[cut: {len(text):,} characters were sent, the first {bounds.MESSAGE_MAX:,} are kept]"
        return cls(
            text=kept,
            channel=channel if bounds.is_slack_id(channel) else None,
            ts=bounds.slack_ts(ts),
            thread_ts=bounds.slack_ts(thread_ts),
            # When it was written, as Slack says: events may be handled out of order (Slack does not promise
            # an order, and the app handles several at once). A forged or garbled ts: when it arrived.
            written=bounds.time_of(ts, now),
            sent_length=len(text),
        )


def _keep(
    session: Session,
    person: Person,
    author: Person,
    kind: EntryKind,
    dm: _DirectMessage,
    checkin: Checkin | None,
) -> None:
    data: dict[str, Any] = {"checkin_id": checkin.id, "period": checkin.period_key} if checkin else {}
    if dm.thread_ts and checkin is None:
        data["thread_ts"] = dm.thread_ts
    if dm.sent_length > bounds.MESSAGE_MAX:
        data["sent_length"] = dm.sent_length
    record(
        session,
        person=person,
        author=author,
        kind=kind,
        text=dm.text,
        data=data,
        channel=dm.channel,
        ts=dm.ts,
        at=dm.written,
    )
