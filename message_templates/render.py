"""The one way messages, modals and Home views are built: Jinja2 templates, checked against Block Kit.

Templates are JSON. Every `{{ value }}` is written inside a JSON string literal and comes out escaped twice
over: Slack's control characters (& < >) so user text cannot ping or forge links, and JSON's (" \\ newlines)
so it cannot break the document. Filters opt out where that is wanted: `mention`/`date` produce trusted Slack
markup, `raw` keeps text as typed (input initial values), `json` writes a whole JSON value.
"""

import json
import re
from datetime import datetime
from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from domain.gateway import escape
from message_templates.ids import ActionId, CallbackId

MESSAGE_MAX_BLOCKS = 50
VIEW_MAX_BLOCKS = 100
VIEW_MAX_BYTES = 250_000
MESSAGE_TEXT_MAX = 4_000
PRIVATE_METADATA_MAX = 3_000
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,30}$")


class BlockKitError(ValueError):
    """A rendered message or view Slack would refuse."""

    def __init__(self, template: str, reason: str):
        super().__init__(f"{template}: {reason}")
        self.template = template
        self.reason = reason


class _Raw(str):
    """Text written as it is (JSON-escaped only)."""


class _JSON:
    def __init__(self, value: Any):
        self.value = value


def _json_string_body(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)[1:-1]


def _finalize(value: Any) -> str:
    if isinstance(value, _JSON):
        return json.dumps(value.value, ensure_ascii=False, default=str)
    if isinstance(value, _Raw):
        return _json_string_body(value)
    if value is None:
        return ""
    return _json_string_body(escape(str(value)))


def _mention(user_id: str) -> _Raw:
    if not _USER_ID.match(user_id or ""):
        raise ValueError(f"not a Slack user id: {user_id!r}")
    return _Raw(f"<@{user_id}>")


def _date(moment: datetime, style: str = "{date_short_pretty} {time}") -> _Raw:
    """Shown in the reader's own time zone; the fallback is UTC."""
    fallback = moment.strftime("%Y-%m-%d %H:%M UTC")
    return _Raw(f"<!date^{int(moment.timestamp())}^{style}|{fallback}>")


def _entity_safe_cut(escaped: str, limit: int) -> int:
    """Where to cut escaped text at or before `limit` without splitting an entity like &amp;."""
    amp = escaped.rfind("&", max(0, limit - 5), limit)
    return amp if amp != -1 and ";" not in escaped[amp:limit] else limit


def _chunks(text: Any, limit: int) -> list[_Raw]:
    """Escaped text in pieces of at most `limit` characters: long answers shown whole, over several blocks."""
    escaped = escape("" if text is None else str(text))
    pieces = []
    while len(escaped) > limit:
        cut = _entity_safe_cut(escaped, limit)
        pieces.append(_Raw(escaped[:cut]))
        escaped = escaped[cut:]
    pieces.append(_Raw(escaped))
    return pieces


def _clip(text: Any, limit: int) -> _Raw:
    """Escapes, then cuts to `limit` characters of what Slack receives, never inside an entity."""
    escaped = escape("" if text is None else str(text))
    if len(escaped) <= limit:
        return _Raw(escaped)
    return _Raw(escaped[: _entity_safe_cut(escaped, limit - 1)].rstrip() + "…")


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("message_templates", ""),
        finalize=_finalize,
        autoescape=False,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters.update(
        mention=_mention, date=_date, clip=_clip, chunks=_chunks, raw=lambda s: _Raw(s or ""), json=_JSON
    )
    env.globals.update(actions=ActionId, callbacks=CallbackId)
    return env


def _render_json(template: str, context: dict[str, Any]) -> dict[str, Any]:
    text = environment().get_template(template).render(**context)
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise BlockKitError(template, f"template did not render to JSON ({err})") from err


def _check_blocks(template: str, blocks: list[dict[str, Any]]) -> None:
    try:
        for block in Block.parse_all(blocks):
            block.to_dict()  # runs slack_sdk's limit validators
    except (SlackObjectFormationError, KeyError, TypeError) as err:
        raise BlockKitError(template, str(err)) from err
    ids = [b["block_id"] for b in blocks if "block_id" in b]
    if len(ids) != len(set(ids)):
        raise BlockKitError(template, "duplicate block_id")


def render_message(template: str, **context: Any) -> dict[str, Any]:
    """A chat message: {"text": fallback, "blocks": [...]}."""
    message = _render_json(template, context)
    blocks = message.get("blocks", [])
    if not message.get("text"):
        raise BlockKitError(template, "a message needs a fallback text")
    if len(message["text"]) > MESSAGE_TEXT_MAX:
        raise BlockKitError(template, f"fallback text over {MESSAGE_TEXT_MAX} characters")
    if len(blocks) > MESSAGE_MAX_BLOCKS:
        raise BlockKitError(template, f"{len(blocks)} blocks, over {MESSAGE_MAX_BLOCKS}")
    if any(b.get("type") == "input" for b in blocks):
        raise BlockKitError(template, "input blocks belong in modals")
    _check_blocks(template, blocks)
    return message


def render_view(template: str, **context: Any) -> dict[str, Any]:
    """A modal or Home tab view."""
    view = _render_json(template, context)
    blocks = view.get("blocks", [])
    if len(blocks) > VIEW_MAX_BLOCKS:
        raise BlockKitError(template, f"{len(blocks)} blocks, over {VIEW_MAX_BLOCKS}")
    if len(view.get("private_metadata", "")) > PRIVATE_METADATA_MAX:
        raise BlockKitError(template, "private_metadata over 3000 characters")
    if len(json.dumps(view).encode()) > VIEW_MAX_BYTES:
        raise BlockKitError(template, "view over 250 kB")
    try:
        View(**view).to_dict()
    except (SlackObjectFormationError, TypeError) as err:
        raise BlockKitError(template, str(err)) from err
    _check_blocks(template, blocks)
    return view
