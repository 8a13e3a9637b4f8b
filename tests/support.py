"""Helpers shared by tests: an org seeded in Slack (the sandbox) and in the app."""

import csv
import io
import os
import subprocess
import sys
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from domain.core.services import Services
from domain.org import roster
from domain.org import service as org
from storage import people
from tests.conftest import BOT_TOKEN, SIGNING_SECRET


def wait_for(predicate, timeout=5.0):
    """The app answers after acking: wait until what a test expects has arrived, and return it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := predicate():
            return result
        time.sleep(0.02)
    raise AssertionError("condition not met in time")


HEADER = ["email", "manager_email", "team", "role", "timezone"]


def csv_text(rows: Iterable[Iterable[str]], header: Iterable[str] = HEADER) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(list(header))
    writer.writerows(rows)
    return out.getvalue()


def slack_users(sandbox, people: dict[str, str]) -> dict[str, str]:
    """email -> time zone in; email -> Slack user id out."""
    return {
        email: sandbox.add_user(
            email=email, real_name=email.split("@")[0].title(), name=email.split("@")[0], tz=tz
        )
        for email, tz in people.items()
    }


def import_org(services: Services, text: str) -> roster.ImportReport:
    with services.session() as session:
        report = org.import_csv(session, services.gateway, text)
        if not report.ok:
            session.rollback()
    return report


TEAM = {
    "maria@acme.test": "America/New_York",
    "ana@acme.test": "America/Sao_Paulo",
    "bo@acme.test": "Europe/Paris",
    "chen@acme.test": "Asia/Tokyo",
    "dee@acme.test": "America/New_York",
}
TEAM_CSV = csv_text(
    [
        ["maria@acme.test", "", "Platform", "manager", ""],
        ["ana@acme.test", "maria@acme.test", "Platform", "", ""],
        ["bo@acme.test", "maria@acme.test", "Platform", "", "Europe/Berlin"],
        ["chen@acme.test", "maria@acme.test", "Platform", "employee", ""],
        ["dee@acme.test", "maria@acme.test", "Platform", "admin", ""],
    ]
)


def seed_team(sandbox, services: Services) -> dict[str, str]:
    ids = slack_users(sandbox, TEAM)
    report = import_org(services, TEAM_CSV)
    assert report.ok, report.errors
    return ids


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def joined(services: Services, when: datetime) -> None:
    """When everyone joined the org: prompts of periods that opened before that were never missed."""
    with services.session() as session:
        for person in people.list_all(session):
            person.created_at = when


CHECKINS = str(Path(sys.executable).with_name("checkins"))


def cli_env(sandbox, database_url, **extra) -> dict[str, str]:
    """The environment of a `checkins` command run by an operator against the sandbox and a test database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL", "PORT"))}
    env.update(
        {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": sandbox.api_url,
            "DATABASE_URL": database_url,
            **extra,
        }
    )
    return env


def run_cli(args, env, cwd) -> subprocess.CompletedProcess:
    """`checkins ARGS` as a real process."""
    return subprocess.run([CHECKINS, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=60)


def prompt_now(services: Services) -> None:
    """This period's prompt to everyone, as `checkins checkin send` sends it, whatever the real clock says:
    the scheduler sends none in a period's last quarter, where a test run may fall (for Tokyo's Friday
    10:00 weekly, from Wednesday 07:00 UTC)."""
    from domain.checkins import due, flows
    from storage.types import utcnow

    now = utcnow()
    with services.session() as session:
        dues = due.due_prompts(session, now=now, send_now=True)
    flows.fan_out(services, dues, now=now)


def tick_now(services: Services) -> None:
    """The tick now, with this period's prompts sent whatever the real clock's day (prompt_now)."""
    from schedules.jobs import run_tick
    from storage.types import utcnow

    prompt_now(services)
    run_tick(services, now=utcnow())


def jobs_settled(services: Services, timeout: float = 10.0) -> None:
    """Until no job waits or runs: what a person sees (a published Home, a DM) comes before its job's finish
    is committed, so a test that looks at the job table next waits for that too."""
    import sqlalchemy as sa

    from storage import jobs

    def settled() -> bool:
        with services.session() as session:
            busy = sa.select(jobs.Job.id).where(jobs.Job.state.in_([jobs.QUEUED, jobs.RUNNING])).limit(1)
            return session.execute(busy).first() is None

    wait_for(settled, timeout)
