"""Logs keep no personal data: a realistic cycle and an erasure, and every log line scanned for emails, names
and what people wrote; LOG_LEVEL and LOG_FORMAT=json."""

import json
import logging
import re

import pytest

from bot.logs import JsonFormatter, configure
from bot.settings import SettingsError
from tests.performance_file.test_privacy import FOR_OTHERS, OWN, build_history, more_history
from tests.support import TEAM, cli_env, run_cli, tick_now, wait_for

APP_LOGGERS = ("checkins", "bot", "domain", "handlers", "schedules", "storage", "message_templates")
# What people wrote in the cycle, besides OWN and FOR_OTHERS (tests/performance_file/test_privacy.py).
WRITTEN = [
    "Bo's migration is done",
    "Keep pushing on reliability",
    "Shipped the importer",
    "Estimate better",
    "A strong quarter",
    "Great delivery; estimates slipped twice",
    "Run the design reviews",
]


def leaks(lines: list[str]) -> list[tuple[str, str]]:
    names = [email.split("@")[0].title() for email in TEAM]
    texts = [t for group in (*OWN.values(), *FOR_OTHERS.values()) for t in group] + WRITTEN
    found = []
    for line in lines:
        found += [(line, e) for e in TEAM if e in line]
        found += [(line, n) for n in names if re.search(rf"\b{n}\b", line)]
        found += [(line, t) for t in texts if t in line]
    return found


def test_a_whole_cycle_and_an_erasure_log_no_email_name_or_text_anyone_wrote(
    world, engine, database_url, tmp_path, caplog
):
    caplog.set_level(logging.DEBUG)
    sb, services, ids = world.sb, world.services, world.ids
    build_history(world)
    more_history(world, "maria@acme.test")
    # attempts the app refuses, and logs
    sb.slash_command(ids["bo@acme.test"], "/goals", f"<@{ids['ana@acme.test']}|ana>")
    wait_for(lambda: "Only their manager or an HR admin" in sb.transcript(ids["bo@acme.test"]))
    tick_now(services)
    env = cli_env(sb, database_url, LOG_LEVEL="INFO")  # a one-shot command logs only warnings by default
    erased = run_cli(["file", "delete", "ana@acme.test", "--yes"], env, tmp_path)
    assert erased.returncode == 0, erased.stderr

    # the app's own lines at every level; the libraries' from INFO (their DEBUG holds Slack's payloads)
    lines = [
        logging.Formatter("%(name)s %(message)s").format(r)
        for r in caplog.records
        if r.levelno >= logging.INFO or r.name.startswith(APP_LOGGERS)
    ]
    assert any("person" in line and "goals of person" in line for line in lines)  # the refusal is logged
    cli_lines = [line for line in erased.stderr.splitlines() if line.strip()]
    assert any("erased a person" in line for line in cli_lines)
    assert leaks(lines + cli_lines) == []
    assert leaks([f"x {OWN['ana@acme.test'][0]} Ana ana@acme.test"])  # the scan finds what it looks for


def test_log_format_json_writes_one_object_a_line(world, database_url, tmp_path):
    result = run_cli(
        ["file", "delete", "dee@acme.test", "--yes"],
        cli_env(world.sb, database_url, LOG_FORMAT="json", LOG_LEVEL="INFO"),
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stderr.splitlines() if line.strip()]
    assert records and {"time", "level", "logger", "message"} <= set(records[-1])
    assert any(r["message"].startswith("erased a person") for r in records)


def test_the_json_formatter_keeps_the_traceback():
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed %s", ("here",), exc_info=True)
        import sys

        record.exc_info = sys.exc_info()
    entry = json.loads(JsonFormatter().format(record))
    assert (
        entry["message"] == "failed here"
        and entry["level"] == "ERROR"
        and "ValueError: boom" in entry["exc_info"]
    )


@pytest.mark.parametrize(
    ("env", "problem"),
    [({"LOG_LEVEL": "loud"}, "LOG_LEVEL is malformed"), ({"LOG_FORMAT": "xml"}, "LOG_FORMAT is malformed")],
)
def test_bad_log_settings_are_refused(env, problem):
    with pytest.raises(SettingsError, match=problem):
        configure(environ=env, env_file=None)


def test_a_bad_log_setting_ends_the_command_in_one_line(tmp_path):
    result = run_cli(["file", "delete", "x@acme.test"], {"PATH": "", "LOG_LEVEL": "loud"}, tmp_path)
    assert result.returncode == 2 and result.stderr.strip().startswith("checkins: LOG_LEVEL is malformed")


def test_a_database_error_logged_does_not_carry_the_statements_values():
    import sqlalchemy as sa

    from storage.db import make_engine

    with make_engine("sqlite://").connect() as conn:
        conn.execute(sa.text("CREATE TABLE t (email TEXT UNIQUE)"))
        conn.execute(sa.text("INSERT INTO t VALUES (:e)"), {"e": "ana@acme.test"})
        with pytest.raises(sa.exc.IntegrityError) as raised:
            conn.execute(sa.text("INSERT INTO t VALUES (:e)"), {"e": "ana@acme.test"})
    assert "UNIQUE" in str(raised.value) and "ana@acme.test" not in str(raised.value)
