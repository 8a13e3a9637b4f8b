"""Goal outcomes reaching Slack, between short sessions."""

from domain.core import delivery
from domain.core.services import Services
from domain.goals.outcome import Outcome
from storage import goals as store


def deliver(services: Services, outcome: Outcome) -> None:
    """Posts what a goal action produced; keeps where each decision request landed, to update it later."""
    for proposal_id, user_id, message in outcome.asks:
        posted = services.gateway.dm(user_id, message)
        with services.session() as session:
            proposal = store.get_proposal(session, proposal_id=proposal_id)
            if proposal is not None:
                proposal.notice_channel, proposal.notice_ts = posted.channel, posted.ts
    delivery.deliver(services, outcome)
