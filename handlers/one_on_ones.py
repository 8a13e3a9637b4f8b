"""1:1s: `/checkins 1on1 ...` (routed here by handlers/checkins.py), the agenda's buttons (discussed, done,
add a point), the message shortcut "Add to 1:1", and the modal that adds a point."""

import re
from datetime import date, datetime
from typing import Any

from slack_bolt import Ack, App, Respond

from domain.core import delivery, directory
from domain.core.clock import utcnow
from domain.core.directory import person_for
from domain.core.services import Services
from domain.one_on_ones import reading, service
from handlers.home import own_home
from handlers.listeners import (
    answer_submission,
    input_values,
    int_or_none,
    notice,
    open_modal,
    refusals_told,
    tell,
)
from message_templates.ids import ActionId, CallbackId
from message_templates.render import render_message, render_view

HELP = (
    "`/checkins 1on1` your 1:1s and their agendas · "
    "`/checkins 1on1 with @person weekly tue 10:00` set one up (weekly, biweekly or monthly) · "
    "`/checkins 1on1 add [@person] TEXT` a talking point · "
    "`/checkins 1on1 note [@person] TEXT` a shared note (in the file) · "
    "`/checkins 1on1 private [@person] TEXT` a note only you will ever read · "
    "`/checkins 1on1 notes [@person]` your private notes · "
    "`/checkins 1on1 action [@person] @owner YYYY-MM-DD TEXT` an action item · `/checkins 1on1 end [@person]`"
)
LEADING_MENTION = re.compile(rf"^\s*{directory.MENTION.pattern}\s*")
DAY = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})\s*")


def register(app: App) -> None:
    app.action(ActionId.one_on_one_discussed)(point_discussed)
    app.action(ActionId.one_on_one_done)(action_done)
    app.action(ActionId.one_on_one_add)(open_add)
    app.action(ActionId.one_on_one_accept)(take_suggestion)
    app.action(ActionId.one_on_one_dismiss)(take_suggestion)
    app.shortcut(CallbackId.one_on_one_shortcut)(add_from_message)
    app.view(CallbackId.one_on_one_add_submit)(submit_add)


def _with(text: str) -> tuple[str | None, str]:
    """An optional leading @mention (whose 1:1), and the rest as typed."""
    match = LEADING_MENTION.match(text)
    return (match.group(1), text[match.end() :]) if match else (None, text)


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def command(services: Services, command: dict[str, Any], text: str, respond: Respond, now: datetime) -> None:
    """`text` is what follows `/checkins 1on1`, as typed."""
    user_id = command["user_id"]
    verb, _, rest = text.strip().partition(" ")
    verb = verb.lower()
    with refusals_told(respond):
        with services.session() as session:
            outcome, message = delivery.Outcome(), None
            if verb in ("", "agenda", "show") or LEADING_MENTION.match(text):
                me = person_for(session, user_id)
                other, _ = _with(text)
                if other:  # one 1:1: the one with whom they name
                    shown = [reading.agenda(session, reading.series_for(session, me, other), me, now=now)]
                else:
                    shown = reading.agendas_of(session, me, now=now)
                message = render_message("one_on_ones/agenda.json.j2", agendas=shown, reminder=False)
            elif verb == "with":
                other, words = _with(rest)
                if other is None:
                    outcome.notice = "Name whom: `/checkins 1on1 with @person weekly tue 10:00`."
                else:
                    outcome = service.set_up(
                        session, slack_user_id=user_id, other_slack_id=other, words=words.split(), now=now
                    )
            elif verb == "add":
                other, words = _with(rest)
                outcome = service.add_point(
                    session, slack_user_id=user_id, text=words, with_slack_id=other, now=now
                )
            elif verb in ("note", "private"):
                other, words = _with(rest)
                outcome = service.add_note(
                    session,
                    slack_user_id=user_id,
                    text=words,
                    private=verb == "private",
                    with_slack_id=other,
                    now=now,
                )
            elif verb == "notes":
                other, _ = _with(rest)
                notes = service.private_notes(session, slack_user_id=user_id, with_slack_id=other)
                message = render_message("one_on_ones/private_notes.json.j2", notes=notes)
            elif verb == "action":
                # `@owner DATE TEXT`, or `@whose-1:1 @owner DATE TEXT`
                first, words = _with(rest)
                owner, words = _with(words)
                other = first if owner else (first if first != user_id else None)
                owner = owner or first
                day = DAY.match(words)
                outcome = service.add_action(
                    session,
                    slack_user_id=user_id,
                    owner_slack_id=owner or user_id,
                    due_on=_day(day.group(1)) if day else None,
                    text=words[day.end() :] if day else words,
                    with_slack_id=other,
                    now=now,
                )
            elif verb == "end":
                other, _ = _with(rest)
                outcome = service.end(session, slack_user_id=user_id, with_slack_id=other, now=now)
            else:
                outcome.notice = HELP
        respond(message or notice(outcome.notice))
        delivery.deliver(services, outcome)


def _after_click(
    services: Services, body: dict[str, Any], respond: Respond, outcome: delivery.Outcome
) -> None:
    """A click on the Home tab publishes it again; one in a message is answered there."""
    if (body.get("container") or {}).get("type") == "view":
        own_home(services, body)
    else:
        tell(respond, notice(outcome.notice))


def point_discussed(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, services: Services
) -> None:
    ack()
    _click(services, body, respond, service.discussed, point_id=int_or_none(action.get("value")))


def action_done(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, services: Services
) -> None:
    ack()
    _click(services, body, respond, service.action_done, action_id=int_or_none(action.get("value")))


def take_suggestion(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, services: Services
) -> None:
    ack()
    accept = action.get("action_id") == ActionId.one_on_one_accept
    _click(
        services, body, respond, service.take_suggestion, value=str(action.get("value") or ""), accept=accept
    )


def _click(services: Services, body: dict[str, Any], respond: Respond, unit, **args: Any) -> None:
    """A button's unit of work, done as whoever clicked, then answered where the click was."""
    with refusals_told(respond):
        with services.session() as session:
            outcome = unit(session, slack_user_id=body["user"]["id"], now=utcnow(), **args)
        _after_click(services, body, respond, outcome)


def _form_view(services: Services, user_id: str, *, series_id: int | None, text: str, source: str):
    def build(session) -> dict:
        me = person_for(session, user_id)
        form = reading.add_form(session, me, series_id=series_id, text=text, source=source)
        return render_view("one_on_ones/add_modal.json.j2", form=form)

    return build


def open_add(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, services: Services
) -> None:
    ack()
    source = "home" if (body.get("container") or {}).get("type") == "view" else "command"
    build = _form_view(
        services, body["user"]["id"], series_id=int_or_none(action.get("value")), text="", source=source
    )
    open_modal(services, body["trigger_id"], respond, build)


def add_from_message(ack: Ack, body: dict[str, Any], respond: Respond, services: Services) -> None:
    """The message shortcut: the message's text, ready to edit, for one of the person's 1:1s."""
    ack()
    text = str((body.get("message") or {}).get("text") or "")[:2000]
    build = _form_view(services, body["user"]["id"], series_id=None, text=text, source="shortcut")
    open_modal(services, body["trigger_id"], respond, build)


def submit_add(ack: Ack, body: dict[str, Any], view: dict[str, Any], services: Services) -> None:
    values = input_values(view)
    named, _, source = str(view.get("private_metadata") or "").partition(":")
    user_id = body["user"]["id"]

    def run(session) -> delivery.Outcome:
        return service.add_point(
            session,
            slack_user_id=user_id,
            text=values.get("text", ""),
            series_id=int_or_none(values.get("series") or named) or -1,
            source=source,
            now=utcnow(),
        )

    outcome = answer_submission(ack, services, run=run, refusal_block="text")
    if outcome is not None and source == "home":
        own_home(services, body)
