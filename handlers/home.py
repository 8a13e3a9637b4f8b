"""The Home tab: the person's own performance file, paged."""

import re
from typing import Any

from slack_bolt import Ack, App

from domain import directory, performance_file
from domain.services import Services
from message_templates.ids import ActionId
from message_templates.render import render_view

PAGE_SIZE = 10


def register(app: App) -> None:
    app.event("app_home_opened")(home_opened)
    app.action(re.compile(f"^{ActionId.home_file_page}"))(file_page)


def home_opened(event: dict[str, Any], context: dict[str, Any]) -> None:
    if event.get("tab", "home") == "home":
        publish_home(context["services"], event["user"], page=0)


def file_page(ack: Ack, body: dict[str, Any], action: dict[str, Any], context: dict[str, Any]) -> None:
    ack()
    value = action.get("value", "0")
    page = int(value) if value.isdigit() else 0
    # The page is the only thing taken from the payload; whose file comes from who clicked.
    publish_home(context["services"], body["user"]["id"], page=page)


def publish_home(services: Services, user_id: str, *, page: int) -> None:
    with services.session() as session:
        try:
            profile = directory.profile(session, user_id)
        except directory.NotInOrg:
            view = render_view("home_not_in_org.json.j2")
        else:
            file = performance_file.read(
                session, viewer=profile.person, person=profile.person, page=page, page_size=PAGE_SIZE
            )
            view = render_view("home.json.j2", profile=profile, file=file)
    services.gateway.publish_home(user_id, view)
