"""What a person reads when their request was refused or failed after its ack (Slack already showed it as
accepted): the one mapping from a refusal to an answer, and the app's one error handler."""

import logging
from typing import Any

from slack_bolt import App, BoltContext, BoltResponse
from slack_bolt.context.respond import Respond
from slack_bolt.error import BoltUnhandledRequestError

from domain.core.refusals import Refusal
from domain.core.slack import SlackError
from message_templates.render import Markup, render_message

log = logging.getLogger(__name__)

# A form opens only within 3 s of the click (its trigger_id expires): a click served later, when the app is
# very busy, cannot open it any more.
TOO_LATE = "Sorry, that took us too long and Slack would not open the form any more. Please try again."


def register(app: App) -> None:
    app.error(tell_the_person)


def refused(refusal: Refusal) -> dict[str, Any]:
    """What a person reads for any refusal, whichever feature refused: its message, as a notice. A message
    made with markup() keeps the mentions the app wrote (user text in it is escaped already)."""
    message = refusal.args[0] if refusal.args and isinstance(refusal.args[0], Markup) else str(refusal)
    return render_message("shared/notice.json.j2", message=message)


def tell_the_person(
    error: Exception,
    body: dict[str, Any],
    respond: Respond,
    context: BoltContext,
    response: BoltResponse | None,
) -> BoltResponse | None:
    if isinstance(error, BoltUnhandledRequestError):  # a request no listener is for: Bolt's own log is a page
        log.warning("no listener for this request (%s)", _kind(body))
        return None
    if not isinstance(error, SlackError):
        log.error("a listener failed: %s", error, exc_info=error)
        return None
    # Slack refused a call, and said why: a line, no traceback; the request itself was handled.
    log.error("a listener failed: %s", error)
    if error.code == "expired_trigger_id":
        message = render_message("shared/notice.json.j2", message=TOO_LATE)
        if context.response_url:
            respond({**message, "response_type": "ephemeral", "replace_original": False})
        elif context.user_id:  # a click on the Home tab: no response_url
            context["services"].gateway.dm(context.user_id, message)
    return BoltResponse(status=200, body="") if response is not None else None


def _kind(body: dict[str, Any]) -> str:
    event = body.get("event") if isinstance(body.get("event"), dict) else {}
    return str(body.get("command") or event.get("type") or body.get("type") or "of no known kind")[:60]
