"""Channels an HR admin points the app at (praise, the HR summary), named in a slash command as #channel."""

import re

from sqlmodel import Session

from domain.core import bounds
from domain.core.access import is_admin
from domain.core.directory import person_for
from domain.core.refusals import NotAllowed, Refusal
from storage import app_settings

CHANNEL = re.compile(rf"<#([CG]{bounds.ID_TAIL})(?:\|[^>]*)?>")


# Each channel setting: what it is for, and how an HR admin chooses it (told when its chooser leaves).
CHOSEN = {
    "hr_summary_channel": ("HR summary", "/checkins summary channel #channel"),
    "praise_channel": ("praise", "/feedback channel #channel"),
}
OWNER_SUFFIX = "_by"


class ChannelError(Refusal):
    """Refused by this feature; the message is what the person reads."""


def choose(session: Session, *, slack_user_id: str, channel_text: str, key: str, what: str) -> str:
    """Keeps the channel under `key`, and who chose it under `key`_by; returns its id."""
    admin = person_for(session, slack_user_id)
    if not is_admin(admin):
        raise NotAllowed(f"Only HR admins can choose the {what} channel.")
    match = CHANNEL.search(channel_text)
    if match is None:
        raise ChannelError("Name the channel as #channel (the app must be invited to it).")
    app_settings.set_setting(session, key=key, value=match.group(1))
    app_settings.set_setting(session, key=f"{key}{OWNER_SUFFIX}", value=str(admin.id))
    return match.group(1)
