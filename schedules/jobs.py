"""Scheduled work. APScheduler, in the lease holder, only decides what is due and adds it to the job table
(storage/jobs.py); the workers of any replica run it (`runners`), so the serving process runs no heavy job
and work whose worker died runs again after its lease. APScheduler stores its functions by reference, so
they take no live objects: the runner binds."""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.checkins import digest
from domain.core import delivery
from domain.core.services import Services
from domain.goals import rollup
from domain.one_on_ones import flows as one_on_one_flows
from domain.org import service as org
from domain.performance_file import privacy
from domain.reviews import reminders as review_reminders
from domain.summaries import flows as summary_flows
from schedules import per_person
from storage import jobs as job_table
from storage.models import SendKind
from storage.types import utcnow

log = logging.getLogger(__name__)

_services: Services | None = None


def bind(services: Services) -> None:
    global _services
    _services = services


TICK, ORG_SYNC, RETENTION = "schedule.tick", "schedule.org_sync", "schedule.retention"
GOAL_STATUS = "schedule.goal_status"


def _due(kind: str, key: str, payload: dict[str, Any] | None = None) -> None:
    """Adds a scheduled job, unless one of its kind is still waiting or running (a long fan-out spans many
    ticks: one at a time, as APScheduler's max_instances had it) or this one was added already (its key:
    two schedulers in one minute add one)."""
    if _services is None:
        raise RuntimeError("schedules.jobs.bind(services) was not called")
    with _services.session() as session:
        if not job_table.pending(session, kind=kind):
            job_table.enqueue(session, kind=kind, key=key, payload=payload or {})


def tick() -> None:
    """Every minute, in the one process holding the scheduler lease: a tick job for the workers."""
    _due(TICK, f"{TICK}:{utcnow():%Y-%m-%dT%H:%M}")


@dataclass(frozen=True)
class TickReport:
    prompts: delivery.FanOut
    reminders: delivery.FanOut


REMINDERS = {SendKind.first_reminder.value, SendKind.last_reminder.value}


def run_tick(services: Services, *, now: datetime) -> TickReport:
    """The whole tick in this thread: each unit sent here, through the same code as its job (tests, and
    a tick run by hand). Idempotent: who is due comes from the database, and the ledger decides every send."""
    units = per_person.due(services, now=now)

    def send_all(group: list[per_person.Unit], workers: int = 1) -> delivery.FanOut:
        return delivery.fan_out(
            group,
            lambda unit: per_person.send(services, unit, now=now),
            whom=lambda unit: f"person {unit.person_id} ({unit.kind})",
            workers=workers,
        )

    prompts = send_all([u for u in units if u.kind == SendKind.prompt], workers=8)
    reminders = send_all([u for u in units if u.kind in REMINDERS], workers=8)
    send_all([u for u in units if u.kind != SendKind.prompt and u.kind not in REMINDERS])
    _tick_rest(services, now=now)
    if prompts.due or reminders.due:
        log.info("tick: %d/%d prompts and %d/%d reminders sent",
                 prompts.sent, prompts.due, reminders.sent, reminders.due)  # fmt: skip
    return TickReport(prompts=prompts, reminders=reminders)


def _tick_rest(services: Services, *, now: datetime) -> None:
    """What is not one person's prompt or message of the tick's own: digest posts to retry, the HR channel's
    summary, open 1:1 action items with a check-in, and open review steps' reminders (jobs of their own)."""
    failed: Exception | None = None
    for step in (
        digest.catch_up,  # digest posts Slack refused for now
        summary_flows.send_hr_due,
        one_on_one_flows.follow_up_actions,
        review_reminders.enqueue_due,
    ):
        try:  # one step failing does not hold back the others, every minute
            step(services, now=now)
        except Exception as err:
            log.warning("tick: %s.%s failed: %s", step.__module__, step.__name__, type(err).__name__)
            failed = failed or err
    if failed is not None:
        raise failed  # the job is tried again (each step is idempotent), its error kept


def run_tick_job(services: Services, *, now: datetime) -> int:
    """The tick's job: a job per unit due (the workers of every replica send them), then the rest. A tick
    repeated, or whose worker died half-way and is run again, adds only what is missing."""
    units = per_person.due(services, now=now)
    added = per_person.enqueue(services, units, now=now)
    _tick_rest(services, now=now)
    if units:
        log.info("tick: %d units due, %d added as jobs", len(units), added)
    return added


def sync_org() -> None:
    """Daily: names, time zones and deactivations that no user_change event told us about."""
    _due(ORG_SYNC, f"{ORG_SYNC}:{utcnow():%Y-%m-%d}")


def run_sync_org(services: Services) -> None:
    with services.session() as session:
        report = org.sync(session, services.gateway)
    log.info("org sync: %d updated, %d deactivated", report.updated, report.deactivated)


def refresh_goal_status() -> None:
    """Daily: each goal's automatic status against the time elapsed (screens read it afresh; what is kept,
    which summaries and 1:1 suggestions read, would go stale)."""
    _due(GOAL_STATUS, f"{GOAL_STATUS}:{utcnow():%Y-%m-%d}")


def run_goal_status(services: Services, *, now: datetime) -> int:
    with services.session() as session:
        changed = rollup.refresh_statuses(session, now.date())
    log.info("goal status refresh: %d goals changed", changed)
    return changed


def apply_retention(days: int | None = None) -> None:
    """Daily: deletes what is older than CHECKINS_RETENTION_DAYS (the runner passes it), old event ids, and
    finished jobs."""
    _due(RETENTION, f"{RETENTION}:{utcnow():%Y-%m-%d}", {"days": days})


def run_retention(services: Services, *, days: int | None, now: datetime) -> privacy.Retained:
    with services.session() as session:
        done = privacy.apply_retention(session, days=days, now=now)
    with services.session() as session:  # whatever the setting: finished jobs are of no use after a day
        pruned = job_table.prune(session, now=now)
    log.info(
        "retention (%s days): %s; %d finished jobs pruned", days or "no limit", dict(done.counts), pruned
    )
    return done


def runners(services: Services) -> dict[str, Callable[[dict[str, Any]], object]]:
    """What a worker runs for each kind of scheduled job."""
    return {
        **per_person.runners(services),
        TICK: lambda _: run_tick_job(services, now=utcnow()),
        ORG_SYNC: lambda _: run_sync_org(services),
        RETENTION: lambda payload: run_retention(services, days=payload.get("days"), now=utcnow()),
        GOAL_STATUS: lambda _: run_goal_status(services, now=utcnow()),
        review_reminders.JOB: lambda payload: review_reminders.send(services, payload),
    }
