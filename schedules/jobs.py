"""Scheduled work. APScheduler, in the lease holder, only decides what is due and adds it to the job table
(storage/jobs.py); the workers of any replica run it (`runners`), so the serving process runs no heavy job
and work whose worker died runs again after its lease. APScheduler stores its functions by reference, so
they take no live objects: the runner binds."""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.checkins import due, flows
from domain.core import delivery
from domain.core.services import Services
from domain.feedback import flows as feedback_flows
from domain.goals import rollup
from domain.one_on_ones import flows as one_on_one_flows
from domain.org import service as org
from domain.performance_file import privacy
from domain.reviews import flows as review_flows
from domain.reviews import reminders as review_reminders
from domain.summaries import flows as summary_flows
from storage import jobs as job_table
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
    with job_table.writing(_services.engine), _services.session() as session:
        if not job_table.pending(session, kind=kind):
            job_table.enqueue(session, kind=kind, key=key, payload=payload or {})


def tick() -> None:
    """Every minute, in the one process holding the scheduler lease: a tick job for the workers."""
    _due(TICK, f"{TICK}:{utcnow():%Y-%m-%dT%H:%M}")


@dataclass(frozen=True)
class TickReport:
    prompts: delivery.FanOut
    reminders: delivery.FanOut


def run_tick(services: Services, *, now: datetime) -> TickReport:
    """Idempotent: who is due comes from the database, and the send ledger decides every send."""
    with services.session() as session:
        prompts = due.due_prompts(session, now=now)
    sent_prompts = flows.fan_out(services, prompts, now=now)
    with services.session() as session:
        reminders = due.due_reminders(session, now=now)
    sent_reminders = flows.fan_out(services, reminders, now=now)
    feedback_flows.send_request_reminders(services, now=now)
    review_flows.start(services, now=now)  # a quarter just ended where someone is: their review opens
    review_reminders.enqueue_due(services, now=now)  # open review steps: a job per reminder due
    summary_flows.send_due(services, now=now)
    one_on_one_flows.send_agendas(services, now=now)  # the day before each 1:1, to both sides
    if prompts or reminders:
        log.info(
            "tick: %d/%d prompts and %d/%d reminders sent",
            sent_prompts.sent,
            len(prompts),
            sent_reminders.sent,
            len(reminders),
        )
    return TickReport(prompts=sent_prompts, reminders=sent_reminders)


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
        TICK: lambda _: run_tick(services, now=utcnow()),
        ORG_SYNC: lambda _: run_sync_org(services),
        RETENTION: lambda payload: run_retention(services, days=payload.get("days"), now=utcnow()),
        GOAL_STATUS: lambda _: run_goal_status(services, now=utcnow()),
        review_reminders.JOB: lambda payload: review_reminders.send(services, payload),
    }
