"""The Home tab."""

from typing import Any

from slack_bolt import App

from domain import directory, performance_file
from message_templates.render import render_view


def register(app: App) -> None:
    app.event("app_home_opened")(home_opened)


def home_opened(event: dict[str, Any], context: dict[str, Any]) -> None:
    if event.get("tab", "home") != "home":
        return
    services = context["services"]
    user_id = event["user"]
    with services.session() as session:
        try:
            profile = directory.profile(session, user_id)
        except directory.NotInOrg:
            view = render_view("home_not_in_org.json.j2")
        else:
            page = performance_file.read(session, viewer=profile.person, person=profile.person, page_size=10)
            view = render_view("home.json.j2", profile=profile, file=page)
    services.gateway.publish_home(user_id, view)
