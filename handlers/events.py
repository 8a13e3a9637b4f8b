"""Events: direct messages to the app, including answers in check-in threads."""

from typing import Any

from slack_bolt import App

from domain import conversation, org
from domain.core import delivery
from storage.types import utcnow


def register(app: App) -> None:
    app.event({"type": "message", "channel_type": "im"})(direct_message)
    app.event("user_change")(user_changed)


def user_changed(event: dict[str, Any], context: dict[str, Any]) -> None:
    with context["services"].session() as session:
        org.apply_user_change(session, event["user"])


def direct_message(event: dict[str, Any], context: dict[str, Any]) -> None:
    # The bot's own posts and edits come back as events too.
    if event.get("bot_id") or event.get("subtype"):
        return
    services = context["services"]
    with services.session() as session:
        posts = conversation.on_direct_message(
            session,
            slack_user_id=event["user"],
            text=event.get("text") or "",
            channel=event["channel"],
            ts=event["ts"],
            thread_ts=event.get("thread_ts"),
            now=utcnow(),
        )
    delivery.deliver(services, posts)
