"""Where a fan-out's CPU goes per prompt: the job path `checkins serve`'s workers run, in one thread.

The sandbox (the local Slack, rate limits off) and the app run in this process; the org is imported with
the app's own code (`fanout.py`'s org: a manager per 10 people), a job is added per prompt due
(`schedules/per_person.py`, as the tick's job and `fanout.py --replicas` do), and the jobs are claimed and
run by the real job consumer (`bot/consumer.py`: claim, run `send.prompt`, finish), but in this thread, as
one of its threads does while jobs are queued. The pace is the shared one, at --limit per minute: a run of
N prompts takes N / (limit/60) s, mostly asleep. CPU is counted with this thread's clock
(`time.thread_time`), so the sandbox's threads answering the posts are not in it; the process's clock, with
them, is printed too.

Prints CPU per prompt (after --warm-up prompts), with --breakdown the inclusive CPU of the main steps, and
with --profile cProfile's top functions (this thread's CPU).

    .venv/bin/python bench/profile_fanout.py [--prompts 1000] [--limit 6000] [--breakdown] [--profile]
        [--top 40] [--database-url postgresql://postgres@127.0.0.1:5432/postgres]
"""

import argparse
import cProfile
import csv
import inspect
import io
import math
import os
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fanout import BOT_TOKEN, PROMPT, SECRET, build_org, revision  # noqa: E402
from processes import postgres_database  # noqa: E402
from profiling import print_top  # noqa: E402

from bot.app import build_services, create_consumer  # noqa: E402
from bot.consumer import Consumer  # noqa: E402
from bot.settings import Settings  # noqa: E402
from domain.checkins import due  # noqa: E402
from domain.org import service as org  # noqa: E402
from sandbox import Sandbox  # noqa: E402
from schedules import per_person  # noqa: E402
from storage.types import utcnow  # noqa: E402


class Breakdown:
    """Inclusive CPU (this thread's clock) of named functions, wrapped in place; nested calls of the same
    label are counted once."""

    def __init__(self) -> None:
        self.totals: dict[str, float] = {}
        self.calls: dict[str, int] = {}
        self.on = False

    def wrap(self, owner: object, attr: str, label: str) -> None:
        inner = getattr(owner, attr)
        self.totals.setdefault(label, 0.0)
        self.calls.setdefault(label, 0)
        depth = [0]

        def timed(*args, **kwargs):
            if not self.on or depth[0]:
                return inner(*args, **kwargs)
            depth[0] += 1
            start = time.thread_time()
            try:
                return inner(*args, **kwargs)
            finally:
                depth[0] -= 1
                self.totals[label] += time.thread_time() - start
                self.calls[label] += 1

        setattr(owner, attr, timed)

    def report(self, n: int) -> None:
        for label, total in self.totals.items():
            calls = self.calls[label]
            print(f"  {label:<52} {total / n * 1000:6.3f} ms a prompt ({calls / n:4.1f} calls a prompt)")


def breakdown() -> Breakdown:
    from sqlalchemy.engine import Connection
    from sqlalchemy.orm import Session

    from bot import consumer, slack
    from domain.checkins import flows
    from domain.core import delivery
    from message_templates import render
    from storage import jobs, pace, people, sends

    b = Breakdown()
    b.wrap(consumer.Consumer, "_claim", "claim (a look, then the claim)")
    b.wrap(consumer.Consumer, "_run", "run (the job, then its finish)")
    b.wrap(per_person, "send", "  per_person.send (person, then the send)")
    b.wrap(flows, "send", "    checkins.flows.send")
    b.wrap(delivery, "send_once", "      delivery.send_once")
    b.wrap(people, "get", "    the person (people.get)")
    b.wrap(flows, "checkin_for", "        compose: the check-in (checkin_for)")
    b.wrap(flows, "home_changed", "        record: the Home refresh (home_changed)")
    b.wrap(jobs, "finish", "  the job's finish (jobs.finish)")
    b.wrap(jobs, "claim", "  the next job's claim (jobs.claim)")
    b.wrap(sends, "claim", "        ledger claim")
    b.wrap(sends, "confirm", "        ledger confirm")
    b.wrap(sends, "mark_sent", "        ledger mark_sent")
    b.wrap(render, "render_message", "        render_message")
    b.wrap(slack.SharedPace, "take", "        pace: take a slot")
    b.wrap(pace, "take_slot", "          pace: reserve (statement)")
    b.wrap(pace, "held_for", "          pace: held_for (statement)")
    b.wrap(slack.SlackGateway, "_api", "        Web API call (chat.postMessage)")
    b.wrap(Session, "commit", "database: Session.commit (all)")
    b.wrap(Session, "execute", "database: Session.execute (all)")
    b.wrap(Connection, "execute", "database: Connection.execute (all)")
    flows.render_message = render.render_message  # flows holds its own reference
    return b


CHAINS = "busy" in inspect.signature(Consumer._run).parameters  # before --breakdown wraps it


def drain(consumer: Consumer) -> None:
    """Runs what is queued as one of a busy consumer's threads does: a claim, then each job's successor
    claimed as it finishes (before that was done, by a claim of one job after each)."""
    while claimed := consumer._claim(1, look_first=True):
        consumer._run(claimed[0], **({"busy": True} if CHAINS else {}))


def setup(args: argparse.Namespace, stack: ExitStack) -> tuple[Sandbox, Settings, list[str]]:
    tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="checkins-profile-fanout-")))
    database_url = (
        postgres_database(args.database_url, stack) if args.database_url else f"sqlite:///{tmp / 'bench.db'}"
    )
    sb = Sandbox(signing_secret=SECRET, bot_token=BOT_TOKEN).start()
    stack.callback(sb.stop)
    sb.rate_limits_enabled = False
    employees = math.ceil(args.prompts * 10 / 11)  # a manager per 10: their prompts come on top
    people, rows = build_org(sb, employees, 10)
    settings = Settings(
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SECRET,
        slack_api_url=sb.api_url,
        database_url=database_url,
        posts_per_minute=args.limit,
        port=0,
    )
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(["email", "manager_email", "team", "role", "timezone"])
    writer.writerows(rows)
    services = build_services(settings)
    try:
        with services.session() as session:
            report = org.import_csv(session, services.gateway, text.getvalue())
        if not report.ok:
            raise SystemExit(f"org import failed: {report.errors}")
    finally:
        services.engine.dispose()
    return sb, settings, [people.uids[e] for e in people.managed]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--prompts", type=int, default=1000, help="about this many prompts (one per person)")
    parser.add_argument("--warm-up", type=int, default=100, help="prompts run before counting")
    parser.add_argument("--limit", type=float, default=6000, help="the app's pace, posts per minute")
    parser.add_argument("--breakdown", action="store_true", help="CPU of the main steps, per prompt")
    parser.add_argument("--profile", action="store_true", help="cProfile the counted prompts")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--database-url", default=None, help="a PostgreSQL server (a database is made there)")
    args = parser.parse_args()

    with ExitStack() as stack:
        sb, settings, uids = setup(args, stack)
        services = build_services(settings, migrate=False)
        stack.callback(services.engine.dispose)
        consumer = create_consumer(settings, services)  # not started: its claim and run are called here
        now = utcnow()
        with services.session() as session:
            units = [per_person.of_due(d) for d in due.due_prompts(session, now=now, send_now=True)]
        print(
            f"{len(units)} prompt jobs on {services.engine.dialect.name}, pace {args.limit:g}/min;"
            f" app at {revision()}; load {os.getloadavg()[0]:.1f}"
        )
        per_person.enqueue(services, units[: args.warm_up], now=now)
        drain(consumer)
        per_person.enqueue(services, units[args.warm_up :], now=now)
        parts = breakdown() if args.breakdown else None
        if parts:
            parts.on = True
        profile = cProfile.Profile(time.thread_time) if args.profile else None
        before = sum(1 for c in sb.calls_to("chat.postMessage") if c.ok)
        started = (time.thread_time(), time.monotonic(), time.process_time())
        if profile:
            profile.enable()
        drain(consumer)
        if profile:
            profile.disable()
        cpu = time.thread_time() - started[0]
        wall = time.monotonic() - started[1]
        process = time.process_time() - started[2]
        counted = sum(1 for c in sb.calls_to("chat.postMessage") if c.ok) - before
        consumer.close()

        sent = sum(1 for c in sb.calls_to("chat.postMessage") if c.ok)
        landed = sum(
            1 for uid in uids for m in sb.dm_messages(uid) if str(m.get("text", "")).startswith(PROMPT)
        )
        print(f"sent              {sent} posts, {landed} prompts in DMs, of {len(uids)} due")
        if sb.problems:
            print(f"sandbox problems  {sb.problems[:3]}")
        if counted <= 0:
            raise SystemExit("nothing counted: more --prompts than --warm-up")
        print(
            f"CPU a prompt      {cpu / counted * 1000:.2f} ms (this thread),"
            f" {process / counted * 1000:.2f} ms (the process, the sandbox included);"
            f" {counted} prompts in {wall:.1f} s"
        )
        if parts:
            parts.report(counted)
        if profile:
            print_top(profile, sort=args.sort, top=args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
