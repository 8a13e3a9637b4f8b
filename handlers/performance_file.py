"""The performance file in Slack: `/checkins export [@person] [md|json|csv|html]`, and HR admins'
`/checkins export team NAME [md|json|csv|html]` (a zip). (Reading it page by page: handlers/home.py.)"""

from datetime import datetime

from slack_bolt import Respond

from domain.core.services import Services
from domain.core.slack import SlackError
from domain.performance_file import export as single
from domain.performance_file import team_export
from handlers.listeners import notice, refusals_told
from message_templates.render import render_message


def export(services: Services, user_id: str, request: str, respond: Respond, now: datetime) -> None:
    """The file goes to the requester's own DM, whoever's file it is; the domain decides whose it may be."""
    words = request.split(maxsplit=1)
    is_team = bool(words) and words[0].lower() == "team"
    with refusals_told(respond):
        with services.session() as session:  # the look is recorded even if the upload then fails
            if is_team:
                made = team_export.for_slack(
                    session, slack_user_id=user_id, request=words[1] if len(words) > 1 else "", now=now
                )
                template, title = (
                    "performance_file/team_export_ready.json.j2",
                    f"Performance files of {made.team}",
                )
            else:
                made = single.for_slack(session, slack_user_id=user_id, request=request, now=now)
                template, title = (
                    "performance_file/export_ready.json.j2",
                    f"Performance file of {made.person.name}",
                )
            comment = render_message(template, export=made)
        try:
            services.gateway.upload_to_dm(
                user_id, filename=made.filename, content=made.content, title=title, message=comment
            )
        except SlackError as err:
            respond(notice(f"The export could not be sent: {err}."))
            return
        respond(render_message(template, export=made, sent=True))
