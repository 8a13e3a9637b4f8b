"""Job functions. APScheduler stores jobs by reference, so they take no live objects: the runner binds."""

import logging
from dataclasses import dataclass
from datetime import datetime

from domain import checkins, reviews, summaries
from domain.core import delivery
from domain.core.services import Services
from domain.feedback import flows as feedback_flows
from domain.org import service as org
from domain.performance_file import privacy
from storage import jobs as job_table
from storage.types import utcnow

log = logging.getLogger(__name__)

_services: Services | None = None


def bind(services: Services) -> None:
    global _services
    _services = services


def tick() -> None:
    """Every minute, in the one process holding the scheduler lease."""
    if _services is None:
        raise RuntimeError("schedules.jobs.bind(services) was not called")
    run_tick(_services, now=utcnow())


@dataclass(frozen=True)
class TickReport:
    prompts: delivery.FanOut
    reminders: delivery.FanOut


def run_tick(services: Services, *, now: datetime) -> TickReport:
    """Idempotent: who is due comes from the database, and the send ledger decides every send."""
    with services.session() as session:
        prompts = checkins.due_prompts(session, now=now)
    sent_prompts = checkins.fan_out(services, prompts, now=now)
    with services.session() as session:
        reminders = checkins.due_reminders(session, now=now)
    sent_reminders = checkins.fan_out(services, reminders, now=now)
    feedback_flows.send_request_reminders(services, now=now)
    reviews.start(services, now=now)  # a quarter just ended where someone is: their review opens
    summaries.send_due(services, now=now)
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
    if _services is None:
        raise RuntimeError("schedules.jobs.bind(services) was not called")
    with _services.session() as session:
        report = org.sync(session, _services.gateway)
    log.info("org sync: %d updated, %d deactivated", report.updated, report.deactivated)


def apply_retention(days: int | None = None) -> None:
    """Daily: deletes what is older than CHECKINS_RETENTION_DAYS (the runner passes it), old event ids, and
    finished jobs."""
    if _services is None:
        raise RuntimeError("schedules.jobs.bind(services) was not called")
    run_retention(_services, days=days, now=utcnow())


def run_retention(services: Services, *, days: int | None, now: datetime) -> privacy.Retained:
    with services.session() as session:
        done = privacy.apply_retention(session, days=days, now=now)
    with services.session() as session:  # whatever the setting: finished jobs are of no use after a day
        pruned = job_table.prune(session, now=now)
    log.info(
        "retention (%s days): %s; %d finished jobs pruned", days or "no limit", dict(done.counts), pruned
    )
    return done
