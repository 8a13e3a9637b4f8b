"""Buttons: open the check-in modal, the manager's reply modal, the feedback form."""

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond
from sqlmodel import Session

from domain import checkins, conversation, feedback
from domain.access import NotAllowed
from domain.directory import NotInOrg
from handlers.payloads import int_or_none
from message_templates.ids import ActionId
from message_templates.render import render_message, render_view
from storage.types import utcnow


def register(app: App) -> None:
    app.action(ActionId.checkin_open)(open_checkin)
    app.action(ActionId.checkin_reply)(open_reply)
    app.action(ActionId.feedback_give)(open_feedback)


def _open_modal(
    context: dict, body: dict[str, Any], respond: Respond, build: Callable[[Session], dict]
) -> None:
    """Builds the view from the domain and opens it; a refusal goes back to the person, ephemeral."""
    services = context["services"]
    try:
        with services.session() as session:
            view = build(session)
    except (NotAllowed, checkins.CheckinError, feedback.FeedbackError) as err:
        message = str(err)
    except NotInOrg:
        message = "You are not set up in checkins yet. Ask your HR admin to add you."
    else:
        services.gateway.open_view(body["trigger_id"], view)
        return
    respond({**render_message("notice.json.j2", message=message), "replace_original": False})


def open_checkin(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, context: dict
) -> None:
    ack()

    def build(session: Session) -> dict:
        form = checkins.form(
            session,
            slack_user_id=body["user"]["id"],
            checkin_id=int_or_none(action.get("value")),
            now=utcnow(),
        )
        return render_view("checkin_modal.json.j2", form=form)

    _open_modal(context, body, respond, build)


def open_reply(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, context: dict
) -> None:
    ack()

    def build(session: Session) -> dict:
        checkin, person = conversation.reply_context(
            session, slack_user_id=body["user"]["id"], checkin_id=int_or_none(action.get("value")) or 0
        )
        label = checkins.period_label(checkin, person)
        return render_view("checkin_reply_modal.json.j2", checkin=checkin, person=person, label=label)

    _open_modal(context, body, respond, build)


def open_feedback(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, context: dict
) -> None:
    ack()

    def build(session: Session) -> dict:
        form = feedback.form(
            session,
            slack_user_id=body["user"]["id"],
            request_id=int_or_none(action.get("value")) or 0,
            recipient_slack_id=None,
            text="",
        )
        return render_view("feedback_modal.json.j2", form=form)

    _open_modal(context, body, respond, build)
