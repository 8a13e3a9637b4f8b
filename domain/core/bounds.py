"""Bounds on what the app takes from outside (Slack's payloads and directory, the org CSV), one rule per
kind of data: Slack's own limits where it has them, else the column's. Text is cleaned of what databases
refuse: PostgreSQL any NUL, both a lone surrogate (JSON can carry one, as \\ud800)."""

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

# Slack keeps the first 40,000 characters of a message's text: a DM kept in the file keeps as many.
MESSAGE_MAX = 40_000
# Slack's display names take at most 80 characters; a longer full name is cut there too.
NAME_MAX = 80
EMAIL_MAX = 254  # RFC 5321's longest address
TIMEZONE_MAX = 64  # IANA names are shorter; the column's width
TEAM_MAX = 100  # the column's width
HOLIDAY_NAME_MAX = 200  # the column's width

# Ids Slack gives users, channels, teams, bots and apps: an upper-case letter, then upper-case letters and
# digits (U024BE7LH, D0CHEN, USLACKBOT); 32 at most, the columns' width.
ID_TAIL = r"[A-Z0-9]{1,31}"
SLACK_ID = r"[A-Z]" + ID_TAIL
# A message's ts, "1790000000.000100": unix seconds, a dot, a sequence number.
SLACK_TS = r"[0-9]{1,12}\.[0-9]{1,8}"
# Record ids and choices that buttons and modals carry: within a database integer.
NUMBER_MAX = 2**31 - 1
# A DM's own ts is believed within this window around its receipt (Slack retries an event for minutes;
# clocks differ by seconds); outside it the time of receipt is kept.
TS_PAST = timedelta(days=1)
TS_FUTURE = timedelta(minutes=5)

_REFUSED = re.compile("[\x00\ud800-\udfff]")
# What json.dumps (ASCII) makes of a NUL or a lone surrogate (a pair, an emoji, is fine). A backslash typed
# before "u0000" also matches: that only costs a clean_all that changes nothing.
_REFUSED_IN_JSON = re.compile(
    r"\\u0000|\\ud[89ab][0-9a-f]{2}(?!\\ud[c-f])|(?<!\\ud[89ab][0-9a-f]{2})\\ud[c-f]"
)
_SLACK_ID = re.compile(SLACK_ID)
_SLACK_TS = re.compile(SLACK_TS)
_NUMBER = re.compile(r"[0-9]{1,10}")


def clean(text: str) -> str:
    """NULs dropped, lone surrogates shown as U+FFFD."""
    if _REFUSED.search(text) is None:
        return text
    return _REFUSED.sub(lambda m: "" if m.group() == "\x00" else "\ufffd", text)


def clean_all(value: Any) -> Any:
    """`clean` on every string of a parsed JSON value, keys included, in place (without recursion: nesting
    as deep as the parser allows stays harmless)."""
    if isinstance(value, str):
        return clean(value)
    pending = [value]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            for key in list(node):
                item = node[key]
                if isinstance(item, str):
                    item = clean(item)
                elif isinstance(item, dict | list):
                    pending.append(item)
                fixed = clean(key) if isinstance(key, str) else key
                if fixed != key:
                    del node[key]
                node[fixed] = item
        elif isinstance(node, list):
            for index, item in enumerate(node):
                if isinstance(item, str):
                    node[index] = clean(item)
                elif isinstance(item, dict | list):
                    pending.append(item)
    return value


def clean_json(value: Any) -> str:
    """`value` as JSON text the databases accept: cleaned as clean_all does, in place, but only when its
    text shows something to clean; most requests carry none, and one scan of the text costs far less than
    visiting every string of a large payload (a Home view's click carries the whole view)."""
    text = json.dumps(value)
    if _REFUSED_IN_JSON.search(text) is None:
        return text
    return json.dumps(clean_all(value))


def shorten(text: str, most: int) -> str:
    """At most `most` characters, an ellipsis marking a cut."""
    return text if len(text) <= most else text[: most - 1] + "…"


def is_slack_id(text: Any) -> bool:
    return isinstance(text, str) and _SLACK_ID.fullmatch(text) is not None


def slack_ts(text: Any) -> str | None:
    """The ts as given when it reads as one, else None."""
    return text if isinstance(text, str) and _SLACK_TS.fullmatch(text) else None


def number(text: Any, most: int = NUMBER_MAX) -> int | None:
    """A whole number written in ASCII digits, from 0 to `most`; None otherwise (²  and ٣ are digits to
    str.isdigit, and a thousand digits do not fit a database integer)."""
    text = str(text if text is not None else "").strip()
    if _NUMBER.fullmatch(text) is None:
        return None
    value = int(text)
    return value if value <= most else None


def time_of(ts: Any, received: datetime) -> datetime:
    """When a message was written, from its ts; the time of receipt when the ts is missing, unreadable or
    implausibly far from it (negative, years ahead)."""
    if slack_ts(ts) is None:
        return received
    seconds = float(ts)
    if not (received - TS_PAST).timestamp() <= seconds <= (received + TS_FUTURE).timestamp():
        return received
    return datetime.fromtimestamp(seconds, UTC)
