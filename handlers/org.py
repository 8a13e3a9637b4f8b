"""The org: Slack telling the app that someone's profile changed (a deactivation, a new name or time zone)."""

from typing import Any

from slack_bolt import App

from domain.core.services import Services
from domain.org import service as org


def register(app: App) -> None:
    app.event("user_change")(user_changed)


def user_changed(event: dict[str, Any], services: Services) -> None:
    with services.session() as session:
        org.apply_user_change(session, event["user"])
