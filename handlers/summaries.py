"""Summaries: where each team's figures go for HR (`/checkins summary channel #channel`)."""

from sqlmodel import Session

from domain.core.slack import Slack
from domain.summaries import service
from message_templates.render import channel_mention, markup


def choose_hr_channel(session: Session, gateway: Slack, user_id: str, argument: str) -> str:
    """The answer to `/checkins summary channel #channel` (HR admins)."""
    channel = service.set_hr_channel(session, gateway, slack_user_id=user_id, channel_text=argument)
    return markup(
        "Team figures (no individual answers) now go to ", channel_mention(channel), " as periods close."
    )
