"""What `checkins checkin send`, `summary send` and `review start` say once their jobs have had their try:
the send ledger's account and the jobs', not this run's view.

A rerun right after a crash finds the dead run's claims and jobs: those messages are in flight, sent again
once the dead run's lease runs out, not "not needed".
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

import click
from sqlalchemy import Row

from domain.core.delivery import STALE_CLAIM, job_of
from domain.core.services import Services
from storage import job_watch, jobs, sends

Pair = tuple[int, str]  # (person id, ledger key)

SENT, NOT_NEEDED, IN_FLIGHT, FAILED_FOR_NOW, FAILED = "sent", "not needed", "in flight", "for now", "failed"
SETTLED = {SENT, NOT_NEEDED, FAILED}
# Who runs a job again: any `checkins serve` worker once its lease runs out or its back-off has passed, or a
# rerun of the command (whose own consumer claims it then).
WORKERS = "a worker or a rerun"


@dataclass(frozen=True)
class Wording:
    sent: str  # "prompt(s) sent"
    not_needed: str  # why the others were not sent: "already sent or skipped"
    retried_by: str  # who retries Slack's transient refusal: "the scheduler"
    again_by: str  # who sends a claim again once stale (its process died outside any job)


PROMPTS = Wording("prompt(s) sent", "already sent or skipped", "the scheduler", "the scheduler or a rerun")
SUMMARIES = Wording("summary(ies) sent", "already sent, or nothing to sum up", "a rerun", "a rerun")
INVITATIONS = Wording("review invitation(s) sent", "already invited", "a rerun", "a rerun")


@dataclass(frozen=True)
class Fate:
    """What became of one message."""

    state: str  # SENT, NOT_NEEDED, IN_FLIGHT, FAILED_FOR_NOW or FAILED
    again_at: datetime | None = None  # in flight or failed for now: when it is tried again
    again_by: str = ""
    reason: str = ""  # failed: Slack's error, or the class of the job's


def fates(
    services: Services, *, kind: str, units: dict[Pair, int | None], since: datetime, say: Wording
) -> dict[Pair, Fate]:
    """Each message's fate from the ledger and the jobs. `units`: each pair's job (None: none was added);
    `since`: when the command started (a message sent before was not needed)."""
    with services.session() as session:
        ledger = sends.states(session, kind=kind, pairs=list(units))
        holders = {p: job_of(r.claimed_by) for p, r in ledger.items() if r.state == "claimed"}
        wanted = {j for j in units.values() if j is not None} | {j for j in holders.values() if j is not None}
        seen = job_watch.by_ids(session, wanted)
    out = {}
    for pair, job_id in units.items():
        row = ledger.get(pair)
        if row is not None and row.state == "claimed":
            held = seen.get(holders[pair]) if holders[pair] is not None else None
            out[pair] = _claimed(row, held, say)
        elif row is not None:
            out[pair] = _ledger(row, since, say)
        else:
            out[pair] = _unclaimed(seen.get(job_id) if job_id is not None else None)
    return out


def _ledger(row: Row, since: datetime, say: Wording) -> Fate:
    if row.state == "sent":
        return Fate(SENT if row.sent_at and row.sent_at >= since else NOT_NEEDED)
    if row.state == "failed" and row.attempts >= sends.MAX_ATTEMPTS:
        return Fate(FAILED, reason=row.error or "")
    if row.state == "failed":
        return Fate(
            FAILED_FOR_NOW, row.claimed_at + sends.RETRY_AFTER_FAILURE, say.retried_by, row.error or ""
        )
    return Fate(NOT_NEEDED)  # cancelled: answered or skipped meanwhile


def _claimed(row: Row, job: job_watch.Seen | None, say: Wording) -> Fate:
    """Claimed, not settled: by a job's run (sent again when the job runs again), or by a process outside
    any job (sent again once the claim is stale)."""
    if job is None or job.state == jobs.DONE:
        return Fate(IN_FLIGHT, row.claimed_at + STALE_CLAIM, say.again_by)
    return _unclaimed(job)


def _unclaimed(job: job_watch.Seen | None) -> Fate:
    if job is None or job.state == jobs.DONE:
        return Fate(NOT_NEEDED)  # its job found nothing to send (the person erased meanwhile)
    if job.state == jobs.FAILED:
        return Fate(FAILED, reason=_class(job.error))
    if job.state == jobs.QUEUED and job.tries:  # a try raised: queued again after its back-off
        return Fate(FAILED_FOR_NOW, job.run_after, WORKERS, _class(job.error))
    return Fate(IN_FLIGHT, job.lease_until or job.run_after, WORKERS)


def _class(error: str | None) -> str:
    """The error's class only: its text may quote a person (the whole of it: `checkins jobs --failures`)."""
    return (error or "").partition(":")[0]


def report(outcome: dict[Pair, Fate], *, emails: dict[Pair, str], say: Wording) -> bool:
    """Prints what became of each message; True when every one is settled (sent, or not needed)."""
    by_state: dict[str, list[Pair]] = defaultdict(list)
    for pair, fate in outcome.items():
        by_state[fate.state].append(pair)
    click.echo(f"{len(by_state[SENT])} {say.sent}; {len(by_state[NOT_NEEDED])} not needed ({say.not_needed})")
    for by, pairs in _by_whom(outcome, by_state[IN_FLIGHT]):
        after = min(outcome[p].again_at for p in pairs)  # type: ignore[type-var]
        click.echo(
            f"{len(pairs)} in flight in another process (if it died: sent again from {after:%H:%M:%S} UTC,"
            f" by {by}): " + _names(outcome, emails, pairs)
        )
    for by, pairs in _by_whom(outcome, by_state[FAILED_FOR_NOW]):
        after = min(outcome[p].again_at for p in pairs)  # type: ignore[type-var]
        click.echo(
            f"{len(pairs)} failed for now (retried by {by} from {after:%H:%M:%S} UTC): "
            + _names(outcome, emails, pairs, reasons=True)
        )
    if by_state[FAILED]:
        click.echo(
            f"{len(by_state[FAILED])} failed for good: "
            + _names(outcome, emails, by_state[FAILED], reasons=True)
        )
    return all(fate.state in SETTLED and fate.state != FAILED for fate in outcome.values())


def _by_whom(outcome: dict[Pair, Fate], pairs: list[Pair]) -> list[tuple[str, list[Pair]]]:
    groups: dict[str, list[Pair]] = defaultdict(list)
    for pair in pairs:
        groups[outcome[pair].again_by].append(pair)
    return sorted(groups.items())


def _names(outcome: dict[Pair, Fate], emails: dict[Pair, str], pairs: list[Pair], *, reasons=False) -> str:
    pairs = sorted(pairs, key=lambda p: emails.get(p, ""))
    shown = [emails.get(p, str(p[0])) + (f" ({outcome[p].reason})" if reasons else "") for p in pairs[:5]]
    return ", ".join(shown) + (f" and {len(pairs) - 5} more" if len(pairs) > 5 else "")
