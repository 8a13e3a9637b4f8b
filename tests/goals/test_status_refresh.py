"""The daily refresh of goals' automatic status: a keyed job from the scheduler's daily work, run by the
app's workers, so the status kept (read by summaries and 1:1 suggestions) follows the time elapsed."""

from datetime import timedelta

from sqlmodel import select

from schedules import jobs
from schedules.runner import GOAL_STATUS_JOB, SchedulerRunner
from storage import goals as goal_store
from storage.jobs import Job
from storage.models import Goal
from storage.types import utcnow
from tests.support import wait_for


def test_the_refresh_is_daily_work_of_the_scheduler(runtime):
    runner = SchedulerRunner(runtime.services, tick_every=3600)
    runner.step()
    try:
        job = runner.scheduler.get_job(GOAL_STATUS_JOB)
        assert job.func_ref == "schedules.jobs:refresh_goal_status"
        assert str(job.trigger) == "cron[hour='0', minute='7']"
    finally:
        runner.stop()


def seed(services, title, *, progress, status="active", by_hand=False):
    today = utcnow().date()
    started = today - timedelta(days=90)  # 90 of 100 days gone: 90 % expected
    with services.session() as session:
        goal_store.add(
            session,
            goal=Goal(
                title=title,
                kind="process",
                period="2026",
                starts_on=started,
                due_on=today + timedelta(days=10),
                current=100 * progress,
                progress=progress,
                status=status,
                status_by_hand=by_hand,
                created_at=utcnow() - timedelta(days=90),
            ),
        )


def statuses(services) -> dict[str, str]:
    with services.session() as session:
        return {g.title: g.status for g in session.exec(select(Goal))}


def test_the_daily_job_reads_each_automatic_status_afresh_and_leaves_the_others(world):
    services = world.services
    seed(services, "Behind, automatic", progress=0.5)  # kept "active" since it was last updated
    seed(services, "Caught up, automatic", progress=0.85, status="at_risk")
    seed(services, "Behind, on track by hand", progress=0.1, by_hand=True)
    seed(services, "Dropped", progress=0.0, status="dropped")
    seed(services, "Complete", progress=1.0)
    jobs.bind(services)
    jobs.refresh_goal_status()
    jobs.refresh_goal_status()  # a second scheduler on the same day adds nothing
    wait_for(lambda: statuses(services)["Behind, automatic"] == "at_risk")
    assert statuses(services) == {
        "Behind, automatic": "at_risk",
        "Caught up, automatic": "active",  # 85 % against 90 %: within the margin
        "Behind, on track by hand": "active",
        "Dropped": "dropped",
        "Complete": "done",
    }
    with services.session() as session:
        ran = session.exec(select(Job).where(Job.kind == jobs.GOAL_STATUS)).all()
    assert [j.key for j in ran] == [f"{jobs.GOAL_STATUS}:{utcnow():%Y-%m-%d}"]
