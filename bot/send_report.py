"""What `checkins checkin send` says once its fan-out ends: the send ledger's account, not this run's view.

A rerun right after a crash finds the dead run's claims: those prompts are in flight, not "not needed".
"""

import time

import click

from domain.checkins.due import Due
from domain.core.delivery import STALE_CLAIM, FanOut
from domain.core.services import Services
from storage import sends
from storage.models import Send


def report_prompts(services: Services, due: list[Due], report: FanOut) -> bool:
    """Prints what became of each due prompt; True when every one is settled (sent, or not needed)."""
    with services.session() as session:  # the ledger, not this run's view of it, says what became of each
        ledger = sends.rows(session, kind="prompt", pairs=[(d.person.id, d.period.key) for d in due])
    emails = {d.person.id: d.person.email for d in due}
    in_flight = [r for r in ledger.values() if r.state == "claimed"]
    retried = [r for r in ledger.values() if r.state == "failed" and r.attempts < sends.MAX_ATTEMPTS]
    final = [r for r in ledger.values() if r.state == "failed" and r.attempts >= sends.MAX_ATTEMPTS]
    others = len(due) - report.sent - len(in_flight) - len(retried) - len(final)
    click.echo(f"{report.sent} prompt(s) sent; {others} not needed (already sent or skipped)")
    if in_flight:
        after = min(r.claimed_at for r in in_flight) + STALE_CLAIM
        click.echo(
            f"{len(in_flight)} in flight in another process (if it died: sent again from {after:%H:%M}"
            " UTC, by the scheduler or a rerun): " + _names(emails, in_flight)
        )
    if retried:
        after = min(r.claimed_at for r in retried) + sends.RETRY_AFTER_FAILURE
        click.echo(
            f"{len(retried)} failed for now (retried by the scheduler from {after:%H:%M} UTC): "
            + _names(emails, retried, errors=True)
        )
    if final:
        click.echo(f"{len(final)} failed for good: " + _names(emails, final, errors=True))
    if report.errors and not (retried or final):  # a bug rather than Slack's refusal: the log says more
        click.echo(f"{len(report.errors)} failed: " + "; ".join(report.errors[:5]))
    return not (in_flight or retried or final or report.errors)


def wait_until_settled(services: Services, due: list[Due], *, seconds: float, poll: float = 1.0) -> None:
    """`--wait`: until no due prompt is in flight or waiting for a retry (the scheduler's, another run's,
    or a claim taken over from a dead process), or `seconds` have passed."""
    deadline = time.monotonic() + seconds
    pairs = [(d.person.id, d.period.key) for d in due]
    while time.monotonic() < deadline:
        with services.session() as session:
            ledger = sends.rows(session, kind="prompt", pairs=pairs)
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
