"""What `checkins checkin send`, `summary send` and `review start` say once their sends end: the send
ledger's account, not this run's view.

A rerun right after a crash finds the dead run's claims: those messages are in flight, not "not needed".
"""

import time
from collections.abc import Iterable
from dataclasses import dataclass

import click

from domain.core.delivery import STALE_CLAIM
from domain.core.services import Services
from storage import sends
from storage.models import Send

Pair = tuple[int, str]  # (person id, ledger key)


@dataclass(frozen=True)
class Wording:
    sent: str  # "prompt(s) sent"
    not_needed: str  # why the others were not sent: "already sent or skipped"
    retried_by: str  # who retries a transient failure: "the scheduler"
    again_by: str  # who sends a dead process's claim again: "the scheduler or a rerun"


PROMPTS = Wording("prompt(s) sent", "already sent or skipped", "the scheduler", "the scheduler or a rerun")
SUMMARIES = Wording("summary(ies) sent", "already sent, or nothing to sum up", "a rerun", "a rerun")
INVITATIONS = Wording("review invitation(s) sent", "already invited", "a rerun", "a rerun")


def report(
    services: Services, *, kind: str, emails: dict[Pair, str], sent: int, errors: Iterable[str], say: Wording
) -> bool:
    """Prints what became of each message (one per pair of `emails`); True when every one is settled
    (sent, or not needed)."""
    errors = list(errors)
    with services.session() as session:  # the ledger, not this run's view of it, says what became of each
        ledger = sends.rows(session, kind=kind, pairs=list(emails))
    by_person = {pid: email for (pid, _), email in emails.items()}
    in_flight = [r for r in ledger.values() if r.state == "claimed"]
    retried = [r for r in ledger.values() if r.state == "failed" and r.attempts < sends.MAX_ATTEMPTS]
    final = [r for r in ledger.values() if r.state == "failed" and r.attempts >= sends.MAX_ATTEMPTS]
    others = len(emails) - sent - len(in_flight) - len(retried) - len(final)
    click.echo(f"{sent} {say.sent}; {others} not needed ({say.not_needed})")
    if in_flight:
        after = min(r.claimed_at for r in in_flight) + STALE_CLAIM
        click.echo(
            f"{len(in_flight)} in flight in another process (if it died: sent again from {after:%H:%M}"
            f" UTC, by {say.again_by}): " + _names(by_person, in_flight)
        )
    if retried:
        after = min(r.claimed_at for r in retried) + sends.RETRY_AFTER_FAILURE
        click.echo(
            f"{len(retried)} failed for now (retried by {say.retried_by} from {after:%H:%M} UTC): "
            + _names(by_person, retried, errors=True)
        )
    if final:
        click.echo(f"{len(final)} failed for good: " + _names(by_person, final, errors=True))
    if errors and not (retried or final):  # a bug rather than Slack's refusal: the log says more
        click.echo(f"{len(errors)} failed: " + "; ".join(errors[:5]))
    return not (in_flight or retried or final or errors)


def wait_until_settled(
    services: Services, *, kind: str, pairs: Iterable[Pair], seconds: float, poll: float = 1.0
) -> None:
    """`--wait`: until none of these messages is in flight or waiting for a retry (the scheduler's, another
    run's, or a claim taken over from a dead process), or `seconds` have passed."""
    deadline = time.monotonic() + seconds
    pairs = list(pairs)
    while time.monotonic() < deadline:
        with services.session() as session:
            ledger = sends.rows(session, kind=kind, pairs=pairs)
        if not any(_unsettled(r) for r in ledger.values()):
            return
        time.sleep(min(poll, max(0.0, deadline - time.monotonic())))


def _unsettled(row: Send) -> bool:
    return row.state == "claimed" or (row.state == "failed" and row.attempts < sends.MAX_ATTEMPTS)


def _names(emails: dict[int, str], rows: list[Send], *, errors: bool = False) -> str:
    shown = [
        f"{emails.get(r.person_id, r.person_id)}" + (f" ({r.error})" if errors else "") for r in rows[:5]
    ]
    return ", ".join(shown) + (f" and {len(rows) - 5} more" if len(rows) > 5 else "")
