"""Channels an HR admin points the app at (praise, the HR summary), named in a slash command as #channel."""

import re

from sqlmodel import Session

from domain.core import bounds
from domain.core.access import is_admin
from domain.core.directory import person_for
from domain.core.refusals import NotAllowed, Refusal
from domain.core.slack import Slack, SlackError
from message_templates.render import channel_mention, markup
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


def choose(
    session: Session, gateway: Slack, *, slack_user_id: str, channel_text: str, key: str, what: str
) -> str:
    """Keeps the channel under `key`, and who chose it under `key`_by; returns its id. A channel the app
    cannot post to (none such, or the app not in it) is refused now, not at its first post."""
    admin = person_for(session, slack_user_id)
    if not is_admin(admin):
        raise NotAllowed(f"Only HR admins can choose the {what} channel.")
    match = CHANNEL.search(channel_text)
    if match is None:
        raise ChannelError("Name the channel as #channel (the app must be invited to it).")
    check_app_in(gateway, match.group(1))
    app_settings.set_setting(session, key=key, value=match.group(1))
    app_settings.set_setting(session, key=f"{key}{OWNER_SUFFIX}", value=str(admin.id))
    return match.group(1)


def check_app_in(gateway: Slack, channel: str) -> None:
    """Refuses a channel the app cannot post to (none such, or the app not in it): now, not at its first
    post."""
    try:
        member = gateway.app_in_channel(channel)
    except SlackError as err:
        if err.code != "missing_scope":
            raise
        raise ChannelError(  # installed before the app asked to look at channels
            "I may not look at channels yet: reinstall the app to grant it channels:read and groups:read, "
            "then choose the channel again."
        ) from err
    if member is None:
        raise ChannelError(
            "I cannot see that channel: it does not exist, or it is private and I am not in it. "
            "Invite me there (`/invite @checkins`), then choose it again."
        )
    if not member:
        raise ChannelError(
            markup(
                "I am not in ",
                channel_mention(channel),
                ": invite me there (`/invite @checkins`), then choose it again.",
            )
        )
