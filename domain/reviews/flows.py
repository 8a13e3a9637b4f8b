"""Reviews and Slack, between short sessions: inviting everyone due (once each, through the send ledger),
and delivering what a review step produced."""

import logging
from datetime import datetime

from sqlmodel import Session

from domain.core import delivery
from domain.core.services import Services
from domain.reviews.cycles import ledger_key, parse_cycle
from domain.reviews.service import INVITATION, Invitation, Outcome, local_start, open_invited
from storage import reviews as store

log = logging.getLogger(__name__)


def invite(services: Services, invitation: Invitation, *, now: datetime) -> bool:
    """Opens the person's review of the cycle and invites them, once (see domain.core.delivery): True when
    this call sent the invitation. The review, and its entry in the file, are made once whoever gets here."""
    period = parse_cycle(invitation.cycle)
    assert period is not None

    def compose(session: Session) -> dict | None:
        return open_invited(session, invitation, now=now)

    sent = delivery.send_once(
        services,
        person=invitation.person,
        key=ledger_key(invitation.cycle),
        kind=INVITATION,
        compose=compose,
        oldest=local_start(period.starts_on, "UTC"),
        now=now,
    )
    return sent is not None and sent.new


def deliver(services: Services, outcome: Outcome) -> None:
    """Posts what a review step produced; keeps where the requests for the next step landed."""
    gateway = services.gateway
    for channel, ts, message in outcome.updates:
        gateway.update(channel, ts, message)
    for review_id, which, user_id, message in outcome.asks:
        posted = gateway.dm(user_id, message)
        with services.session() as session:
            review = store.get(session, review_id=review_id)
            if review is None:
                continue
            if which == "manager":
                review.manager_channel, review.manager_ts = posted.channel, posted.ts
            else:
                review.plan_channel, review.plan_ts = posted.channel, posted.ts
    for post in outcome.posts:
        gateway.post(post.channel, post.message, thread_ts=post.thread_ts)
