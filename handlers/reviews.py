"""Reviews: the buttons that open the self-assessment, the manager's assessment and the request to revise;
their modals; and agreeing to the review's plan. Which one comes from the button pressed; who may, from who
pressed it."""

from typing import Any

from slack_bolt import Ack, App, Respond

from domain.core.clock import utcnow
from domain.core.services import Services
from domain.reviews import agreement, assessment, flows
from domain.reviews.service import Outcome
from handlers.listeners import act, answer_submission, input_values, int_or_none, open_modal
from message_templates.ids import ActionId, CallbackId
from message_templates.render import render_view

# Where a refusal shows in each review modal (a block each has), and the title of its done view.
MODALS = {
    CallbackId.review_self_submit: ("went_well", "Self-assessment"),
    CallbackId.review_assess_submit: ("overall", "Assessment"),
    CallbackId.review_revise_submit: ("comment", "Ask to revise"),
}


def register(app: App) -> None:
    for action_id in (ActionId.review_self_open, ActionId.review_assess_open, ActionId.review_revise):
        app.action(action_id)(open_review_modal)
    app.action(ActionId.review_agree)(agree_review)
    for callback_id in MODALS:
        app.view(callback_id)(submit_review_modal)


def open_review_modal(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, services: Services
) -> None:
    ack()
    user_id, action_id = body["user"]["id"], ActionId(action["action_id"])
    value = action.get("value") or ""

    def build(session) -> dict:
        if action_id == ActionId.review_self_open:
            form = assessment.self_form(session, actor_slack_id=user_id, review_id=int_or_none(value))
            return render_view("reviews/self_modal.json.j2", form=form)
        if action_id == ActionId.review_assess_open:
            form = assessment.assess_form(session, actor_slack_id=user_id, review_id=int_or_none(value))
            return render_view("reviews/assess_modal.json.j2", form=form)
        form = agreement.revision_form(session, actor_slack_id=user_id, value=value)
        return render_view("reviews/revise_modal.json.j2", form=form)

    open_modal(services, body["trigger_id"], respond, build)


def agree_review(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, services: Services
) -> None:
    ack()
    user_id, value = body["user"]["id"], action.get("value") or ""

    def run(session) -> Outcome:
        return agreement.agree(session, actor_slack_id=user_id, value=value, now=utcnow())

    act(services, respond, run=run, deliver=flows.deliver)


def submit_review_modal(ack: Ack, body: dict[str, Any], view: dict[str, Any], services: Services) -> None:
    callback = CallbackId(view["callback_id"])
    refusal_block, title = MODALS[callback]
    user_id, values, metadata = body["user"]["id"], input_values(view), view.get("private_metadata", "")

    def run(session) -> Outcome:
        now = utcnow()
        if callback == CallbackId.review_self_submit:
            return assessment.submit_self(
                session, actor_slack_id=user_id, metadata=metadata, values=values, now=now
            )
        if callback == CallbackId.review_assess_submit:
            return assessment.submit_assessment(
                session, actor_slack_id=user_id, metadata=metadata, values=values, now=now
            )
        comment = values.get("comment", "")
        return agreement.ask_revision(
            session, actor_slack_id=user_id, metadata=metadata, comment=comment, now=now
        )

    outcome = answer_submission(ack, services, run=run, refusal_block=refusal_block, done_title=title)
    if outcome is not None:
        flows.deliver(services, outcome)
