"""Feedback between colleagues, one unit of work each: given, asked for, and read; kept in the recipient's
performance file.

Visibility is the giver's choice: the recipient and their manager (the default), or the recipient only.
Nobody else sees a piece of feedback, through any command or view; its giver sees what they gave.
"""

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from domain.core import channels
from domain.core.access import can_read_file, is_admin, is_manager_of
from domain.core.delivery import Outcome, Post
from domain.core.directory import person_for
from domain.core.refusals import NotAllowed, Refusal
from domain.home.refresh import changed as home_changed
from domain.performance_file.entries import record
from message_templates.render import render_message
from storage import app_settings, people
from storage import feedback as store
from storage.models import EntryKind, Feedback, FeedbackRequest, Person, Visibility

log = logging.getLogger(__name__)

MAX_FEEDBACK = 3000
PRAISE_CHANNEL = "praise_channel"


class FeedbackError(Refusal):
    """Refused by this feature; the message is what the person reads."""


def _check_recipient(giver: Person, recipient: Person | None, name: str) -> str | None:
    if recipient is None:
        return f"{name} is not in checkins: bots and people outside the org cannot get feedback."
    if not recipient.active:
        return f"{recipient.name} has left: deactivated people cannot get feedback."
    if recipient.id == giver.id:
        return "Feedback on yourself belongs in your check-in."
    return None


def _check_text(text: str) -> str | None:
    if not text.strip():
        return "Write your feedback first."
    if len(text.strip()) > MAX_FEEDBACK:
        return f"Keep it under {MAX_FEEDBACK} characters (this is {len(text.strip())})."
    return None


def give(
    session: Session,
    *,
    giver_slack_id: str,
    recipient_slack_id: str,
    text: str,
    private: bool = False,
    praise: bool = False,
    request_id: int | None = None,
    now: datetime,
) -> Outcome:
    """Errors are keyed by the modal's blocks: recipient, text."""
    giver = person_for(session, giver_slack_id)
    recipient = people.get_by_slack_id(session, slack_user_id=recipient_slack_id)
    errors = {}
    if problem := _check_recipient(giver, recipient, f"<@{recipient_slack_id}>"):
        errors["recipient"] = problem
    if problem := _check_text(text):
        errors["text"] = problem
    request = store.get_request(session, request_id=request_id) if request_id else None
    if request_id and (
        request is None
        or request.asked_id != giver.id
        or recipient is None
        or request.subject_id != recipient.id
    ):
        log.warning("person %s answered feedback request %s, which was not theirs", giver.id, request_id)
        raise NotAllowed("That feedback request was not sent to you.")
    if errors:
        return Outcome(errors=errors)
    assert recipient is not None
    text = text.strip()
    visibility = Visibility.recipient_only if private else Visibility.recipient_and_manager
    item = store.add(
        session,
        feedback=Feedback(
            giver_id=giver.id,
            recipient_id=recipient.id,
            text=text,
            praise=praise,
            visibility=visibility.value,
            request_id=request_id,
            created_at=now,
        ),
    )
    record(
        session,
        person=recipient,
        author=giver,
        kind=EntryKind.feedback,
        text=text,
        data={
            "feedback_id": item.id,
            "praise": praise,
            "visibility": visibility.value,
            "request_id": request_id,
        },
        private=private,
    )
    posts = [
        Post(
            recipient.slack_user_id, None, render_message("feedback/received.json.j2", item=item, giver=giver)
        )
    ]
    channel = app_settings.setting(session, key=PRAISE_CHANNEL)
    if praise and channel and not private:
        posts.append(
            Post(
                channel,
                None,
                render_message("feedback/praise.json.j2", item=item, giver=giver, recipient=recipient),
            )
        )
    if request is not None:
        request.answered_at = now
        home_changed(session, request.asked_id)
        requester = people.get(session, person_id=request.requester_id)
        shown = requester is not None and (
            requester.id == recipient.id or (not private and can_read_file(requester, recipient))
        )
        answer = render_message(
            "feedback/answered.json.j2", item=item, giver=giver, recipient=recipient, shown=shown
        )
        if requester is not None:
            posts.append(Post(requester.slack_user_id, None, answer))
    return Outcome(posts=posts, notice=f"Your feedback reached {recipient.name}.")


def request(
    session: Session,
    *,
    requester_slack_id: str,
    asked_slack_ids: list[str],
    about_slack_id: str | None,
    now: datetime,
) -> Outcome:
    """Asks colleagues for feedback on yourself, or (a manager, an admin) on someone you manage."""
    requester = person_for(session, requester_slack_id)
    subject = requester
    if about_slack_id:
        about = people.get_by_slack_id(session, slack_user_id=about_slack_id)
        if about is None or not (is_manager_of(requester, about) or is_admin(requester)):
            raise FeedbackError("You can ask for feedback on yourself, or on someone who reports to you.")
        subject = about
    if not asked_slack_ids:
        raise FeedbackError("Name who to ask: `/feedback request @colleague [@another] [about @report]`.")
    problems, asked = [], []
    for slack_id in dict.fromkeys(asked_slack_ids):
        person = people.get_by_slack_id(session, slack_user_id=slack_id)
        if person is not None and person.id == requester.id:
            problems.append("You cannot ask yourself.")
        elif problem := _check_recipient(subject, person, f"<@{slack_id}>"):
            problems.append(problem.replace("get feedback", "be asked") if person is None else problem)
        else:
            asked.append(person)
    if problems:
        raise FeedbackError(" ".join(problems))
    posts = []
    for person in asked:
        row = store.add_request(
            session,
            request=FeedbackRequest(
                requester_id=requester.id, subject_id=subject.id, asked_id=person.id, created_at=now
            ),
        )
        home_changed(session, person)
        message = render_message(
            "feedback/request.json.j2", request=row, requester=requester, subject=subject
        )
        posts.append(Post(person.slack_user_id, None, message))
    names = ", ".join(p.name for p in asked)
    about_whom = "you" if subject.id == requester.id else subject.name
    return Outcome(
        posts=posts, notice=f"Asked {names} for feedback on {about_whom}; answers will come to you here."
    )


def request_subject(session: Session, *, request_id: int | None) -> str:
    """The Slack id of whom a feedback request is about ("" when there is no such request)."""
    row = store.get_request(session, request_id=request_id) if request_id else None
    subject = people.get(session, person_id=row.subject_id) if row else None
    return subject.slack_user_id if subject else ""


@dataclass(frozen=True)
class FeedbackForm:
    request_id: int | None
    subject: Person | None
    recipient_slack_id: str | None
    text: str
    praise_channel: str | None


def form(
    session: Session, *, slack_user_id: str, request_id: int | None, recipient_slack_id: str | None, text: str
) -> FeedbackForm:
    giver = person_for(session, slack_user_id)
    subject = None
    if request_id is not None:
        row = store.get_request(session, request_id=request_id)
        if row is None or row.asked_id != giver.id:
            raise NotAllowed("That feedback request was not sent to you.")
        if row.answered_at is not None:
            raise FeedbackError("You already answered that request. Thank you!")
        subject = people.get(session, person_id=row.subject_id)
    return FeedbackForm(
        request_id=request_id,
        subject=subject,
        recipient_slack_id=subject.slack_user_id if subject else recipient_slack_id,
        text=text,
        praise_channel=app_settings.setting(session, key=PRAISE_CHANNEL),
    )


@dataclass(frozen=True)
class Recent:
    received: list[tuple[Feedback, Person | None]]
    given: list[tuple[Feedback, Person | None]]


def recent(session: Session, *, slack_user_id: str, limit: int = 10) -> Recent:
    """What I received (all of it: it is mine) and what I gave. Nothing about anyone else."""
    me = person_for(session, slack_user_id)
    assert me.id is not None

    def who(person_id: int) -> Person | None:
        return people.get(session, person_id=person_id)

    return Recent(
        received=[(f, who(f.giver_id)) for f in store.received(session, person_id=me.id, limit=limit)],
        given=[(f, who(f.recipient_id)) for f in store.given(session, person_id=me.id, limit=limit)],
    )


def set_praise_channel(session: Session, *, slack_user_id: str, channel_text: str) -> str:
    try:
        return channels.choose(
            session, slack_user_id=slack_user_id, channel_text=channel_text, key=PRAISE_CHANNEL, what="praise"
        )
    except channels.ChannelError as err:
        raise FeedbackError(str(err)) from err
