"""What a person hears when their request failed after its ack: Slack already showed it as accepted."""

import logging
from typing import Any

from slack_bolt import App
from slack_bolt.context.respond import Respond

from domain.gateway import SlackError
from message_templates.render import render_message

log = logging.getLogger(__name__)

# A form opens only within 3 s of the click (its trigger_id expires): a click served later, when the app is
# very busy, cannot open it any more.
TOO_LATE = "Sorry, that took us too long and Slack would not open the form any more. Please try again."


def register(app: App) -> None:
    app.error(tell_the_person)


def tell_the_person(error: Exception, body: dict[str, Any], respond: Respond | None, context: dict) -> None:
    log.error("a listener failed: %s", error, exc_info=error)
    if not (isinstance(error, SlackError) and error.code == "expired_trigger_id"):
        return
    message = render_message("notice.json.j2", message=TOO_LATE)
    user_id = (body.get("user") or {}).get("id") or body.get("user_id")
    if respond is not None:
        respond({**message, "response_type": "ephemeral", "replace_original": False})
    elif user_id:  # a click on the Home tab: no response_url
        context["services"].gateway.dm(user_id, message)
