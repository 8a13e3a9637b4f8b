"""Modal submissions: a check-in, a reply, settings, feedback, goals, reviews. Errors go back inline, in the
modal."""

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from slack_bolt import Ack, App
from sqlmodel import Session

from domain import cadence_settings, checkins, conversation, feedback, goals, reviews
from domain.core import delivery
from domain.core.refusals import NotAllowed, NotInOrg
from domain.core.services import Services
from handlers.payloads import input_values, int_or_none
from message_templates.ids import CallbackId
from message_templates.render import render_view
from storage.types import utcnow

log = logging.getLogger(__name__)


def register(app: App) -> None:
    app.view(CallbackId.checkin_submit)(submit_checkin)
    app.view(CallbackId.checkin_reply_submit)(submit_reply)
    app.view(CallbackId.checkins_settings_submit)(submit_settings)
    app.view(CallbackId.feedback_submit)(submit_feedback)
    for callback_id in MODALS:
        app.view(callback_id)(submit_goal if callback_id.startswith("goal_") else submit_review)


def submit_checkin(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: dict) -> None:
    services = context["services"]
    try:
        with services.session() as session:
            result = checkins.submit(
                session,
                slack_user_id=body["user"]["id"],
                checkin_id=int_or_none(view.get("private_metadata")) or 0,
                answers=input_values(view),
                now=utcnow(),
            )
    except (NotAllowed, NotInOrg):
        ack(response_action="errors", errors={"progress": "This check-in is not yours; nothing was saved."})
        return
    if result.errors:
        ack(response_action="errors", errors=result.errors)
        return
    ack()
    checkins.share_with_manager(services, checkin_id=result.checkin_id)


def submit_reply(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: dict) -> None:
    services = context["services"]
    try:
        with services.session() as session:
            result = conversation.reply(
                session,
                slack_user_id=body["user"]["id"],
                checkin_id=int_or_none(view.get("private_metadata")) or 0,
                text=input_values(view).get("reply", ""),
                now=utcnow(),
            )
    except (NotAllowed, NotInOrg):
        ack(response_action="errors", errors={"reply": "Only their manager or an HR admin can reply."})
        return
    if result.errors:
        ack(response_action="errors", errors=result.errors)
        return
    ack()
    delivery.deliver(services, result.posts)


def submit_settings(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: dict) -> None:
    services = context["services"]
    try:
        with services.session() as session:
            errors = cadence_settings.save(
                session,
                slack_user_id=body["user"]["id"],
                values={**input_values(view), "team": view.get("private_metadata", "")},
                now=utcnow(),
            )
    except NotInOrg:
        errors = {"team": "You are not set up in checkins."}
    if errors:
        ack(response_action="errors", errors=errors)
    else:
        ack()


def submit_feedback(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: dict) -> None:
    services = context["services"]
    values = input_values(view)
    request_id = int_or_none(view.get("private_metadata"))
    try:
        with services.session() as session:
            recipient = values.get("recipient") or feedback.request_subject(session, request_id=request_id)
            outcome = feedback.give(
                session,
                giver_slack_id=body["user"]["id"],
                recipient_slack_id=recipient,
                text=values.get("text", ""),
                private=values.get("visibility") == "recipient_only",
                praise="praise" in values.get("praise", "").split(","),
                request_id=request_id,
                now=utcnow(),
            )
    except (NotAllowed, NotInOrg) as err:
        ack(
            response_action="errors",
            errors={"text": str(err) if isinstance(err, NotAllowed) else "Not set up."},
        )
        return
    if outcome.errors:
        if "recipient" in outcome.errors and "recipient" not in values:  # asked-for feedback: no select
            outcome.errors["text"] = outcome.errors.pop("recipient")
        ack(response_action="errors", errors=outcome.errors)
        return
    ack(
        response_action="update",
        view=render_view("modal_done.json.j2", title="Feedback", notice=outcome.notice),
    )
    delivery.deliver(services, outcome.posts)


# Where a refusal shows in each goal and review modal (a block each has), and the title of its done view.
MODALS = {
    CallbackId.goal_submit: ("title", "Goal"),
    CallbackId.goal_progress_submit: ("status", "Goal progress"),
    CallbackId.goal_decision_submit: ("comment", "Goal"),
    CallbackId.review_self_submit: ("went_well", "Self-assessment"),
    CallbackId.review_assess_submit: ("overall", "Assessment"),
    CallbackId.review_revise_submit: ("comment", "Ask to revise"),
}


def _answer_modal(
    ack: Ack,
    body: dict[str, Any],
    view: dict[str, Any],
    context: dict,
    *,
    call: Callable[[Session, CallbackId, str, dict[str, str], str, datetime], Any],
    refusals: tuple[type[Exception], ...],
    send: Callable[[Services, Any], None],
) -> None:
    """The shape goal and review submissions share: the domain's errors inline, its refusals on the modal's
    first block, nothing kept on error; a done view; then what the domain asked to send."""
    services = context["services"]
    callback = CallbackId(view["callback_id"])
    first_block, title = MODALS[callback]
    user_id, values, metadata = body["user"]["id"], input_values(view), view.get("private_metadata", "")
    try:
        with services.session() as session:
            outcome = call(session, callback, user_id, values, metadata, utcnow())
            if outcome.errors:
                session.rollback()
    except refusals as err:
        ack(response_action="errors", errors={first_block: str(err)})
        return
    except NotInOrg:
        ack(response_action="errors", errors={first_block: "You are not set up in checkins."})
        return
    if outcome.errors:
        ack(response_action="errors", errors=outcome.errors)
        return
    ack(response_action="update", view=render_view("modal_done.json.j2", title=title, notice=outcome.notice))
    send(services, outcome)


def _goal_call(session, callback, user_id, values, metadata, now):
    if callback == CallbackId.goal_submit:
        return goals.save(session, actor_slack_id=user_id, metadata=metadata, values=values, now=now)
    if callback == CallbackId.goal_progress_submit:
        goal_id = int_or_none(metadata) or 0
        return goals.update_progress(session, actor_slack_id=user_id, goal_id=goal_id, values=values, now=now)
    comment = values.get("comment", "")
    return goals.decide(session, actor_slack_id=user_id, metadata=metadata, comment=comment, now=now)


def _review_call(session, callback, user_id, values, metadata, now):
    if callback == CallbackId.review_self_submit:
        return reviews.submit_self(session, actor_slack_id=user_id, metadata=metadata, values=values, now=now)
    if callback == CallbackId.review_assess_submit:
        return reviews.submit_assessment(
            session, actor_slack_id=user_id, metadata=metadata, values=values, now=now
        )
    comment = values.get("comment", "")
    return reviews.ask_revision(session, actor_slack_id=user_id, metadata=metadata, comment=comment, now=now)


def submit_goal(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: dict) -> None:
    refusals = (NotAllowed, goals.GoalError)
    _answer_modal(ack, body, view, context, call=_goal_call, refusals=refusals, send=goals.send)


def submit_review(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: dict) -> None:
    refusals = (NotAllowed, reviews.ReviewError)
    _answer_modal(ack, body, view, context, call=_review_call, refusals=refusals, send=reviews.send)
