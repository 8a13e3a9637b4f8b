"""The Home tab: a performance file, paged; managers and HR admins switch to the files they may read."""

import re
from typing import Any

from slack_bolt import Ack, App

from domain.core import bounds
from domain.core.clock import utcnow
from domain.core.refusals import NotInOrg
from domain.core.services import Services
from domain.home import todo
from domain.home.service import home
from domain.one_on_ones import reading as one_on_ones
from domain.performance_file.entries import KIND_LABELS
from message_templates.ids import ActionId
from message_templates.render import render_view

PAGE_SIZE = 10


def register(app: App) -> None:
    app.event("app_home_opened")(home_opened)
    app.action(re.compile(f"^{ActionId.home_file_page}"))(file_page)
    app.action(re.compile(f"^{ActionId.home_file_switch}"))(switch_file)


def home_opened(event: dict[str, Any], services: Services) -> None:
    if event.get("tab", "home") == "home":
        publish_home(services, event["user"], subject=None, page=0, as_of=None)


def file_page(ack: Ack, body: dict[str, Any], action: dict[str, Any], services: Services) -> None:
    ack()
    # "SUBJECT:PAGE:AS_OF" (a bare page number on views published before file switching: one's own file).
    parts = str(action.get("value") or "0").split(":")
    if len(parts) == 1:
        parts.insert(0, "")
    subject, page, as_of = [*parts, "", ""][:3]
    publish_home(
        services,
        body["user"]["id"],
        subject=subject or None,
        page=bounds.number(page) or 0,
        as_of=bounds.number(as_of),
    )


def switch_file(ack: Ack, body: dict[str, Any], action: dict[str, Any], services: Services) -> None:
    ack()
    chosen = action.get("selected_user") or (action.get("selected_option") or {}).get("value")
    publish_home(services, body["user"]["id"], subject=chosen, page=0, as_of=None)


def publish_home(
    services: Services, user_id: str, *, subject: str | None, page: int, as_of: int | None
) -> None:
    """The viewer is who acted (Slack's signed user id); the payload only names whose file they asked for."""
    with services.session() as session:
        try:
            shown = home(
                session,
                slack_user_id=user_id,
                subject_slack_id=subject,
                page=page,
                page_size=PAGE_SIZE,
                as_of=as_of,
            )
        except NotInOrg as refusal:  # the Home tab is a view: no notice can go there
            view = render_view("home/not_in_org.json.j2", message=str(refusal))
        else:
            now, own = utcnow(), shown.own
            agendas = one_on_ones.agendas_of(session, shown.viewer, now=now) if own else []
            todos = todo.todos(session, shown.viewer, now=now) if own else []
            view = render_view(
                "home/home.json.j2", home=shown, labels=KIND_LABELS, agendas=agendas, todos=todos
            )
    services.gateway.publish_home(user_id, view)
