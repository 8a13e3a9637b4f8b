"""Where checkins' CPU goes per request: the bench's requests, dispatched one at a time in one thread.

The sandbox (the local Slack) and the app run in this process; the app is the real one (`bot.app`), the
org imported with the real CLI, and each request is the very body `ack_latency.py` sends (a `/checkins`
command with a real response_url, or the Home tab's *Older* click), passed through the same WSGI
application `checkins serve` runs, without the HTTP server. To keep all of the app's work in this thread,
the worker app's part of each request (its listener) runs right after the serving app's part, in the same
thread, instead of in a worker process; everything else is as served. CPU is counted with this thread's
CPU clock (`time.thread_time`), so the sandbox's threads answering the follow-up calls are not in it.

Prints CPU per request (mean over --requests) for checkins and for the bare app of `bare_bolt_app.py`,
then, with --profile, cProfile's top functions (cumulative, this thread's CPU) for checkins.

    .venv/bin/python bench/profile_ack.py [--requests 600] [--profile] [--top 40]
        [--database-url postgresql://postgres@127.0.0.1:5432/postgres]

With --database-url the app's database is one the bench creates on that PostgreSQL server (and drops at
the end); the server's own CPU is not in the figures.
"""

import argparse
import cProfile
import csv
import io
import os
import sys
import tempfile
import time
import wsgiref.util
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from types import SimpleNamespace

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import bare_bolt_app  # noqa: E402  (bench/ is on the path as the script's own folder)
from processes import postgres_database  # noqa: E402
from profiling import print_top  # noqa: E402
from signed_requests import BOT_TOKEN, LABELS, PATH, PEOPLE, SECRET, Requests  # noqa: E402
from slack_bolt import App  # noqa: E402

from bot.app import Runtime, build_services, create_app, create_worker_app  # noqa: E402
from bot.server import HttpServer, wsgi_app  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.work import Handoff, JobWork, run  # noqa: E402
from domain.org import service as org  # noqa: E402
from sandbox import Sandbox  # noqa: E402


def call_wsgi(app: Callable, body: bytes, headers: dict[str, str]) -> str:
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": PATH,
        "QUERY_STRING": "",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
    }
    wsgiref.util.setup_testing_defaults(environ)
    for name, value in headers.items():
        key = name.upper().replace("-", "_")
        environ[key if key == "CONTENT_TYPE" else "HTTP_" + key] = value
    status = []
    b"".join(app(environ, lambda s, h, *_: status.append(s)))
    return status[0]


class Nobody:
    """Consumers that never run a job: the serving app's part alone (the hand-off commits each job)."""

    def wake(self) -> None:
        pass

    def close(self) -> None:
        pass


def serving_only(settings: Settings) -> Runtime:
    """The serving app as `checkins serve` builds it, its hand-off committing jobs that nobody runs."""
    services = build_services(settings)
    work = JobWork(services, Nobody())
    return Runtime(settings=settings, services=services, app=create_app(settings, services, work), work=work)


class Inline:
    """Work that runs each handed-off listener in the calling thread, after the serving app's part."""

    def __init__(self, app: App):
        self.app = app

    def submit(self, handoff: Handoff) -> None:
        run(self.app, handoff)

    def close(self) -> None:
        pass


def synchronous(settings: Settings) -> Runtime:
    """The app as `checkins serve` builds it, but the worker app's part of each request in the same thread,
    so that one thread's CPU clock sees both (and the serving app's own listeners run before its ack)."""
    services = build_services(settings)
    work = Inline(create_worker_app(settings, services))
    runtime = Runtime(
        settings=settings, services=services, app=create_app(settings, services, work), work=work
    )
    runtime.app._listener_runner.process_before_response = True
    return runtime


class Breakdown:
    """Inclusive CPU of named functions (this thread's clock), wrapped in place: cheap enough to leave the
    figures close to the unwrapped ones, unlike cProfile's."""

    def __init__(self) -> None:
        self.totals: dict[str, float] = {}

    def wrap(self, owner: object, attr: str, label: str) -> None:
        inner = getattr(owner, attr)
        totals = self.totals
        totals.setdefault(label, 0.0)

        def timed(*args, **kwargs):
            start = time.thread_time()
            try:
                return inner(*args, **kwargs)
            finally:
                totals[label] += time.thread_time() - start

        setattr(owner, attr, timed)

    def report(self, n: int) -> None:
        for label, total in self.totals.items():
            print(f"  {label:<58} {total / n * 1000:6.3f} ms per request")


def breakdown() -> Breakdown:
    from slack_bolt.context.respond import Respond
    from slack_bolt.listener.custom_listener import CustomListener
    from sqlalchemy.orm import Session

    import handlers.checkins
    import handlers.home
    from bot.slack import SlackGateway
    from message_templates import render

    b = Breakdown()
    b.wrap(CustomListener, "run_ack_function", "listener (ack and all the work after it)")
    b.wrap(render, "_render_json", "  Jinja render + json.loads")
    b.wrap(render, "_check_blocks", "  block check (_check_blocks)")
    b.wrap(render, "render_view", "  render_view (all of it)")
    b.wrap(render, "render_message", "  render_message (all of it)")
    b.wrap(Session, "execute", "  database: Session.execute")
    b.wrap(Session, "commit", "  database: Session.commit")
    b.wrap(Session, "close", "  database: Session.close")
    b.wrap(SlackGateway, "_api", "  Web API call (views.publish)")
    b.wrap(Respond, "__call__", "  respond() to response_url")
    for module in (handlers.checkins, handlers.home):  # they hold their own references
        for name in ("render_view", "render_message"):
            if hasattr(module, name):
                setattr(module, name, getattr(render, name))
    return b


def measure(name: str, app: Callable, requests: Requests, n: int, profile: cProfile.Profile | None) -> None:
    cpu: dict[str, list[float]] = {kind: [] for kind in requests.kinds}
    for i in range(n):
        # Built just before it is sent, outside the clock: a trigger_id built earlier would expire (3 s).
        kind, body, headers, _ = requests.build(i)
        start = time.thread_time()
        if profile:
            profile.enable()
        status = call_wsgi(app, body, headers)
        if profile:
            profile.disable()
        cpu[kind].append(time.thread_time() - start)
        if not status.startswith("200"):
            raise SystemExit(f"{name}: {status}")
    for kind, values in cpu.items():
        label = LABELS[kind]
        values = sorted(values)
        print(
            f"{name:<9} {label:<11} CPU per request: mean {sum(values) / len(values) * 1000:5.2f} ms,"
            f" median {values[len(values) // 2] * 1000:5.2f} ms ({len(values)} requests)"
        )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=600)
    parser.add_argument("--profile", action="store_true", help="cProfile checkins' requests")
    parser.add_argument("--breakdown", action="store_true", help="CPU of the main parts, per request")
    parser.add_argument(
        "--ack-only", action="store_true", help="the serving app's part alone: hand-off to the job table"
    )
    parser.add_argument("--database-url", help="a PostgreSQL server to create the app's database on")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--sort", default="cumulative")
    args = parser.parse_args()

    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="checkins-profile-")))
        sb = Sandbox(signing_secret=SECRET, bot_token=BOT_TOKEN).start()
        stack.callback(sb.stop)
        sb.rate_limits_enabled = False
        users = [sb.add_user(email=e, real_name=rn, name=n, tz=tz) for e, rn, n, tz, *_ in PEOPLE]
        settings = Settings(
            slack_bot_token=BOT_TOKEN,
            slack_signing_secret=SECRET,
            slack_api_url=sb.api_url,
            database_url=(
                postgres_database(args.database_url, stack)
                if args.database_url
                else f"sqlite:///{tmp / 'checkins.db'}"
            ),
            port=0,
        )
        runtime = synchronous(settings)
        stack.callback(runtime.close)
        text = io.StringIO()
        writer = csv.writer(text)
        writer.writerow(["email", "manager_email", "team", "role", "timezone"])
        writer.writerows([email, manager, team, role, tz] for email, _, _, tz, manager, team, role in PEOPLE)
        with runtime.services.session() as session:
            report = org.import_csv(session, runtime.services.gateway, text.getvalue())
        if not report.ok:
            raise SystemExit(f"org import failed: {report.errors}")
        checkins = wsgi_app(serving_only(settings) if args.ack_only else runtime)
        server = HttpServer(runtime, host="127.0.0.1", port=0).start()
        sb.set_app_url(f"{server.url}{PATH}")
        for uid in users:  # each person opens the Home tab once: the view their clicks carry
            if not sb.open_home(uid).ok or sb.home(uid) is None:  # the listener runs before the response
                raise SystemExit(f"checkins did not publish {uid}'s Home tab: {sb.problems}")
        server.close()
        homes = {uid: sb.home(uid) for uid in users}
        requests = Requests(sb, users, homes)

        os.environ.update(SLACK_API_URL=sb.api_url, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SECRET)
        bare_app = bare_bolt_app.create_app()
        bare_app._listener_runner.process_before_response = True
        bare = wsgi_app(
            SimpleNamespace(
                app=bare_app,
                services=SimpleNamespace(engine=sa.create_engine("sqlite://")),
                settings=SimpleNamespace(slack_signing_secret=SECRET),
            )
        )

        measure("bare", bare, requests, min(200, args.requests), None)  # warm-up
        measure("checkins", checkins, requests, min(200, args.requests), None)
        print()
        measure("bare", bare, requests, args.requests, None)
        profile = cProfile.Profile(time.thread_time) if args.profile else None
        measure("checkins", checkins, requests, args.requests, profile)
        if args.breakdown:
            parts = breakdown()
            measure("checkins", checkins, requests, args.requests, None)
            parts.report(args.requests)
        if profile:
            print_top(profile, sort=args.sort, top=args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
