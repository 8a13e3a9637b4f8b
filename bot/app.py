"""The app factory: one Bolt app wired to the domain's services. Nothing starts at import."""

import logging
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from slack_bolt import App

from bot.consumer import Consumer, InProcess, WorkerProcesses
from bot.middleware import clean_payload, inject_services, plain_command_text, safe_respond
from bot.settings import Settings
from bot.slack import SlackGateway, make_client
from bot.work import (
    SLACK_REQUEST,
    Consumers,
    Handoff,
    JobWork,
    Work,
    WorkPool,
    already_acknowledged,
    hand_off,
    run,
)
from domain.core.services import Services
from domain.home import publish as home_publish
from domain.home import refresh as home_refresh
from handlers import checkins, errors, feedback, goals, home, one_on_ones, org, reviews
from schedules import jobs as scheduled
from storage.db import make_engine, upgrade

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    settings: Settings
    services: Services
    app: App
    work: Work

    def close(self) -> None:
        self.work.close()
        self.services.engine.dispose()


# The serving app's own listeners (view submissions, options) run here after their ack.
SERVING_THREADS = 4
SERVING_BACKLOG = 200


def _app(settings: Settings, services: Services, **options: Any) -> App:
    # A request no listener is for goes to handlers/errors.py (a line) instead of Bolt's page of advice.
    app = App(
        signing_secret=settings.slack_signing_secret,
        client=services.gateway.client,
        raise_error_for_unhandled_request=True,
        **options,
    )
    app.use(inject_services(services))
    return app


def _register(app: App) -> App:
    """The listeners, after the middleware that readies what they read."""
    app.use(clean_payload())
    app.use(plain_command_text())
    app.use(safe_respond())
    for feature in (checkins, goals, feedback, reviews, home, one_on_ones, org, errors):
        feature.register(app)
    return app


def create_app(settings: Settings, services: Services, work: Work) -> App:
    """The serving app: it verifies and acknowledges every request, hands those with an empty ack to
    `work`, and runs the rest (view submissions, whose ack carries errors or the next view)."""
    app = _app(
        settings,
        services,
        process_before_response=False,
        listener_executor=WorkPool(SERVING_THREADS, SERVING_BACKLOG),
    )
    app.use(hand_off(work))
    return _register(app)


def create_worker_app(settings: Settings, services: Services) -> App:
    """The app that runs handed-off requests' listeners: they were verified and acknowledged already (the
    timestamp may have aged while the request waited), so each runs to its end here. A repeated event was
    dropped at the hand-off (its job's key)."""
    app = _app(settings, services, process_before_response=True, request_verification_enabled=False)
    app.use(already_acknowledged())
    return _register(app)


def build_services(
    settings: Settings, *, migrate: bool = True, check_slack: bool = False, ping: bool = True
) -> Services:
    """Applies pending migrations first, so the app never runs on an old schema. With `check_slack`, a bot
    token Slack refuses (or an API URL that cannot be reached) fails here, at start (a SlackError).
    `ping=False`: PostgreSQL connections are used without a liveness round trip first (storage.db)."""
    if migrate:
        upgrade(settings.database_url)
    client = make_client(settings.slack_bot_token, settings.slack_api_url)
    engine = make_engine(settings.database_url, ping=ping)
    gateway = SlackGateway(client, posts_per_minute=settings.posts_per_minute, engine=engine)
    if check_slack:
        gateway.check()
    return Services(engine=engine, gateway=gateway)


def create_consumer(settings: Settings, services: Services) -> Consumer:
    """A job consumer running handed-off requests on a worker app."""
    app = create_worker_app(settings, services)
    runners = {SLACK_REQUEST: lambda payload: run(app, Handoff.from_payload(payload))}
    runners.update(scheduled.runners(services))
    runners[home_refresh.REFRESH] = lambda payload: home_publish.refresh(services, payload)
    return Consumer(services, runners, lease=settings.job_lease)


@dataclass(frozen=True)
class ConsumerBuilder:
    """Builds a consumer in a worker process (picklable: settings only)."""

    settings: Settings

    def __call__(self) -> Consumer:
        # A job whose connection the server had dropped (a restart) fails once and is tried again: a worker
        # needs no round trip before each of its sessions to find out.
        return create_consumer(self.settings, build_services(self.settings, migrate=False, ping=False))


def _no_checkpoints(engine: sa.Engine) -> None:
    """SQLite: the commit that fills the WAL past its limit copies it back into the database file, fsync
    included, before it returns; the workers commit as often (a claim and a finish per job), so they do it
    and the acks do not wait for it."""
    sa.event.listen(engine, "connect", lambda conn, _: conn.execute("PRAGMA wal_autocheckpoint=0"))


def build_runtime(settings: Settings, *, migrate: bool = True, workers: int = 0) -> Runtime:
    """Slack is asked about the bot token first: a bad one fails here, at start. `workers` processes consume
    the jobs; with 0, threads of this process do (tests, small setups), with the same code."""
    services = build_services(settings, migrate=migrate, check_slack=True)
    consumers: Consumers
    if workers and services.engine.dialect.name == "sqlite":
        _no_checkpoints(services.engine)
    if workers:
        consumers = WorkerProcesses(
            ConsumerBuilder(settings), processes=workers, lease=settings.job_lease
        ).start()
    else:
        consumers = InProcess(create_consumer(settings, services))
    work = JobWork(services, consumers)
    return Runtime(settings=settings, services=services, app=create_app(settings, services, work), work=work)
