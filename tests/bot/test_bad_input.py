"""Bad input never gets a 5xx or a traceback, and nothing stored is lost.

A matrix of malformed requests, made by mutating the payloads of real interactions (slash commands, a click,
a modal submission, a DM, opening the Home tab, a user_change) field by field, each signed and sent over HTTP
to the real app through the sandbox; garbage bodies, signed and unsigned; and the cases found by trying the
app as an attacker would.
"""

import copy
import itertools
import json
import logging
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa

from bot import gate
from domain.core import bounds
from domain.goals import periods as goal_periods
from storage import file_entries, people
from storage.types import utcnow
from tests.support import csv_text, import_org, seed_team, slack_users, wait_for

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
# Markers in a payload replaced, once it is encoded, by what no encoder writes: bytes that are not UTF-8, a
# UTF-8-encoded surrogate in a form field, JSON nested far deeper than a parser recurses.
BAD_BYTES = "BADBYTES7Q"
SURROGATE_BYTES = "SURROGATE7Q"
DEEP = "DEEPNEST7Q"
DEEPEST = 100_000
HUGE = 50_000
MISSING = object()
EVENT_IDS = itertools.count(1)
# Parts of payloads left whole: Block Kit the app rendered itself, echoed back.
SKIPPED = {"blocks", "elements", "bot_profile", "placeholder", "title", "submit", "close"}
TS_KEYS = {"ts", "thread_ts", "event_ts", "message_ts", "action_ts"}
# Keys Bolt or the app read somewhere: every variant for them; others get a missing and a wrong type.
READ = {
    *("type", "user", "user_id", "team", "team_id", "channel", "channel_id", "enterprise", "enterprise_id"),
    *("authorizations", "is_ext_shared_channel", "event", "event_id", "text", "ts", "thread_ts", "subtype"),
    *("bot_id", "channel_type", "tab", "command", "trigger_id", "response_url", "response_urls", "actions"),
    *("action_id", "block_id", "value", "selected_option", "selected_user", "view", "callback_id", "state"),
    *("private_metadata", "values", "id", "name", "real_name", "tz", "deleted", "is_bot", "profile", "email"),
    *("container", "message", "challenge"),
}
FORGED_TS = ["-1", "99999999999", "abc", "1e400", "99999999999.000100", "0.000001", "nan"]
TABLES = [
    "people",
    "file_entries",
    "feedback",
    "holidays",
    "checkins",
    "app_settings",
    "goals",
    "goal_proposals",
]


@dataclass(frozen=True)
class Request:
    label: str
    kind: str  # the sandbox's name for the request URL: commands, interactivity, events
    body: bytes
    content_type: str


def _encode(raw: bytes) -> bytes:
    deep = b"[" * DEEPEST + b"]" * DEEPEST
    for marker, replacement in (
        (f'"{DEEP}"'.encode(), deep),  # in JSON
        (f"%22{DEEP}%22".encode(), deep),  # in JSON in a form field
        (DEEP.encode(), deep),
        (BAD_BYTES.encode(), b"\xff\xfe"),
        (SURROGATE_BYTES.encode(), b"%ED%A0%80"),
    ):
        raw = raw.replace(marker, replacement)
    return raw


def _nodes(value: Any, path: tuple = ()) -> Iterator[tuple[tuple, Any]]:
    items = (
        value.items() if isinstance(value, dict) else enumerate(value[:1]) if isinstance(value, list) else []
    )
    for key, item in items:
        if key in SKIPPED or (_in_option(path) and key != "value"):
            continue
        yield (*path, key), item
        yield from _nodes(item, (*path, key))


def _in_option(path: tuple) -> bool:
    """Of a chosen option the app reads only its value."""
    return bool(path) and (path[-1] == "selected_option" or path[-2:-1] == ("selected_options",))


def _variants(path: tuple, value: Any) -> Iterator[tuple[str, Any]]:
    key = path[-1]
    yield "missing", MISSING
    # Nobody reads it (or, for an input's type, only to pick which value to read): one wrong type will do.
    if not isinstance(key, str) or key not in READ or (key == "type" and "values" in path):
        yield "a list", []
        return
    yield "null", None
    if isinstance(value, str):
        yield "a number", 7
        yield "empty", ""
        yield "huge", "x" * HUGE
        yield "NUL and a lone surrogate", value + "\x00\ud800"
        yield "not UTF-8", BAD_BYTES
        if bounds.is_slack_id(value):
            yield "unknown id", "U0NOBODY00"
            yield "not an id", "not an id!"
        if key in TS_KEYS:
            yield from ((f"ts {ts}", ts) for ts in FORGED_TS)
    elif isinstance(value, dict):
        yield "a list", [value]
        yield "a string", "x"
        yield "nested too deep", DEEP
    elif isinstance(value, list):
        yield "an object", {}
        yield "empty", []
        yield "nested too deep", DEEP
    else:
        yield "a string", "true"
        yield "a list", []


def _mutated(base: dict, path: tuple, new: Any) -> dict:
    copied = copy.deepcopy(base)
    parent = copied
    for key in path[:-1]:
        parent = parent[key]
    if new is MISSING:
        del parent[path[-1]]
    else:
        parent[path[-1]] = new
    return copied


def payload_mutants(label: str, base: dict) -> Iterator[tuple[str, dict]]:
    """(label, payload): each node of a JSON payload missing, null, of another type, empty, huge, with a
    NUL..."""
    for path, value in _nodes(base):
        for what, new in _variants(path, value):
            mutated = _mutated(base, path, new)
            if path != ("event_id",) and "event_id" in mutated:  # else the app drops it as a retry
                mutated["event_id"] = f"Ev{next(EVENT_IDS):08d}"
            yield f"{label} {'.'.join(str(p) for p in path)}: {what}", mutated


def json_mutants(label: str, kind: str, base: dict) -> list[Request]:
    """The payload mutants, encoded as HTTP carries them."""
    requests = []
    for mutant_label, mutated in payload_mutants(label, base):
        payload = json.dumps(mutated)
        if kind == "events":
            raw, content_type = payload.encode(), JSON
        else:
            raw, content_type = urllib.parse.urlencode({"payload": payload}).encode(), FORM
        requests.append(Request(mutant_label, kind, _encode(raw), content_type))
    return requests


def socket_mutants(label: str, kind: str, base: dict) -> list[tuple[str, str, dict]]:
    """The payload mutants an envelope can carry: JSON text, so neither bytes that are not UTF-8 nor a
    nesting no JSON parser reads (Slack's own are neither)."""
    return [
        (mutant_label, kind, mutated)
        for mutant_label, mutated in payload_mutants(label, base)
        if BAD_BYTES not in json.dumps(mutated) and DEEP not in json.dumps(mutated)
    ]


def form_mutants(label: str, fields: dict[str, str]) -> list[Request]:
    """Each field of a slash command missing, empty, huge, with a NUL, not UTF-8..."""
    requests = []
    for key, value in fields.items():
        variants: list[tuple[str, Any]] = [
            ("missing", MISSING),
            ("empty", ""),
            ("huge", "x" * HUGE),
            ("NUL", value + "\x00"),
            ("not UTF-8", BAD_BYTES),
            ("a UTF-8 surrogate", SURROGATE_BYTES),
        ]
        if bounds.is_slack_id(value):
            variants += [("unknown id", "U0NOBODY00"), ("not an id", "not an id!")]
        for what, new in variants:
            mutated = {k: v for k, v in fields.items() if k != key}
            if new is not MISSING:
                mutated[key] = new
            raw = _encode(urllib.parse.urlencode(mutated).encode())
            requests.append(Request(f"{label} {key}: {what}", "commands", raw, FORM))
    return requests


def garbage() -> list[Request]:
    """Bodies that are no request at all."""
    deep_array = b"[" * DEEPEST + b"]" * DEEPEST
    bodies = [
        ("empty", b"", FORM),
        ("invalid JSON", b'{"type": "event_callback", ', JSON),
        ("a JSON list", b"[1, 2, 3]", JSON),
        ("JSON null", b"null", JSON),
        ("a JSON number", b"5", JSON),
        ("a JSON string", b'"x"', JSON),
        ("an empty object", b"{}", JSON),
        ("JSON nested 100,000 deep", deep_array, JSON),
        ("an object nested 100,000 deep", b'{"a":' * DEEPEST + b"1" + b"}" * DEEPEST, JSON),
        ("not UTF-8", b'{"type": "\xff\xfe"}', JSON),
        ("NUL bytes", b"\x00" * 64, FORM),
        ("payload not JSON", b"payload=%7Bnot+json", FORM),
        ("payload a list", b"payload=%5B%5D", FORM),
        ("payload a string", b"payload=%22x%22", FORM),
        ("payload null", b"payload=null", FORM),
        ("payload empty", b"payload=", FORM),
        ("payload nested 100,000 deep", b"payload=" + deep_array, FORM),
        ("a form without a command", b"text=hello&user_id=U0NOBODY00", FORM),
        ("an unknown type", b'{"type": "shortcut_to_nowhere"}', JSON),
        ("a type that is no string", b'{"type": ["event_callback"]}', JSON),
        ("an event that is a list", b'{"type": "event_callback", "event": [], "event_id": "Ev1"}', JSON),
        ("a byte-order mark", b"\xef\xbb\xbf{}", JSON),
        ("a form sent as JSON", b"command=%2Fcheckins&user_id=U1", JSON),
    ]
    return [Request(label, "events", body, content_type) for label, body, content_type in bodies]


def send(sandbox, request: Request, *, sign: bool = True, headers: dict | None = None, timestamp=None):
    return sandbox.send_raw(
        request.kind, request.body, request.content_type, sign=sign, timestamp=timestamp, headers=headers
    )


def snapshot(engine) -> dict[str, dict[Any, dict]]:
    """Every row of TABLES, by its first column (the key)."""
    with engine.connect() as conn:
        return {
            table: {row[0]: dict(row._mapping) for row in conn.execute(sa.text(f"SELECT * FROM {table}"))}
            for table in TABLES
        }


def quiesce(runtime) -> None:
    """Lets every listener still running end: the worker app's, and the serving app's after their acks."""
    runtime.work.close()
    runtime.app.listener_runner.listener_executor.shutdown(wait=True)


def tracebacks(records: list[logging.LogRecord]) -> list[str]:
    return [f"{r.name}: {r.getMessage()[:200]}" for r in records if r.exc_info or r.exc_text or r.stack_info]


def file_of(runtime, email: str):
    with runtime.services.session() as session:
        person = people.get_by_email(session, email=email)
        return list(file_entries.list_for(session, person_id=person.id))


def person(runtime, email: str):
    with runtime.services.session() as session:
        return people.get_by_email(session, email=email)


@pytest.fixture
def team(sandbox, runtime, app_server):
    ids = seed_team(sandbox, runtime.services)
    ids.update(slack_users(sandbox, {"eve@acme.test": "Europe/Madrid"}))
    assert import_org(
        runtime.services, csv_text([["eve@acme.test", "maria@acme.test", "Platform", "", ""]])
    ).ok
    return ids


@dataclass
class Bases:
    """Real interactions, whose payloads the matrix mutates, and every row they left."""

    command: Any
    checkins_command: Any
    click: Any
    submission: Any
    goal_submission: Any
    dm: Any
    home: Any
    user_change: Any
    before: dict


def real_interactions(sandbox, runtime, team) -> Bases:
    ana, bo, dee, eve = (team[f"{n}@acme.test"] for n in ("ana", "bo", "dee", "eve"))
    # Real interactions first: what they store must outlive the matrix, and their payloads are its bases.
    command = sandbox.slash_command(ana, "/feedback", f"<@{bo}|bo> Thanks for the review")
    checkins_command = sandbox.slash_command(ana, "/checkins", "")
    assert sandbox.slash_command(dee, "/checkins", "holiday add 2027-01-01 New Year").ok
    assert sandbox.slash_command(ana, "/feedback", f"request <@{bo}|bo>").ok
    wait_for(lambda: [m for m in sandbox.dm_messages(bo) if "feedback_give" in str(m.get("blocks"))])
    click = sandbox.click(bo, "feedback_give")
    wait_for(lambda: sandbox.open_views(bo))
    submission = sandbox.submit_view(bo, {"text": "Clear, kind reviews"})
    assert sandbox.slash_command(ana, "/goals", "new").ok
    wait_for(lambda: [v for v in sandbox.open_views(ana) if v.get("callback_id") == "goal_submit"])
    goal = {"title": "Ship it", "kind": "result", "period": goal_periods.options(utcnow().date())[0].key}
    goal_submission = sandbox.submit_view(ana, {**goal, "metric": "teams", "baseline": "1", "target": "5"})
    dm = sandbox.send_dm(ana, "kept before the matrix")
    home = sandbox.open_home(ana)
    user_change = sandbox.announce_user_change(eve)
    bases = (command, checkins_command, click, submission, goal_submission, dm, home, user_change)
    assert [reply.status for reply in bases] == [200] * len(bases)
    wait_for(lambda: [e for e in file_of(runtime, "ana@acme.test") if e.text == "kept before the matrix"])
    wait_for(lambda: sandbox.home(ana))
    wait_for(lambda: "Your feedback reached Ana" in str(sandbox.open_views(bo)))
    wait_for(lambda: len([e for e in file_of(runtime, "ana@acme.test") if e.kind == "feedback"]) == 1)
    wait_for(lambda: len([e for e in file_of(runtime, "bo@acme.test") if e.kind == "feedback"]) == 1)
    before = snapshot(runtime.services.engine)
    assert before["holidays"] and before["feedback"] and before["goals"] and before["checkins"] == {}
    return Bases(*bases, before=before)


def test_malformed_requests_get_4xx_never_5xx_nor_a_traceback_and_nothing_stored_is_lost_over_http(
    sandbox, runtime, team, caplog
):
    b = real_interactions(sandbox, runtime, team)
    matrix = [
        *form_mutants("/feedback", b.command.payload),
        *form_mutants("/checkins", b.checkins_command.payload),
        *json_mutants("block_actions", "interactivity", b.click.payload),
        *json_mutants("feedback view_submission", "interactivity", b.submission.payload),
        *json_mutants("goal view_submission", "interactivity", b.goal_submission.payload),
        *json_mutants("message.im", "events", b.dm.payload),
        *json_mutants("app_home_opened", "events", b.home.payload),
        *json_mutants("user_change", "events", b.user_change.payload),
        *garbage(),
    ]
    sandbox.rate_limits_enabled = False  # hundreds of requests in seconds: what is tested is their shape
    started = utcnow()
    caplog.clear()
    replies = [(request, send(sandbox, request)) for request in matrix]
    quiesce(runtime)
    ended = utcnow()

    statuses = [reply.status for _, reply in replies]
    failed = [
        (r.label, reply.status, reply.body[:100]) for r, reply in replies if not 200 <= reply.status < 500
    ]
    assert failed == [], failed
    assert statuses.count(400) > 100 and statuses.count(200) > 100  # both refused and served ones
    assert tracebacks(caplog.records) == []
    assert [r for r in caplog.records if r.levelno >= logging.ERROR and r.name.startswith("waitress")] == []

    assert_kept(runtime, team, b.before, started, ended)


def test_malformed_payloads_over_socket_mode_are_acked_without_a_traceback_and_nothing_is_lost(
    sandbox, runtime, team, caplog
):
    """Slack's envelopes are Slack's, yet a payload the app cannot read must not cost a traceback, nor come
    back again and again: it is acknowledged, and said so in a line."""
    b = real_interactions(sandbox, runtime, team)
    matrix = [
        *socket_mutants("/feedback", "commands", b.command.payload),
        *socket_mutants("block_actions", "interactivity", b.click.payload),
        *socket_mutants("feedback view_submission", "interactivity", b.submission.payload),
        *socket_mutants("goal view_submission", "interactivity", b.goal_submission.payload),
        *socket_mutants("message.im", "events", b.dm.payload),
        *socket_mutants("app_home_opened", "events", b.home.payload),
        *socket_mutants("user_change", "events", b.user_change.payload),
        ("an empty object", "commands", {}),  # (an envelope whose payload is no object slack_sdk refuses)
    ]
    sandbox.rate_limits_enabled = False
    sandbox.ack_timeout = 1.0  # what a request no listener is for leaves unacknowledged, as over HTTP (404)
    started = utcnow()
    caplog.clear()
    replies = [(label, sandbox.send_payload(kind, payload)) for label, kind, payload in matrix]
    quiesce(runtime)
    ended = utcnow()

    acked = [label for label, reply in replies if reply.status == 200]
    assert len(acked) > len(matrix) * 0.9, [label for label, reply in replies if reply.status != 200]
    assert tracebacks(caplog.records) == []
    assert_kept(runtime, team, b.before, started, ended)


def assert_kept(runtime, team, before: dict, started, ended) -> None:
    eve = team["eve@acme.test"]
    # Nothing stored before is lost or changed; but Eve's profile is Slack's to change, by user_change.
    after = snapshot(runtime.services.engine)
    slack_owns = {"name", "timezone", "active", "updated_at"}
    for table, rows in before.items():
        for key, row in rows.items():
            if table == "people" and row["slack_user_id"] == eve:
                row = {k: v for k, v in row.items() if k not in slack_owns}
                assert {k: v for k, v in after[table][key].items() if k not in slack_owns} == row
            else:
                assert after[table].get(key) == row, (table, key)
    # What the matrix stored is bounded, clean and dated when it arrived.
    new_entries = [e for e in file_of(runtime, "ana@acme.test") if e.id not in before["file_entries"]]
    assert new_entries  # the DMs among the mutants that were still a DM
    for entry in new_entries:
        assert started - bounds.TS_PAST <= entry.created_at <= ended + bounds.TS_FUTURE
        assert len(entry.text) < bounds.MESSAGE_MAX + 100 and "\x00" not in entry.text


def test_unsigned_garbage_gets_4xx_before_any_parsing_and_at_most_one_short_log_line_over_http(
    sandbox, app_server, caplog
):
    caplog.set_level(logging.DEBUG, logger=gate.log.name)
    now = int(time.time())
    forged = {"X-Slack-Request-Timestamp": str(now), "X-Slack-Signature": "v0=" + "0" * 64}
    cases = []
    for request in garbage():
        cases += [
            (request, {"sign": False}),
            (request, {"sign": False, "headers": forged}),
            (request, {"sign": True, "timestamp": now - 301}),
            (request, {"sign": False, "headers": {**forged, "X-Slack-Request-Timestamp": "soon"}}),
        ]
    caplog.clear()
    for request, how in cases:
        reply = send(sandbox, request, **how)
        assert 400 <= reply.status < 500, (request.label, how, reply.status)
        assert reply.status == 401 or (reply.status == 400 and b"\xff" in request.body), request.label
    records = caplog.records
    assert tracebacks(records) == []
    assert len([r for r in records if r.levelno >= logging.INFO]) <= 1  # a flood makes one line a minute
    assert len(records) <= len(cases)  # and at DEBUG, one per request
    for record in records:
        message = record.getMessage()
        assert len(message) < 200 and "not json" not in message and "\\x" not in message


def test_a_body_too_large_is_refused_before_it_is_read_over_http(sandbox, app_server, caplog):
    body = b"x" * (gate.MAX_BODY + 1)
    reply = send(sandbox, Request("too large", "events", body, JSON))
    assert reply.status == 413
    assert tracebacks(caplog.records) == []


def test_a_dm_with_a_nul_byte_is_kept_without_it(sandbox, runtime, team):
    ana = team["ana@acme.test"]
    assert sandbox.send_dm(ana, "before\x00after \ud83d\ude00").status == 200
    (entry,) = wait_for(lambda: [e for e in file_of(runtime, "ana@acme.test") if e.kind == "message"])
    assert entry.text == "beforeafter \U0001f600"


def test_a_dm_with_a_lone_surrogate_is_kept_with_a_replacement_character(sandbox, runtime, team):
    ana = team["ana@acme.test"]
    event = {
        "type": "message",
        "channel": "D0ANA",
        "user": ana,
        "text": "half \ud800 a pair",
        "ts": sandbox.ws.new_ts(),
        "channel_type": "im",
    }
    assert sandbox.send_event(event).status == 200
    (entry,) = wait_for(lambda: [e for e in file_of(runtime, "ana@acme.test") if e.kind == "message"])
    assert entry.text == "half \ufffd a pair"


def test_a_user_change_with_an_over_long_name_still_deactivates(sandbox, runtime, team):
    eve = team["eve@acme.test"]
    sandbox.update_user(eve, real_name="Eve " + "N" * 300, deleted=True)
    assert sandbox.announce_user_change(eve).status == 200
    changed = wait_for(lambda: (p := person(runtime, "eve@acme.test")) and not p.active and p)
    assert (
        len(changed.name) == bounds.NAME_MAX
        and changed.name.startswith("Eve NNN")
        and changed.name[-1] == "…"
    )


@pytest.mark.parametrize(
    ("ts", "kept_as_ts"),
    [
        ("-1", None),
        ("99999999999", None),
        ("abc", None),
        ("1e400", None),
        ("99999999999.000100", "99999999999.000100"),  # shaped like a ts, but dated 5138
        ("0.000001", "0.000001"),  # 1970
    ],
)
def test_a_dm_with_an_implausible_ts_is_dated_when_it_arrived(sandbox, runtime, team, ts, kept_as_ts):
    ana = team["ana@acme.test"]
    event = {
        "type": "message",
        "channel": "D0ANA",
        "user": ana,
        "text": "when?",
        "ts": ts,
        "channel_type": "im",
    }
    sent = utcnow()
    assert sandbox.send_event(event).status == 200
    (entry,) = wait_for(lambda: [e for e in file_of(runtime, "ana@acme.test") if e.kind == "message"])
    assert sent <= entry.created_at <= utcnow()
    assert entry.slack_ts == kept_as_ts


def test_a_dm_keeps_its_own_plausible_ts(sandbox, runtime, team):
    ana = team["ana@acme.test"]
    written = time.time() - 3600
    event = {
        "type": "message",
        "channel": "D0ANA",
        "user": ana,
        "text": "an hour ago",
        "ts": f"{written:.6f}",
        "channel_type": "im",
    }
    assert sandbox.send_event(event).status == 200
    (entry,) = wait_for(lambda: [e for e in file_of(runtime, "ana@acme.test") if e.kind == "message"])
    assert abs(entry.created_at.timestamp() - written) < 0.001


def test_a_long_dm_keeps_slacks_first_40000_characters_and_says_so(sandbox, runtime, team):
    ana = team["ana@acme.test"]
    text = "".join(f"{n:07d} " for n in range(25_000))  # 200,000 characters
    assert sandbox.send_dm(ana, text).status == 200
    (entry,) = wait_for(lambda: [e for e in file_of(runtime, "ana@acme.test") if e.kind == "message"])
    kept, _, note = entry.text.rpartition("\n")
    assert kept == text[: bounds.MESSAGE_MAX]
    assert note == "[cut: 200,000 characters were sent, the first 40,000 are kept]"
    assert entry.data["sent_length"] == 200_000


def test_a_20_mb_dm_is_refused_whole_and_nothing_is_kept_over_http(sandbox, runtime, team, caplog):
    ana = team["ana@acme.test"]
    reply = sandbox.send_dm(ana, "x" * 20_000_000)
    assert reply.status == 413
    sandbox.send_dm(ana, "a later one")
    wait_for(lambda: [e for e in file_of(runtime, "ana@acme.test") if e.kind == "message"])
    assert [e.text for e in file_of(runtime, "ana@acme.test") if e.kind == "message"] == ["a later one"]
    assert tracebacks(caplog.records) == []


def test_feedback_from_an_outsider_without_a_response_url_is_one_log_line(sandbox, runtime, team, caplog):
    stranger = sandbox.add_user(email="x@elsewhere.test", real_name="X", name="x", tz="UTC")
    fields = {
        "command": "/feedback",
        "text": "",
        "user_id": stranger,
        "team_id": sandbox.ws.team_id,
        "trigger_id": "1.2.3",
        "channel_id": "D0X",
    }
    reply = sandbox.send_payload("commands", fields)
    assert reply.status == 200
    quiesce(runtime)
    assert tracebacks(caplog.records) == []
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == [
        "cannot answer: the request carries no response_url"
    ]


def test_a_listener_whose_slack_call_is_refused_logs_one_line(sandbox, runtime, team, caplog):
    ana = team["ana@acme.test"]
    fields = {**sandbox.slash_command(ana, "/goals", "help").payload, "text": "new", "trigger_id": "forged"}
    wait_for(lambda: "/goals" in sandbox.transcript(ana))
    caplog.clear()
    reply = sandbox.send_payload("commands", fields)
    assert reply.status == 200
    quiesce(runtime)
    assert tracebacks(caplog.records) == []
    assert any("Slack refused views.open: invalid_trigger_id" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    ("text", "number"),
    [("12", 12), (" 7 ", 7), ("0", 0), ("²", None), ("٣", None), ("-1", None), ("1.5", None), ("", None)],
)
def test_numbers_in_buttons_and_modals_are_ascii_digits(text, number):
    assert bounds.number(text) == number


def test_numbers_beyond_a_database_integer_are_none():
    assert bounds.number(str(bounds.NUMBER_MAX)) == bounds.NUMBER_MAX
    assert bounds.number(str(bounds.NUMBER_MAX + 1)) is None
    assert bounds.number("9" * 5000) is None  # int() of it raises


def test_cleaning_reaches_every_string_however_deep_without_recursing():
    deep: list = ["a\x00b"]
    for _ in range(50_000):
        deep = [deep, {"k\x00": "\ud800"}]
    bounds.clean_all(deep)
    node = deep
    while len(node) == 2:
        assert node[1] == {"k": "\ufffd"}
        node = node[0]
    assert node == ["ab"]


def test_json_for_the_job_table_is_cleaned_only_when_its_text_shows_something_to_clean():
    samples = [
        {"text": "plain", "n": 1},
        {"text": "an emoji \U0001f600, a pair in JSON"},
        {"text": "a NUL \x00 here", "k\x00": ["\ud800 lone high", "lone low \udfff"]},
        ["high then pair \ud83d\U0001f600", "pair then low \U0001f600\udc00", "\ud83d"],
        {"typed": "\\u0000 and \\ud800 as text"},
    ]
    for sample in samples:
        expected = json.dumps(bounds.clean_all(copy.deepcopy(sample)))
        assert bounds.clean_json(sample) == expected
        assert "\\u0000" not in expected.replace("\\\\", "")
    untouched = {"text": "an emoji \U0001f600"}
    assert bounds.clean_json(untouched) == json.dumps(untouched)
