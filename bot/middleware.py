"""Bolt global middleware: services in the context, and Slack's event retries dropped once handled."""

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import BoltResponse

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
