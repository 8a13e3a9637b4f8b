"""Operator settings, read from the environment and `.env`, checked once at start."""

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlparse

from dotenv import dotenv_values

DEFAULT_API_URL = "https://slack.com/api/"
DEFAULT_DATABASE_URL = "sqlite:///checkins.db"
# The retention window must outlast the longest check-in period (a month) and its send ledger.
MIN_RETENTION_DAYS = 60


class SettingsError(Exception):
    """A missing or malformed setting; the message names it in one line."""


class SettingRefused(Exception):
    """A well-formed setting that Slack refused at start (a token); the message names it in one line."""


@dataclass(frozen=True)
class Settings:
    slack_bot_token: str
    slack_signing_secret: str
    slack_app_token: str | None = None
    slack_api_url: str = DEFAULT_API_URL
    database_url: str = DEFAULT_DATABASE_URL
    port: int = 3000
    posts_per_minute: int = 300
    retention_days: int | None = None  # None: keep everything
    # How long a worker holds a job before another may take it over (its own renews it while it runs).
    job_lease_seconds: int = 30

    @property
    def job_lease(self) -> timedelta:
        return timedelta(seconds=self.job_lease_seconds)


def _values(environ: Mapping[str, str] | None, env_file: str | None) -> dict[str, str]:
    """The process environment wins over `.env`, as python-dotenv does by default."""
    values: dict[str, str] = {}
    if env_file and os.path.exists(env_file):
        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update(os.environ if environ is None else environ)
    return values


def _checked_database_url(value: str | None) -> str:
    database_url = value or DEFAULT_DATABASE_URL
    if not database_url.startswith(("sqlite:", "postgresql:", "postgresql+psycopg:", "postgres:")):
        raise SettingsError("DATABASE_URL is malformed: use sqlite:///FILE or postgresql://USER@HOST/DB")
    return database_url


def load_database_url(environ: Mapping[str, str] | None = None, *, env_file: str | None = ".env") -> str:
    """DATABASE_URL alone: what the database commands (`db upgrade`, `db copy`, `jobs`) need, so that they
    work on a machine that holds no Slack tokens."""
    return _checked_database_url(_values(environ, env_file).get("DATABASE_URL", "").strip() or None)


def load_settings(environ: Mapping[str, str] | None = None, *, env_file: str | None = ".env") -> Settings:
    values = _values(environ, env_file)

    def get(name: str) -> str | None:
        value = values.get(name, "").strip()
        return value or None

    def required(name: str, prefix: str) -> str:
        value = get(name)
        if value is None:
            raise SettingsError(f"{name} is not set (see .env.example)")
        if not value.startswith(prefix):
            raise SettingsError(f"{name} is malformed: it should start with '{prefix}'")
        return value

    bot_token = required("SLACK_BOT_TOKEN", "xoxb-")
    signing_secret = get("SLACK_SIGNING_SECRET")
    if signing_secret is None:
        raise SettingsError("SLACK_SIGNING_SECRET is not set (see .env.example)")
    app_token = required("SLACK_APP_TOKEN", "xapp-") if get("SLACK_APP_TOKEN") else None

    api_url = get("SLACK_API_URL") or DEFAULT_API_URL
    parsed = urlparse(api_url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise SettingsError(f"SLACK_API_URL is malformed: {api_url!r} is not an http(s) URL")
    if not api_url.endswith("/"):
        api_url += "/"

    database_url = _checked_database_url(get("DATABASE_URL"))

    port_text = get("PORT") or "3000"
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise SettingsError(f"PORT is malformed: {port_text!r} is not a port number")

    rate_text = get("CHECKINS_POSTS_PER_MINUTE") or "300"
    if not rate_text.isdigit() or not 1 <= int(rate_text) <= 100_000:
        raise SettingsError(
            f"CHECKINS_POSTS_PER_MINUTE is malformed: {rate_text!r} is not a whole number >= 1"
        )

    retention_text = get("CHECKINS_RETENTION_DAYS")
    if retention_text is not None and (
        not retention_text.isdigit() or not MIN_RETENTION_DAYS <= int(retention_text) <= 100_000
    ):
        raise SettingsError(
            f"CHECKINS_RETENTION_DAYS is malformed: {retention_text!r} is not a whole number of days "
            f">= {MIN_RETENTION_DAYS} (leave it empty to keep everything)"
        )

    lease_text = get("CHECKINS_JOB_LEASE_SECONDS") or "30"
    if not lease_text.isdigit() or not 1 <= int(lease_text) <= 3600:
        raise SettingsError(
            f"CHECKINS_JOB_LEASE_SECONDS is malformed: {lease_text!r} is not a whole number of seconds 1-3600"
        )

    return Settings(
        slack_bot_token=bot_token,
        slack_signing_secret=signing_secret,
        slack_app_token=app_token,
        slack_api_url=api_url,
        database_url=database_url,
        port=int(port_text),
        posts_per_minute=int(rate_text),
        retention_days=int(retention_text) if retention_text is not None else None,
        job_lease_seconds=int(lease_text),
    )
