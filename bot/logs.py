"""Logging for every `checkins` command: LOG_LEVEL, and LOG_FORMAT=json (one JSON object a line, for log
shippers) or text. People appear in log lines by internal id only: never an email, a name or what they wrote.
"""

import json
import logging
import os
from collections.abc import Mapping
from datetime import UTC, datetime

from dotenv import dotenv_values

from bot.settings import SettingsError

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
FORMATS = ("text", "json")
TEXT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class JsonFormatter(logging.Formatter):
    """time (UTC, ISO 8601), level, logger, message; and the traceback when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.processName != "MainProcess":
            entry["process"] = record.processName
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def _values(environ: Mapping[str, str] | None, env_file: str | None) -> dict[str, str]:
    values: dict[str, str] = {}
    if env_file and os.path.exists(env_file):
        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update(os.environ if environ is None else environ)
    return values


def configure(
    *,
    verbose: bool = False,
    default: str = "INFO",
    environ: Mapping[str, str] | None = None,
    env_file: str | None = ".env",
) -> logging.Handler:
    """A handler on standard error for the root logger; `verbose` (-v) means DEBUG whatever LOG_LEVEL says.
    Like logging.basicConfig, it leaves alone a root logger that something else set up (a test runner)."""
    values = _values(environ, env_file)
    level = "DEBUG" if verbose else (values.get("LOG_LEVEL") or default).strip().upper()
    if level not in LEVELS:
        raise SettingsError(f"LOG_LEVEL is malformed: {level!r}; use one of {', '.join(LEVELS)}")
    fmt = (values.get("LOG_FORMAT") or "text").strip().lower()
    if fmt not in FORMATS:
        raise SettingsError(f"LOG_FORMAT is malformed: {fmt!r}; use text or json")
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT))
    root = logging.getLogger()
    if root.handlers:
        return handler
    root.addHandler(handler)
    root.setLevel(level)
    if level != "DEBUG":
        logging.getLogger("alembic").setLevel(logging.WARNING)
        # The SDK logs each failed call before raising it; the gateway then says it once, as a SlackError.
        logging.getLogger("slack_sdk.web.base_client").setLevel(logging.CRITICAL)
    return handler
