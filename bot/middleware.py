"""Bolt global middleware: services in the context, Slack's event retries dropped once handled, and the
requests whose ack is always empty acknowledged before their listener runs."""

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, BoltResponse
from slack_bolt.request.payload_utils import is_block_actions, is_shortcut, is_slash_command

from domain.services import Services
from storage import events

log = logging.getLogger(__name__)


def inject_services(services: Services) -> Callable[..., Any]:
    def middleware(context: dict[str, Any], next: Callable[[], None]) -> None:
        context["services"] = services
        next()

    return middleware


def drop_repeated_events(services: Services) -> Callable[..., Any]:
    """Dedupe on event_id in the database, so a retry that reaches another instance is dropped too."""

    def middleware(body: dict[str, Any], next: Callable[[], None]) -> BoltResponse | None:
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id:
            with services.session() as session:
                first = events.claim(session, event_id=event_id)
            if not first:
                log.info("dropping repeated event %s", event_id)
                return BoltResponse(status=200, body="")
        next()
        return None

    return middleware


class _SentAck(Ack):
    """The ack of a request acknowledged before its listener ran: the listener's own ack() changes nothing
    Slack sees, so one that tries to answer with content is a bug, and said so in the log."""

    def __call__(self, text: str | dict = "", **kwargs: Any) -> BoltResponse:  # type: ignore[override]
        if text or any(v is not None for v in kwargs.values()):
            log.error("ack() with content after the request was acknowledged: not sent to Slack")
        return self.response  # type: ignore[return-value]


def acknowledge_first() -> Callable[..., Any]:
    """Slash commands, block actions and shortcuts are acknowledged empty here, in the request's own
    thread, before their listener is queued: the HTTP response no longer waits for a listener thread to
    come free (Bolt otherwise polls every 10 ms until the listener calls ack()). View submissions and
    options requests answer with content their listener computes, so they go the usual way."""

    def middleware(body: dict[str, Any], context: dict[str, Any], next: Callable[[], None]) -> None:
        if is_slash_command(body) or is_block_actions(body) or is_shortcut(body):
            ack = _SentAck()
            ack.response = BoltResponse(status=200, body="")
            context["ack"] = ack
        next()

    return middleware
