"""Feedback: `/feedback` (give, request, the praise channel, what you received and gave), the button that
answers a request, and the feedback modal."""

from typing import Any

from slack_bolt import Ack, App, Respond

from domain.core import delivery, directory
from domain.core.clock import utcnow
from domain.core.services import Services
from domain.feedback import service
from handlers.listeners import answer_submission, input_values, int_or_none, notice, open_modal, refusals_told
from message_templates.ids import ActionId, CallbackId
from message_templates.render import channel_mention, markup, markup_joined, render_message, render_view

HELP = (
    "`/feedback` what you received and gave · `/feedback @colleague text` give feedback · "
    "`/feedback @colleague` open the form (visibility, praise) · `/feedback request @a @b` ask for feedback "
    "on yourself · `/feedback request @a about @report` (managers) · `/feedback channel #praise` (HR admins)"
)


def register(app: App) -> None:
    app.command("/feedback")(feedback_command)
    app.action(ActionId.feedback_give)(open_feedback)
    app.view(CallbackId.feedback_submit)(submit_feedback)


def feedback_command(ack: Ack, command: dict[str, Any], respond: Respond, services: Services) -> None:
    ack()
    user_id, text = command["user_id"], command.get("text", "").strip()
    first = text.split(maxsplit=1)[0].lower() if text else ""
    now = utcnow()
    with refusals_told(respond):
        outcome, view, message = delivery.Outcome(), None, None
        with services.session() as session:
            if not text:
                message = render_message(
                    "feedback/recent.json.j2", recent=service.recent(session, slack_user_id=user_id)
                )
            elif first == "help":
                outcome.notice = HELP
            elif first == "channel":
                channel = service.set_praise_channel(
                    session, services.gateway, slack_user_id=user_id, channel_text=text
                )
                outcome.notice = markup(
                    "Praise marked public now also goes to ", channel_mention(channel), "."
                )
            elif first == "request":
                asked, _, about = text[len(first) :].partition(" about ")
                outcome = service.request(
                    session,
                    requester_slack_id=user_id,
                    asked_slack_ids=directory.mentioned(asked),
                    about_slack_id=next(iter(directory.mentioned(about)), None),
                    now=now,
                )
            else:
                target = directory.MENTION.match(text)
                words = text[target.end() :].strip() if target else ""
                if target is None or not words or first == "give":
                    form = service.form(
                        session,
                        slack_user_id=user_id,
                        request_id=None,
                        recipient_slack_id=target.group(1) if target else None,
                        text=words,
                    )
                    view = render_view("feedback/modal.json.j2", form=form)
                else:
                    outcome = service.give(
                        session,
                        giver_slack_id=user_id,
                        recipient_slack_id=target.group(1),
                        text=words,
                        now=now,
                    )
        if view is not None:
            services.gateway.open_view(command["trigger_id"], view)
            return
        respond(message or notice(markup_joined(list(outcome.errors.values())) or outcome.notice))
        delivery.deliver(services, outcome)


def open_feedback(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, services: Services
) -> None:
    ack()

    def build(session) -> dict:
        form = service.form(
            session,
            slack_user_id=body["user"]["id"],
            request_id=int_or_none(action.get("value")) or 0,
            recipient_slack_id=None,
            text="",
        )
        return render_view("feedback/modal.json.j2", form=form)

    open_modal(services, body["trigger_id"], respond, build)


def submit_feedback(ack: Ack, body: dict[str, Any], view: dict[str, Any], services: Services) -> None:
    values = input_values(view)
    request_id = int_or_none(view.get("private_metadata"))

    def run(session) -> delivery.Outcome:
        recipient = values.get("recipient") or service.request_subject(session, request_id=request_id)
        outcome = service.give(
            session,
            giver_slack_id=body["user"]["id"],
            recipient_slack_id=recipient,
            text=values.get("text", ""),
            private=values.get("visibility") == "recipient_only",
            praise="praise" in values.get("praise", "").split(","),
            request_id=request_id,
            now=utcnow(),
        )
        if "recipient" in outcome.errors and "recipient" not in values:  # asked-for feedback: no select
            outcome.errors["text"] = outcome.errors.pop("recipient")
        return outcome

    outcome = answer_submission(ack, services, run=run, refusal_block="text", done_title="Feedback")
    if outcome is not None:
        delivery.deliver(services, outcome)
