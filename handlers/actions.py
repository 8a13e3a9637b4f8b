"""Buttons: open the check-in modal, the manager's reply modal, the feedback form, the goal and review
modals; agree to a review's plan."""

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond
from sqlmodel import Session

from domain import checkins, conversation, feedback, goals, reviews
from domain.core.refusals import NotAllowed, NotInOrg
from domain.core.services import Services
from handlers.payloads import int_or_none
from message_templates.ids import ActionId
from message_templates.render import render_message, render_view
from storage.types import utcnow


def register(app: App) -> None:
    app.action(ActionId.checkin_open)(open_checkin)
    app.action(ActionId.checkin_reply)(open_reply)
    app.action(ActionId.feedback_give)(open_feedback)
    for action_id in (ActionId.goal_new, ActionId.goal_edit, ActionId.goal_counter, ActionId.goal_progress):
        app.action(action_id)(open_goal_modal)
    for action_id in GOAL_DECISIONS:
        app.action(action_id)(open_goal_modal)
    app.action(ActionId.goal_drop)(drop_goal)
    for action_id in (ActionId.review_self_open, ActionId.review_assess_open, ActionId.review_revise):
        app.action(action_id)(open_review_modal)
    app.action(ActionId.review_agree)(agree_review)


def _open_modal(
    context: dict, body: dict[str, Any], respond: Respond, build: Callable[[Session], dict]
) -> None:
    """Builds the view from the domain and opens it; a refusal goes back to the person, ephemeral."""
    services = context["services"]
    try:
        with services.session() as session:
            view = build(session)
    except (
        NotAllowed,
        checkins.CheckinError,
        feedback.FeedbackError,
        goals.GoalError,
        reviews.ReviewError,
    ) as err:
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


GOAL_DECISIONS = {ActionId.goal_approve, ActionId.goal_reject, ActionId.goal_changes, ActionId.goal_accept}


def open_goal_modal(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, context: dict
) -> None:
    """New goal, edit, counter, progress or a decision: which one comes from the button pressed; who may,
    from who pressed it."""
    ack()
    user_id, action_id = body["user"]["id"], ActionId(action["action_id"])
    value = action.get("value") or ""
    number = int_or_none(value) or 0

    def build(session: Session) -> dict:
        if action_id == ActionId.goal_progress:
            form = goals.progress_form(session, actor_slack_id=user_id, goal_id=number)
            return render_view("goal_progress_modal.json.j2", form=form)
        if action_id in GOAL_DECISIONS:
            decision = action_id.removeprefix("goal_")
            form = goals.decision_form(session, actor_slack_id=user_id, proposal_id=number, decision=decision)
            return render_view("goal_decision_modal.json.j2", form=form)
        target = {
            ActionId.goal_new: {"person_slack_id": value or None},
            ActionId.goal_edit: {"goal_id": number},
            ActionId.goal_counter: {"counter_proposal_id": number},
        }[action_id]
        form = goals.form(session, actor_slack_id=user_id, today=utcnow().date(), **target)
        return render_view("goal_modal.json.j2", form=form)

    _open_modal(context, body, respond, build)


def _act(
    respond: Respond,
    context: dict,
    *,
    run: Callable[[Session], Any],
    refusals: tuple[type[Exception], ...],
    send: Callable[[Services, Any], None],
) -> None:
    """A button that does something at once: the domain's notice or refusal back to the person, ephemeral;
    then what the domain asked to send."""
    services = context["services"]
    outcome = None
    try:
        with services.session() as session:
            outcome = run(session)
        message = outcome.notice
    except refusals as err:
        message = str(err)
    except NotInOrg:
        message = "You are not set up in checkins yet. Ask your HR admin to add you."
    respond({**render_message("notice.json.j2", message=message), "replace_original": False})
    if outcome is not None:
        send(services, outcome)


def drop_goal(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, context: dict
) -> None:
    ack()
    user_id, goal_id = body["user"]["id"], int_or_none(action.get("value")) or 0

    def run(session: Session) -> goals.Outcome:
        return goals.propose_drop(session, actor_slack_id=user_id, goal_id=goal_id, now=utcnow())

    _act(respond, context, run=run, refusals=(NotAllowed, goals.GoalError), send=goals.send)


def open_review_modal(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, context: dict
) -> None:
    """The self-assessment, the manager's assessment, or asking to revise: which one comes from the button
    pressed; who may, from who pressed it."""
    ack()
    user_id, action_id = body["user"]["id"], ActionId(action["action_id"])
    value = action.get("value") or ""

    def build(session: Session) -> dict:
        if action_id == ActionId.review_self_open:
            form = reviews.self_form(session, actor_slack_id=user_id, review_id=int_or_none(value))
            return render_view("review_self_modal.json.j2", form=form)
        if action_id == ActionId.review_assess_open:
            form = reviews.assess_form(session, actor_slack_id=user_id, review_id=int_or_none(value))
            return render_view("review_assess_modal.json.j2", form=form)
        form = reviews.revision_form(session, actor_slack_id=user_id, value=value)
        return render_view("review_revise_modal.json.j2", form=form)

    _open_modal(context, body, respond, build)


def agree_review(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, context: dict
) -> None:
    ack()
    user_id, value = body["user"]["id"], action.get("value") or ""

    def run(session: Session):
        return reviews.agree(session, actor_slack_id=user_id, value=value, now=utcnow())

    _act(respond, context, run=run, refusals=(NotAllowed, reviews.ReviewError), send=reviews.send)
