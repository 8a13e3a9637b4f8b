"""The app factory: one Bolt app wired to the domain's services. Nothing starts at import."""

import logging
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from slack_bolt import App

from bot.middleware import acknowledge_first, drop_repeated_events, inject_services
from bot.settings import Settings
from domain.gateway import SlackGateway, make_client
from domain.services import Services
from handlers import actions, commands, events, home, views
from storage.db import make_engine, upgrade

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    settings: Settings
    services: Services
    app: App

    def close(self) -> None:
        self.services.engine.dispose()


# Listeners run here after their ack. CPU-bound Python shares one GIL, so more threads would not do more
# work; 4 keep one listener waiting on Slack or the database from holding up the others.
LISTENER_WORKERS = 4
# Jobs that may wait for a listener thread: under a second of work at the 250-300 jobs/s this app does on
# a 2-core machine (bench/README.md). Past that, acks wait too (back-pressure) rather than let the work
# after them fall further behind: a trigger_id (to open a modal) expires 3 s after the click.
LISTENER_BACKLOG = 200


class _Slots:
    """A counting semaphore that serves waiters in arrival order: a freed slot goes straight to the
    longest waiter (threading.Semaphore lets a newcomer take it first, so some acks waited much longer)."""

    def __init__(self, count: int):
        self._free = count
        self._lock = threading.Lock()
        self._waiters: deque[threading.Lock] = deque()

    def acquire(self) -> None:
        with self._lock:
            if self._free and not self._waiters:
                self._free -= 1
                return
            waiter = threading.Lock()
            waiter.acquire()
            self._waiters.append(waiter)
        waiter.acquire()  # until release() hands this waiter a slot

    def release(self) -> None:
        with self._lock:
            if self._waiters:
                self._waiters.popleft().release()
            else:
                self._free += 1


class WorkPool(ThreadPoolExecutor):
    """Bolt's listener executor with a bounded queue: `workers` threads and at most `backlog` jobs waiting;
    past that, submit() waits for a slot (first come, first served), and so does the ack of the request
    submitting."""

    def __init__(self, workers: int, backlog: int):
        super().__init__(max_workers=workers, thread_name_prefix="checkins-listener")
        self._slots = _Slots(workers + backlog)

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        self._slots.acquire()
        try:
            future = super().submit(fn, *args, **kwargs)
        except BaseException:
            self._slots.release()
            raise
        future.add_done_callback(lambda _: self._slots.release())
        return future


def create_app(settings: Settings, services: Services) -> App:
    app = App(
        signing_secret=settings.slack_signing_secret,
        client=services.gateway.client,
        # The ack goes back first; listeners go on in the work pool.
        process_before_response=False,
        listener_executor=WorkPool(LISTENER_WORKERS, LISTENER_BACKLOG),
    )
    app.use(inject_services(services))
    app.use(drop_repeated_events(services))
    app.use(acknowledge_first())
    for surface in (commands, actions, views, events, home):
        surface.register(app)
    return app


def build_services(settings: Settings, *, migrate: bool = True) -> Services:
    """Applies pending migrations first, so the app never runs on an old schema."""
    if migrate:
        upgrade(settings.database_url)
    client = make_client(settings.slack_bot_token, settings.slack_api_url)
    gateway = SlackGateway(client, posts_per_minute=settings.posts_per_minute)
    return Services(engine=make_engine(settings.database_url), gateway=gateway)


def build_runtime(settings: Settings, *, migrate: bool = True) -> Runtime:
    """The app calls auth.test as it is built: a bad token fails here, at start."""
    services = build_services(settings, migrate=migrate)
    return Runtime(settings=settings, services=services, app=create_app(settings, services))
