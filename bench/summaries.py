"""Building every manager's cycle summary for a large org with a year of history.

Seeds --employees people (one manager per --per-manager of them, every manager reporting to one head) with
--weeks weekly check-ins each (about 80% answered, with moods, a blocker now and then), two agreed goals
each with a progress update every four weeks, and some feedback; then builds, for every manager, the summary
of the last closed week exactly as the app does (domain.summaries.service.build, then the template) and
prints the time, the queries per summary (min / max: they must not grow with the org), and the process's
peak memory. With --charts it also renders each summary's chart (matplotlib). Seeding is not timed.

    .venv/bin/python bench/summaries.py [--employees 10000] [--weeks 52] [--charts]
        [--database-url postgresql://postgres@127.0.0.1:5432/postgres]
"""

import argparse
import multiprocessing
import random
import resource
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from domain.summaries import service as summaries  # noqa: E402
from domain.summaries.chart import chart_png  # noqa: E402
from message_templates.render import render_message  # noqa: E402
from storage import db  # noqa: E402
from storage.models import (  # noqa: E402
    Checkin,
    Feedback,
    FileEntry,
    Goal,
    KeyResult,
    Person,
)

FIRST_FRIDAY = datetime(2025, 11, 28, 15, tzinfo=UTC)  # 10:00 in New York
ANSWERS = ["Shipped the importer", "Reviews and planning", "Fixed flaky tests", "On-call week"]


def seed(engine: sa.Engine, *, employees: int, per_manager: int, weeks: int) -> datetime:
    """Returns the moment the last seeded week closed."""
    rng = random.Random(7)
    managers = -(-employees // per_manager)
    people = [
        {"id": 1, "email": "head@bench.test", "manager_id": None, "team": "Leadership", "role": "manager"}
    ]
    for m in range(managers):
        people.append(
            {
                "id": 2 + m,
                "email": f"m{m}@bench.test",
                "manager_id": 1,
                "team": f"Team {m}",
                "role": "manager",
            }
        )
    for e in range(employees):
        manager = 2 + e // per_manager
        people.append(
            {
                "id": 2 + managers + e,
                "email": f"e{e}@bench.test",
                "manager_id": manager,
                "team": f"Team {manager - 2}",
                "role": "employee",
            }
        )
    created = FIRST_FRIDAY - timedelta(days=7)
    for p in people:
        p.update(slack_user_id=f"U{p['id']:09d}", name=p["email"].split("@")[0], timezone="America/New_York")
        p.update(active=True, created_at=created, updated_at=created, timezone_pinned=False)
    with engine.begin() as conn:
        conn.execute(sa.insert(Person.__table__), people)

    staff = [p for p in people if p["id"] != 1]
    goal_rows, kr_rows, entries, feedback = [], [], [], []
    goal_id = 0
    for p in staff:
        for n in range(2):
            goal_id += 1
            objective = n == 0
            goal_rows.append(
                {
                    "id": goal_id,
                    "level": "person",
                    "person_id": p["id"],
                    "team": p["team"],
                    "title": f"Goal {n}",
                    "description": "",
                    "kind": "objective" if objective else "result",
                    "metric": "" if objective else "NPS",
                    "baseline": None if objective else 0.0,
                    "target": None if objective else 50.0,
                    "current": None,
                    "weight": 10,
                    "period": "2026",
                    "starts_on": date(2025, 11, 1),
                    "due_on": date(2026, 12, 31),
                    "parent_id": None,
                    "status": "at_risk" if rng.random() < 0.1 else "active",
                    "version": 1,
                    "created_by_id": p["id"],
                    "created_at": created,
                    "updated_at": created,
                }
            )
            if objective:
                kr_rows += [
                    {
                        "goal_id": goal_id,
                        "position": k,
                        "title": f"KR {k}",
                        "target": 10.0,
                        "current": rng.uniform(0, 10),
                    }
                    for k in range(3)
                ]
            for week in range(0, weeks, 4):
                at = FIRST_FRIDAY + timedelta(weeks=week, hours=2)
                entries.append(
                    {
                        "person_id": p["id"],
                        "author_id": p["id"],
                        "created_at": at,
                        "kind": "goal_progress",
                        "text": "",
                        "data": {"goal_id": goal_id, "progress": min(100, 2 * week)},
                        "private": False,
                    }
                )
        for _ in range(3):
            feedback.append(
                {
                    "giver_id": rng.choice(staff)["id"],
                    "recipient_id": p["id"],
                    "text": "Thanks!",
                    "praise": False,
                    "visibility": "recipient_and_manager",
                    "created_at": FIRST_FRIDAY + timedelta(days=rng.randrange(7 * weeks)),
                }
            )
    with engine.begin() as conn:
        for table, rows in (
            (Goal, goal_rows),
            (KeyResult, kr_rows),
            (FileEntry, entries),
            (Feedback, feedback),
        ):
            for start in range(0, len(rows), 20_000):
                conn.execute(sa.insert(table.__table__), rows[start : start + 20_000])

    batch = []
    with engine.begin() as conn:
        for week in range(weeks):
            opens = FIRST_FRIDAY + timedelta(weeks=week)
            closes = opens + timedelta(weeks=1)
            for p in staff:
                answered = rng.random() < 0.8
                answers = {"mood": "", "progress": rng.choice(ANSWERS), "wins": "", "help": ""}
                answers["blockers"] = "Waiting on access" if rng.random() < 0.1 else ""
                mood = rng.randint(2, 5) if answered else None
                answers["mood"] = str(mood or "")
                batch.append(
                    {
                        "person_id": p["id"],
                        "period_key": f"w:{opens:%Y-%m-%d}",
                        "opens_at": opens,
                        "closes_at": closes,
                        "status": "submitted" if answered else "prompted",
                        "answers": answers if answered else {},
                        "mood": mood,
                        "submitted_at": opens + timedelta(hours=3) if answered else None,
                        "manager_replied_at": opens + timedelta(hours=8)
                        if answered and rng.random() < 0.7
                        else None,
                    }
                )
                if len(batch) >= 20_000:
                    conn.execute(sa.insert(Checkin.__table__), batch)
                    batch = []
        if batch:
            conn.execute(sa.insert(Checkin.__table__), batch)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(sa.text("ANALYZE"))
    return FIRST_FRIDAY + timedelta(weeks=weeks)


class QueryCounter:
    def __init__(self, engine: sa.Engine):
        self.count = 0
        sa.event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *_args) -> None:
        self.count += 1


def _seed(database_url: str, args: argparse.Namespace) -> None:
    db.upgrade(database_url)
    seed(
        db.make_engine(database_url), employees=args.employees, per_manager=args.per_manager, weeks=args.weeks
    )


def run(database_url: str, args: argparse.Namespace) -> None:
    started = time.monotonic()
    # Seeded in another process, so that this one's peak memory is the building's alone.
    seeder = multiprocessing.get_context("spawn").Process(target=_seed, args=(database_url, args))
    seeder.start()
    seeder.join()
    if seeder.exitcode != 0:
        sys.exit("summaries bench: seeding failed")
    print(f"seeded {args.employees:,} employees x {args.weeks} weeks in {time.monotonic() - started:.1f} s")
    engine = db.make_engine(database_url)
    closed = FIRST_FRIDAY + timedelta(weeks=args.weeks)
    counter = QueryCounter(engine)
    now = closed + timedelta(hours=6)
    per_summary, sizes, chart_time = [], [], 0.0
    started = time.monotonic()
    with db.session_scope(engine) as session:
        managers = [m.id for m in session.exec(sa.select(Person).where(Person.role == "manager")).scalars()]
    for manager_id in managers:
        with db.session_scope(engine) as session:  # one per summary, as the app does
            before = counter.count
            manager = session.get(Person, manager_id)
            summary = summaries.build(session, manager=manager, cycle=None, now=now)
            message = render_message("summaries/manager.json.j2", summary=summary)
            per_summary.append(counter.count - before - 1)  # the manager's own row is not the summary's
            sizes.append(len(summary.lines))
            if args.charts:
                t0 = time.monotonic()
                chart_png(summary)
                chart_time += time.monotonic() - t0
            assert message["blocks"]
            session.rollback()
    wall = time.monotonic() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"database: {engine.dialect.name}")
    print(f"summaries built: {len(managers):,} (teams of {min(sizes)} to {max(sizes)} people)")
    print(
        f"time: {wall:.1f} s in all, {1000 * wall / len(managers):.1f} ms per summary"
        + (f" (charts: {chart_time:.1f} s of it)" if args.charts else "")
    )
    print(
        f"queries per summary: min {min(per_summary)}, max {max(per_summary)}"
        f" (the largest team: {max(sizes)} people)"
    )
    print(f"peak memory while building: {peak:.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--employees", type=int, default=10_000)
    parser.add_argument("--per-manager", type=int, default=10)
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--charts", action="store_true")
    parser.add_argument(
        "--database-url", help="a PostgreSQL server: the bench makes (and drops) its own database"
    )
    args = parser.parse_args()
    with ExitStack() as stack:
        if args.database_url:
            from fanout import SetupError, postgres_database

            try:
                url = postgres_database(args.database_url, stack)
            except SetupError as err:
                sys.exit(f"summaries bench: {err}")
        else:
            folder = stack.enter_context(tempfile.TemporaryDirectory())
            url = f"sqlite:///{folder}/bench.db"
        run(url, args)


if __name__ == "__main__":
    main()
