"""Buttons: open the check-in modal, open the manager's reply modal."""

from typing import Any

from slack_bolt import Ack, App, Respond

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


def _refuse(respond: Respond, message: str) -> None:
    respond({**render_message("notice.json.j2", message=message), "replace_original": False})


def open_checkin(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, context: dict
) -> None:
    ack()
    services = context["services"]
    try:
        with services.session() as session:
            form = checkins.form(
                session,
                slack_user_id=body["user"]["id"],
                checkin_id=int_or_none(action.get("value")),
                now=utcnow(),
            )
            view = render_view("checkin_modal.json.j2", form=form)
    except (NotAllowed, checkins.CheckinError) as err:
        _refuse(respond, str(err))
        return
    except NotInOrg:
        _refuse(respond, "You are not set up in checkins yet. Ask your HR admin to add you.")
        return
    services.gateway.open_view(body["trigger_id"], view)


def open_reply(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, context: dict
) -> None:
    ack()
    services = context["services"]
    try:
        with services.session() as session:
            checkin, person = conversation.reply_context(
                session, slack_user_id=body["user"]["id"], checkin_id=int_or_none(action.get("value")) or 0
            )
            view = render_view(
                "checkin_reply_modal.json.j2",
                checkin=checkin,
                person=person,
                label=checkins.period_label(checkin, person),
            )
    except (NotAllowed, NotInOrg):
        _refuse(respond, "Only this person's manager or an HR admin can reply to their check-in.")
        return
    services.gateway.open_view(body["trigger_id"], view)


def open_feedback(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, context: dict
) -> None:
    ack()
    services = context["services"]
    try:
        with services.session() as session:
            form = feedback.form(
                session,
                slack_user_id=body["user"]["id"],
                request_id=int_or_none(action.get("value")) or 0,
                recipient_slack_id=None,
                text="",
            )
            view = render_view("feedback_modal.json.j2", form=form)
    except (NotAllowed, feedback.FeedbackError) as err:
        _refuse(respond, str(err))
        return
    except NotInOrg:
        _refuse(respond, "You are not set up in checkins yet. Ask your HR admin to add you.")
        return
    services.gateway.open_view(body["trigger_id"], view)
