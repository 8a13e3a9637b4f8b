"""The goals feature's refusal."""

from domain.core.refusals import Refusal


class GoalError(Refusal):
    """Refused by this feature; the message is what the person reads."""
