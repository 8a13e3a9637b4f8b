"""`checkin send`, `summary send` and `review start` as jobs: what is due becomes the tick's per-person units
(schedules/per_person.py: the same keys and runners), added to the job table, and a consumer in this
process runs them beside any `checkins serve` workers until each has had its try.

A run killed midway leaves jobs, not 30-minute claims: its running jobs are claimed again once their lease
runs out (by a worker, or by the next run's consumer), and their next run takes over the ledger's claims.
"""

import time
from collections import Counter
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.consumer import Consumer
from bot.send_report import SETTLED, Fate, Pair, Wording, fates
from domain.core.delivery import job_of
from domain.core.progress import Progress, silent
from domain.core.services import Services
from schedules import per_person
from storage import job_watch, jobs, sends
from storage.types import utcnow

# Senders here: the pace (storage/pace.py) spaces their posts; fewer leave its slots unused while one waits on
# Slack or the database (bench/README.md).
THREADS = 16
CLAIM_BATCH = 4  # jobs claimed at once while more wait: a write per 4 jobs, not per job
REPLAN_SECONDS = 5.0  # --wait: how often a failure's back-off or a stale claim is looked at for a new job
POLL_SECONDS = 1.0  # --wait: how often the ledger is read for what is still open
POLL_TRIES_SECONDS = 0.5  # how often the jobs are looked at until each has had its try
WINDOW = 200  # jobs looked at a poll: at 100 posts/s, the next 2 s


@dataclass
class Run:
    units: list[per_person.Unit]
    job_of_unit: list[int | None]  # each unit's job: this run's, one found under its key, or its claim's
    added: set[int] = field(default_factory=set)  # the jobs this run added
    tried: set[int] = field(default_factory=set)  # the jobs seen to have had their try

    @property
    def kind(self) -> str:
        return self.units[0].kind if self.units else ""

    def pair(self, index: int) -> Pair:
        return (self.units[index].person_id, self.units[index].period)

    def pairs(self, indexes: Iterable[int] | None = None) -> dict[Pair, int | None]:
        chosen = range(len(self.units)) if indexes is None else indexes
        return {self.pair(i): self.job_of_unit[i] for i in chosen}


def send(
    services: Services,
    units: list[per_person.Unit],
    *,
    now: datetime,
    lease: timedelta,
    say: Wording,
    wait_seconds: float,
    shown: Callable[[str], AbstractContextManager[Progress]] = lambda _: nullcontext(silent),
) -> dict[Pair, Fate]:
    """Adds a job per unit the ledger lets go, runs them here (and anywhere else a worker claims them)
    until each has had its try, and with `wait_seconds` until every message is settled or the time is up.
    The fate of each (person, key). All units are of one kind. `shown(step)`: the progress of a step ("":
    the jobs' tries; "settled": the wait)."""
    kinds = {per_person.JOB_PREFIX + unit.kind for unit in units}  # not the tick's other work
    consumer = Consumer(
        services,
        {kind: runner for kind, runner in per_person.runners(services).items() if kind in kinds},
        threads=THREADS,
        lease=lease,
        only_runners=True,
        claim_batch=CLAIM_BATCH,
    ).start()  # before the jobs are added: it starts on the first batch while the rest are added
    run = Run(units, [None] * len(units))
    try:
        _add(services, run, list(range(len(units))), now=now)
        with shown("") as progress:
            _had_their_try(services, run, progress, since=now)
        if wait_seconds:
            with shown("settled") as progress:
                _settle(services, run, progress, now=now, say=say, seconds=wait_seconds)
            _had_their_try(services, run, silent, since=now)  # what the wait added has its try too
    finally:
        consumer.close()
    return fates(services, kind=run.kind, units=run.pairs(), since=now, say=say)


def _settle(
    services: Services, run: Run, progress: Progress, *, now: datetime, say: Wording, seconds: float
) -> None:
    """`--wait`: until every message is settled (the consumer here claims a dead run's jobs once their
    lease runs out), adding the next job of one whose back-off has passed or whose claim went stale."""
    deadline = time.monotonic() + seconds
    open_, planned = list(range(len(run.units))), time.monotonic()
    while time.monotonic() < deadline:
        outcome = fates(services, kind=run.kind, units=run.pairs(open_), since=now, say=say)
        open_ = [i for i in open_ if outcome[run.pair(i)].state not in SETTLED]
        progress(len(run.units) - len(open_), len(run.units))
        if not open_:
            return
        if time.monotonic() - planned >= REPLAN_SECONDS:
            _add(services, run, open_, now=max(now, utcnow()))  # the ledger's times are this clock's
            planned = time.monotonic()
        time.sleep(min(POLL_SECONDS, max(0.0, deadline - time.monotonic())))


def _add(services: Services, run: Run, indexes: list[int], *, now: datetime) -> None:
    """Jobs for these units, where the ledger lets them go; each unit's job noted (a unit the ledger holds
    in a job's claim: that job)."""
    if not indexes:
        return
    units = [run.units[i] for i in indexes]
    keys = per_person.plan(services, units, now=now)
    run.added.update(per_person.add(services, units, keys, now=now, again_if_failed=True))
    with services.session() as session:
        found = job_watch.by_keys(session, [k for k in keys if k is not None])
        held = [u for u, k in zip(units, keys, strict=True) if k is None]
        ledger = sends.states(session, kind=run.kind, pairs=[(u.person_id, u.period) for u in held])
    for i, unit, key in zip(indexes, units, keys, strict=True):
        if key is not None and key in found:
            run.job_of_unit[i] = found[key].id
        elif key is None:
            row = ledger.get((unit.person_id, unit.period))
            run.job_of_unit[i] = (
                job_of(row.claimed_by) if row is not None and row.state == "claimed" else None
            )


def _had_their_try(services: Services, run: Run, progress: Progress, *, since: datetime) -> None:
    """Until every job watched has had its try: done, failed, or queued again after a failed try. A job run
    here, or queued, or whose lease ran out (claimed here next), is waited for; so is one this run added
    that a worker elsewhere runs. One found running elsewhere under a live lease is not: its holder may have
    died (reported in flight, with its lease's end)."""
    watched = Counter(j for j in run.job_of_unit if j is not None)
    pending = sorted(set(watched) - run.tried)
    total = len(run.units)
    left = sum(watched[j] for j in pending)
    keys = {u.period for u in run.units}
    while True:
        # Jobs are claimed oldest first: the oldest still pending are read, a window at a time, so a fan-out
        # of thousands costs a short read per poll
        window = pending[:WINDOW]
        with services.session() as session:
            seen = job_watch.by_ids(session, window)
            at = jobs.clock(session)
            failed = sends.failed_since(session, kind=run.kind, period_keys=keys, since=since)
        tried = {j for j in window if j not in seen or _tried(seen[j], j in run.added, services.holder, at)}
        if tried:
            run.tried |= tried
            pending = [j for j in pending if j not in tried]
            left -= sum(watched[j] for j in tried)
        progress(total - left, total, failed)
        if not pending:
            return
        time.sleep(min(POLL_TRIES_SECONDS, 0.05 + len(pending) / 400))  # a few jobs: soon done


def _tried(job: job_watch.Seen, added: bool, holder: str, at: datetime) -> bool:
    if job.state in (jobs.DONE, jobs.FAILED):
        return True
    if job.state == jobs.QUEUED:
        return job.tries > 0 and job.run_after > at  # waiting out the back-off of a failed try
    lease_over = job.lease_until is None or job.lease_until < at
    return not (job.holder == holder or lease_over or added)
