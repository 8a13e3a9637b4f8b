"""Check-ins that reach people: a prompt or reminder sent exactly once, all of them in parallel, and a
submitted check-in shared with the manager."""

import time as clock_time
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlmodel import Session

from domain.checkins import templates
from domain.checkins.due import Due
from domain.checkins.periods import period_label
from domain.checkins.questions import answered, needs_attention
from domain.checkins.service import checkin_for
from domain.core import delivery
from domain.core.progress import Progress, silent
from domain.core.services import Services
from domain.core.slack import Posted
from domain.home.refresh import changed as home_changed
from message_templates.render import render_message
from storage import checkins as store
from storage import people
from storage.models import CheckinStatus, SendKind

STALE_CLAIM = delivery.STALE_CLAIM
SEND_EVENT = delivery.SEND_EVENT


def send(services: Services, due: Due, *, now: datetime, clock: Callable[[], datetime] | None = None) -> bool:
    """A prompt or reminder, once (see domain.core.delivery): True when this call sent it."""
    person, period = due.person, due.period
    checkin_ids: list[int] = []

    def compose(session: Session) -> dict | None:
        checkin = checkin_for(session, person, period)
        checkin_ids.append(checkin.id)
        # Answered or skipped meanwhile, or (for a prompt) already prompted: nothing to send.
        if checkin.status != CheckinStatus.prompted or (due.kind == SendKind.prompt and checkin.prompt_ts):
            return None
        template = "checkins/prompt.json.j2" if due.kind == SendKind.prompt else "checkins/reminder.json.j2"
        label = period_label(checkin, person)
        return render_message(template, person=person, checkin=checkin, label=label, kind=due.kind.value)

    def record(session: Session, posted: Posted) -> None:
        # the thread the conversation lives in never moves: only a check-in without one gets it
        if due.kind == SendKind.prompt and store.set_prompt(
            session, checkin_id=checkin_ids[0], channel=posted.channel, ts=posted.ts
        ):
            home_changed(session, person.id)

    sent = delivery.send_once(
        services,
        person=person,
        key=period.key,
        kind=due.kind,
        compose=compose,
        oldest=period.opens,
        now=now,
        clock=clock,
        record=record,
    )
    return sent is not None and sent.new


def fan_out(
    services: Services, dues: list[Due], *, now: datetime, workers: int = 16, progress: Progress = silent
) -> delivery.FanOut:
    """Sends in parallel; the gateway paces them to Slack's limits. One failure does not stop the rest."""
    started = clock_time.monotonic()

    def clock() -> datetime:
        return now + timedelta(seconds=clock_time.monotonic() - started)

    return delivery.fan_out(
        dues,
        lambda due: send(services, due, now=now, clock=clock),
        whom=lambda due: f"person {due.person.id} ({due.kind})",
        workers=workers,
        progress=progress,
    )


def share_with_manager(services: Services, *, checkin_id: int) -> None:
    """The manager gets the check-in (or its edit) in a DM; the employee's prompt shows it is done."""
    with services.session() as session:
        checkin = store.get(session, checkin_id=checkin_id)
        person = people.get(session, person_id=checkin.person_id)
        manager = people.get(session, person_id=person.manager_id) if person.manager_id else None
        label = period_label(checkin, person)
        questions = templates.questions_of(templates.of_checkin(session, checkin))
        context = {"checkin": checkin, "person": person, "label": label, "questions": questions}
        to_manager = render_message(
            "checkins/to_manager.json.j2",
            answered=answered(checkin.answers, questions),
            attention=needs_attention(checkin.answers, questions),
            **context,
        )
        done = render_message("checkins/done.json.j2", **context)
    gateway = services.gateway
    if checkin.prompt_channel and checkin.prompt_ts:
        gateway.update(checkin.prompt_channel, checkin.prompt_ts, done)
    else:  # answered from /checkins before any prompt: the confirmation gets a message of its own
        posted = gateway.dm(person.slack_user_id, done)
        with services.session() as session:
            stored = store.get(session, checkin_id=checkin_id)
            stored.prompt_channel, stored.prompt_ts = posted.channel, posted.ts
    if manager is None or not manager.active:
        return
    if checkin.manager_id == manager.id and checkin.manager_channel and checkin.manager_ts:
        gateway.update(checkin.manager_channel, checkin.manager_ts, to_manager)
        return
    # First share, or the manager changed since: the current manager gets it; the former one nothing more.
    posted = gateway.dm(manager.slack_user_id, to_manager)
    with services.session() as session:
        stored = store.get(session, checkin_id=checkin_id)
        stored.manager_channel, stored.manager_ts, stored.manager_id = posted.channel, posted.ts, manager.id
        home_changed(session, manager)  # a check-in waiting for their reply
