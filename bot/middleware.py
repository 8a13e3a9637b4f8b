"""Bolt global middleware: services in the context, payload text cleaned, and answers through response_url
that cannot fail a listener."""

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import BoltContext
from slack_bolt.context.respond import Respond
from slack_sdk.webhook import WebhookResponse

from domain.core import bounds
from domain.core.services import Services

log = logging.getLogger(__name__)


def inject_services(services: Services) -> Callable[..., Any]:
    def middleware(context: dict[str, Any], next: Callable[[], None]) -> None:
        context["services"] = services
        next()

    return middleware


def clean_payload() -> Callable[..., Any]:
    """Every string Slack sent, cleaned of what databases refuse (NUL, lone surrogates) before any listener
    reads it: the body, and the command, event, action and view Bolt hands listeners, are the same dicts."""

    def middleware(body: dict[str, Any], next: Callable[[], None]) -> None:
        bounds.clean_all(body)
        next()

    return middleware


def plain_command_text() -> Callable[..., Any]:
    """A slash command's text as the person typed it. Slack escapes the &, < and > typed (`R&D` arrives as
    `R&amp;D`) and leaves its own markup (`<@U…>`, `<#C…|name>`) as is; listeners read plain text, and
    everything the app writes escapes user text again (message_templates)."""

    def middleware(body: dict[str, Any], next: Callable[[], None]) -> None:
        text = body.get("text")
        if body.get("command") and isinstance(text, str):
            body["text"] = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
        next()

    return middleware


class _Respond(Respond):
    """respond() that cannot fail its listener: a request without a response_url (Slack sends one with every
    command and every click in a message) or one that cannot be reached is said so in a log line."""

    def __call__(self, *args: Any, **kwargs: Any) -> WebhookResponse | None:  # type: ignore[override]
        if not self.response_url:
            log.warning("cannot answer: the request carries no response_url")
            return None
        try:
            return super().__call__(*args, **kwargs)
        except OSError as err:
            log.warning("cannot answer through the response_url: %s", err)
            return None


def safe_respond() -> Callable[..., Any]:
    def middleware(context: BoltContext, next: Callable[[], None]) -> None:
        context["respond"] = _Respond(
            response_url=context.response_url, proxy=context.client.proxy, ssl=context.client.ssl
        )
        next()

    return middleware
