"""Slash commands: /checkins, /goals, /feedback."""

from typing import Any

from slack_bolt import Ack, App, Respond

from domain import directory
from message_templates.render import render_message


def register(app: App) -> None:
    app.command("/checkins")(checkins_command)
    app.command("/goals")(not_built_yet)
    app.command("/feedback")(not_built_yet)


def checkins_command(ack: Ack, command: dict[str, Any], respond: Respond, context: dict[str, Any]) -> None:
    ack()
    services = context["services"]
    with services.session() as session:
        try:
            profile = directory.profile(session, command["user_id"])
        except directory.NotInOrg:
            respond(render_message("not_in_org.json.j2"))
            return
        respond(render_message("checkins_status.json.j2", profile=profile))


def not_built_yet(ack: Ack, command: dict[str, Any], respond: Respond) -> None:
    ack()
    respond(render_message("not_built_yet.json.j2", command=command["command"]))
