"""Refusals: what a person asked for that cannot be done, or may not be done by them.

Every refusal a person may read is a `Refusal`, and its message is what they read: handlers/errors.py turns
any of them into an answer in one place, so no listener needs to know which feature refused.
"""

NOT_SET_UP = "You are not set up in checkins yet. Ask your HR admin to add you."


class Refusal(Exception):
    """The message is safe to show the person who asked, and is what they read."""


class NotAllowed(Refusal):
    """The person acting may not do this (decided from who acted, never from what a payload carries)."""


class NotInOrg(Refusal):
    """The Slack user is not in the imported org (or is deactivated)."""

    def __init__(self, slack_user_id: str = ""):
        super().__init__(NOT_SET_UP)
        self.slack_user_id = slack_user_id
