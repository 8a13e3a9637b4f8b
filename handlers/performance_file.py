"""The performance file in Slack: `/checkins export [@person] [md|json|csv|html]`. (Reading it page by page
is the Home tab's: handlers/home.py.)"""

from datetime import datetime

from slack_bolt import Respond

from domain.core.services import Services
from domain.core.slack import SlackError
from domain.performance_file.export import for_slack
from handlers.listeners import notice, refusals_told
from message_templates.render import render_message


def export(services: Services, user_id: str, request: str, respond: Respond, now: datetime) -> None:
    """The file goes to the requester's own DM, whoever's file it is; the domain decides whose it may be."""
    with refusals_told(respond):
        with services.session() as session:  # the look is recorded even if the upload then fails
            made = for_slack(session, slack_user_id=user_id, request=request, now=now)
            comment = render_message("performance_file/export_ready.json.j2", export=made)
        title = f"Performance file of {made.person.name}"
        try:
            services.gateway.upload_to_dm(
                user_id, filename=made.filename, content=made.content, title=title, message=comment
            )
        except SlackError as err:
            respond(notice(f"The export could not be sent: {err}."))
            return
        respond(render_message("performance_file/export_ready.json.j2", export=made, sent=True))
