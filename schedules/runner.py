"""APScheduler, run by one process at a time: the holder of a lease in the database.

APScheduler's job store must never be shared by two schedulers (its FAQ), so every instance of the app runs
this runner, and only the lease holder starts a scheduler. If the holder dies, its lease expires and
another instance takes over. The send ledger keeps sends exactly-once even at the hand-over.
"""

import logging
import threading
from datetime import UTC, datetime, timedelta

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.exc import SQLAlchemyError

from domain.core.services import Services
from schedules import jobs
from storage import leases
from storage.types import utcnow

log = logging.getLogger(__name__)

LEASE = "scheduler"
TICK_JOB = "checkins.tick"
SYNC_JOB = "org.sync"
RETENTION_JOB = "privacy.retention"
GOAL_STATUS_JOB = "goals.status"


class SchedulerRunner:
    def __init__(
        self,
        services: Services,
        *,
        # Another instance takes over within lease_ttl + renew_every of the holder's death: under 30 s.
        lease_ttl: timedelta = timedelta(seconds=20),
        renew_every: float = 5.0,
        tick_every: float = 60.0,
        retention_days: int | None = None,
    ):
        self.services = services
        self.retention_days = retention_days
        self.lease_ttl = lease_ttl
        self.renew_every = renew_every
        self.tick_every = tick_every
        self.scheduler: BackgroundScheduler | None = None
        self._held_until: datetime | None = None
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def leading(self) -> bool:
        return self.scheduler is not None

    def start(self) -> "SchedulerRunner":
        self._thread = threading.Thread(target=self._run, name="scheduler-lease", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while True:
            try:
                self.step()
            except SQLAlchemyError:
                # The database did not answer: keep trying; step() stops the scheduler once the lease
                # it last renewed has run out, so two schedulers never overlap.
                log.exception("could not renew the scheduler lease")
                self._stop_if_expired()
            if self._stopping.wait(self.renew_every):
                return

    def _stop_if_expired(self) -> None:
        if self.scheduler is not None and (self._held_until is None or utcnow() >= self._held_until):
            log.warning("the scheduler lease ran out unrenewed; stopping the scheduler here")
            self._stop_scheduler()

    def step(self) -> None:
        """Take or renew the lease; start or stop the scheduler to match."""
        now = utcnow()
        with self.services.session() as session:
            held = leases.acquire(
                session, name=LEASE, holder=self.services.holder, now=now, ttl=self.lease_ttl
            )
        # Another instance may take the lease once it expires: stop at the last check before that.
        self._held_until = now + self.lease_ttl - timedelta(seconds=self.renew_every) if held else None
        if held and self.scheduler is None:
            self._start_scheduler()
        elif not held and self.scheduler is not None:
            log.warning("lost the scheduler lease; stopping the scheduler here")
            self._stop_scheduler()

    def _start_scheduler(self) -> None:
        jobs.bind(self.services)
        scheduler = BackgroundScheduler(
            jobstores={
                "default": SQLAlchemyJobStore(engine=self.services.engine, tablename="apscheduler_jobs")
            },
            executors={"default": ThreadPoolExecutor(2)},
            # A tick missed during a restart runs once when the app is back (coalesce), within 5 minutes;
            # later than that the next tick catches up anyway, since due-ness comes from the database.
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
            timezone=UTC,
        )
        scheduler.add_job(
            "schedules.jobs:tick",
            IntervalTrigger(seconds=self.tick_every, timezone=UTC),
            id=TICK_JOB,
            name="send due check-in prompts and reminders",
            replace_existing=True,
            next_run_time=utcnow(),
        )
        # Daily work, at fixed UTC times (func, job id, hour, minute, what it does, its arguments).
        daily = [
            ("sync_org", SYNC_JOB, 3, 17, "refresh the org from Slack's directory", {}),
            (
                "refresh_goal_status",
                GOAL_STATUS_JOB,
                0,
                7,
                "read each goal's automatic status afresh against the time elapsed",
                {},
            ),
            # replace_existing: a changed retention setting applies at start
            (
                "apply_retention",
                RETENTION_JOB,
                3,
                47,
                "delete what is older than the retention window",
                {"days": self.retention_days},
            ),
        ]
        for func, job_id, hour, minute, name, kwargs in daily:
            scheduler.add_job(
                f"schedules.jobs:{func}",
                CronTrigger(hour=hour, minute=minute, timezone=UTC),
                id=job_id,
                name=name,
                kwargs=kwargs,
                replace_existing=True,
            )
        scheduler.start()
        self.scheduler = scheduler
        log.info(
            "holding the scheduler lease as %s; ticking every %ss", self.services.holder, self.tick_every
        )

    def _stop_scheduler(self) -> None:
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=True)
            self.scheduler = None

    def stop(self) -> None:
        self._stopping.set()
        if self._thread:
            self._thread.join(timeout=10)
        was_leading = self.leading
        self._stop_scheduler()
        if was_leading:
            with self.services.session() as session:
                leases.release(session, name=LEASE, holder=self.services.holder)
