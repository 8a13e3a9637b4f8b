"""What a goal action answers, and what it asks of Slack once committed (see `flows.deliver`)."""

from dataclasses import dataclass, field

from domain.core import delivery


@dataclass
class Outcome(delivery.Outcome):
    # A decision to ask for: (proposal id, decider's Slack id, message); its ts is kept to update it later.
    asks: list[tuple[int, str, dict]] = field(default_factory=list)
