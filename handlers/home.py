"""The Home tab: a performance file, paged; managers and HR admins switch to the files they may read."""

import re
from typing import Any

from slack_bolt import Ack, App

from domain.core import bounds
from domain.core.services import Services
from domain.home.publish import request, slack_time
from message_templates.ids import ActionId


def register(app: App) -> None:
    app.event("app_home_opened")(home_opened)
    app.action(re.compile(f"^{ActionId.home_file_page}"))(file_page)
    app.action(re.compile(f"^{ActionId.home_file_switch}"))(switch_file)


def home_opened(event: dict[str, Any], services: Services) -> None:
    if event.get("tab", "home") == "home":
        at = slack_time(event.get("event_ts"))
        request(services, event["user"], subject_slack_id=None, page=0, as_of=None, at=at)


def file_page(ack: Ack, body: dict[str, Any], action: dict[str, Any], services: Services) -> None:
    ack()
    # "SUBJECT:PAGE:AS_OF" (a bare page number on views published before file switching: one's own file).
    parts = str(action.get("value") or "0").split(":")
    if len(parts) == 1:
        parts.insert(0, "")
    subject, page, as_of = [*parts, "", ""][:3]
    request(
        services,
        body["user"]["id"],
        subject_slack_id=subject or None,
        page=bounds.number(page) or 0,
        as_of=bounds.number(as_of),
        at=slack_time(action.get("action_ts")),
    )


def switch_file(ack: Ack, body: dict[str, Any], action: dict[str, Any], services: Services) -> None:
    ack()
    chosen = action.get("selected_user") or (action.get("selected_option") or {}).get("value")
    at = slack_time(action.get("action_ts"))
    request(services, body["user"]["id"], subject_slack_id=chosen, page=0, as_of=None, at=at)


def own_home(services: Services, body: dict[str, Any]) -> None:
    """After a click or a submission from the Home tab: the person's own Home again, with what changed."""
    actions = body.get("actions") or [{}]
    user_id = body["user"]["id"]
    request(
        services,
        user_id,
        subject_slack_id=None,
        page=0,
        as_of=None,
        at=slack_time(actions[0].get("action_ts")),
    )
