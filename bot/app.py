"""The app factory: one Bolt app wired to the domain's services. Nothing starts at import."""

import logging
from dataclasses import dataclass

from slack_bolt import App

from bot.middleware import drop_repeated_events, inject_services
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


def create_app(settings: Settings, services: Services) -> App:
    app = App(
        signing_secret=settings.slack_signing_secret,
        client=services.gateway.client,
        # The ack goes back first; listeners go on in Bolt's thread pool.
        process_before_response=False,
    )
    app.use(inject_services(services))
    app.use(drop_repeated_events(services))
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
