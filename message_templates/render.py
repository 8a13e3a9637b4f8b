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

from message_templates.ids import ActionId, CallbackId

MESSAGE_MAX_BLOCKS = 50
VIEW_MAX_BLOCKS = 100
VIEW_MAX_BYTES = 250_000
MESSAGE_TEXT_MAX = 4_000
PRIVATE_METADATA_MAX = 3_000
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,30}$")
_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,30}$")


def escape(text: str) -> str:
    """Slack's control characters in user text; `&` first. Nothing else is entity-encoded."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class BlockKitError(ValueError):
    """A rendered message or view Slack would refuse."""

    def __init__(self, template: str, reason: str):
        super().__init__(f"{template}: {reason}")
        self.template = template
        self.reason = reason


class _Raw(str):
    """Text written as it is (JSON-escaped only)."""


class Markup(str):
    """Text for a message, escaped already, whose app-made mentions stay mentions (see `markup`)."""


class _Mention(str):
    pass


def user_mention(user_id: str) -> _Mention:
    if not _USER_ID.match(user_id or ""):
        raise ValueError(f"not a Slack user id: {user_id!r}")
    return _Mention(f"<@{user_id}>")


def channel_mention(channel_id: str) -> _Mention:
    if not _CHANNEL_ID.match(channel_id or ""):
        raise ValueError(f"not a Slack channel id: {channel_id!r}")
    return _Mention(f"<#{channel_id}>")


def markup(*parts: Any) -> Markup:
    """A notice that names a person or a channel: each part is escaped (words, user text) except the
    mentions made by user_mention and channel_mention, and parts that are markup already. So Slack shows
    @Tom and #people-figures, never the raw id, while whatever a person typed cannot ping or forge a link."""
    return Markup("".join(p if isinstance(p, (_Mention, Markup)) else escape(str(p)) for p in parts))


def markup_joined(parts: list[Any], sep: str = " ") -> Markup:
    """`markup` of parts with `sep` between them: several refusals told as one notice."""
    return markup(*[part for i, p in enumerate(parts) for part in ((sep, p) if i else (p,))])


def _escaped(value: Any) -> str:
    if isinstance(value, Markup):
        return value
    return escape("" if value is None else str(value))


class _JSON:
    def __init__(self, value: Any):
        self.value = value


def _json_string_body(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)[1:-1]


def _finalize(value: Any) -> str:
    if isinstance(value, _JSON):
        return json.dumps(value.value, ensure_ascii=False, default=str)
    if isinstance(value, _Raw | Markup):
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
    escaped = _escaped(text)
    pieces = []
    while len(escaped) > limit:
        cut = _entity_safe_cut(escaped, limit)
        pieces.append(_Raw(escaped[:cut]))
        escaped = escaped[cut:]
    pieces.append(_Raw(escaped))
    return pieces


def _clip(text: Any, limit: int) -> _Raw:
    """Escapes, then cuts to `limit` characters of what Slack receives, never inside an entity."""
    escaped = _escaped(text)
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


# -- Block Kit limits --------------------------------------------------------------------------------
# Slack refuses a whole message or view for one field over its limit. A template fixes the structure, and
# the end-to-end tests send what the templates render to the sandbox, which refuses what Slack refuses;
# what varies at run time is the data: text lengths, how many blocks, fields, elements and options a loop
# makes, ids and values built from data, empty strings. So the limits Slack documents (the set the
# sandbox checks) are checked on every render, in one walk over the plain dicts, stopping at the first
# problem with its JSON pointer. slack_sdk's models, used before, cost over 20 times as much, ran twice
# per view, and let through empty texts, long option texts and values, long context texts, initial
# values over max_length, initial options missing from the options, duplicate action_ids in a block and
# a modal with inputs but no submit button (and met an unknown block type with an AttributeError).

_SELECTS = {"static_select", "external_select", "users_select", "conversations_select", "channels_select"}
_MULTI_SELECTS = {"multi_" + s for s in _SELECTS}
_TEXT_INPUTS = {"plain_text_input", "email_text_input", "url_text_input", "number_input", "rich_text_input"}
_PICKERS = {"datepicker", "timepicker", "datetimepicker"}
_CHOICES = {"checkboxes", "radio_buttons"}
_ACTIONS_ELEMENTS = (
    {"button", "overflow", "workflow_button"} | _SELECTS | _MULTI_SELECTS | _PICKERS | _CHOICES
)
_ACCESSORIES = {"button", "overflow", "image"} | _SELECTS | _MULTI_SELECTS | _PICKERS | _CHOICES
_INPUT_ELEMENTS = _SELECTS | _MULTI_SELECTS | _PICKERS | _CHOICES | _TEXT_INPUTS | {"file_input"}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME = re.compile(r"^\d{2}:\d{2}$")


class _Refused(Exception):
    def __init__(self, reason: str, pointer: str):
        super().__init__(f"{reason} at {pointer}")


def _length(value: Any, limit: int, at: str) -> None:
    if value is not None and (not isinstance(value, str) or len(value) > limit):
        raise _Refused(f"must be a string of at most {limit} characters", at)


def _text(obj: Any, limit: int, at: str, *, plain: bool = False) -> None:
    if not isinstance(obj, dict) or obj.get("type") not in ("plain_text", "mrkdwn"):
        raise _Refused("must be a text object (plain_text or mrkdwn)", at)
    if plain and obj["type"] != "plain_text":
        raise _Refused("must be plain_text", at)
    value = obj.get("text")
    if not isinstance(value, str) or not value:
        raise _Refused("must be a non-empty string", at + "/text")
    if len(value) > limit:
        raise _Refused(f"must be at most {limit} characters, not {len(value)}", at + "/text")


def _array(value: Any, low: int, high: int, at: str) -> list:
    if not isinstance(value, list) or not low <= len(value) <= high:
        raise _Refused(f"must be an array of {low} to {high} items", at)
    return value


def _options(options: Any, high: int, at: str, *, mrkdwn: bool = False) -> list:
    for i, option in enumerate(_array(options, 1, high, at)):
        where = f"{at}/{i}"
        if not isinstance(option, dict):
            raise _Refused("must be an option object", where)
        _text(option.get("text"), 75, where + "/text", plain=not mrkdwn)
        value = option.get("value")
        if not isinstance(value, str) or not value or len(value) > 150:
            raise _Refused("must be a non-empty string of at most 150 characters", where + "/value")
        if "description" in option:
            _text(option["description"], 75, where + "/description", plain=not mrkdwn)
    return options


def _initial(element: dict, key: str, options: list, at: str) -> None:
    if element.get(key) is None:
        return
    chosen = element[key] if key == "initial_options" else [element[key]]
    values = {o.get("value") for o in options}
    if not isinstance(chosen, list) or any(
        not isinstance(c, dict) or c.get("value") not in values for c in chosen
    ):
        raise _Refused("must be among the options", f"{at}/{key}")


def _image(obj: dict, at: str) -> None:
    if "slack_file" not in obj:
        url = obj.get("image_url")
        if not isinstance(url, str) or not url:
            raise _Refused("must have an image_url or a slack_file", at)
        _length(url, 3000, at + "/image_url")
    alt = obj.get("alt_text")
    if not isinstance(alt, str) or not alt or len(alt) > 2000:
        raise _Refused("must be a non-empty string of at most 2000 characters", at + "/alt_text")


def _element(element: Any, allowed: set[str], at: str) -> None:
    kind = element.get("type") if isinstance(element, dict) else None
    if kind not in allowed:
        raise _Refused(f"element type {kind!r} is not allowed here", at)
    if kind == "image":
        _image(element, at)
        return
    _length(element.get("action_id"), 255, at + "/action_id")
    if "placeholder" in element:
        _text(element["placeholder"], 150, at + "/placeholder", plain=True)
    if "confirm" in element:
        confirm, where = element["confirm"], at + "/confirm"
        if not isinstance(confirm, dict):
            raise _Refused("must be a confirm object", where)
        _text(confirm.get("title"), 100, where + "/title", plain=True)
        _text(confirm.get("text"), 300, where + "/text")
        _text(confirm.get("confirm"), 30, where + "/confirm", plain=True)
        _text(confirm.get("deny"), 30, where + "/deny", plain=True)
    if kind == "button":
        _text(element.get("text"), 75, at + "/text", plain=True)
        _length(element.get("value"), 2000, at + "/value")
        _length(element.get("url"), 3000, at + "/url")
        if element.get("style") not in (None, "primary", "danger"):
            raise _Refused("must be primary or danger", at + "/style")
    elif kind == "overflow":
        _options(element.get("options"), 5, at + "/options")
    elif kind in _CHOICES:
        options = _options(element.get("options"), 10, at + "/options", mrkdwn=True)
        _initial(element, "initial_option" if kind == "radio_buttons" else "initial_options", options, at)
    elif kind in ("static_select", "multi_static_select"):
        options, groups = element.get("options"), element.get("option_groups")
        if (options is None) == (groups is None):
            raise _Refused("must have exactly one of options, option_groups", at)
        if options is not None:
            flat = _options(options, 100, at + "/options")
        else:
            flat = []
            for i, group in enumerate(_array(groups, 1, 100, at + "/option_groups")):
                where = f"{at}/option_groups/{i}"
                if not isinstance(group, dict):
                    raise _Refused("must be an option group", where)
                _text(group.get("label"), 75, where + "/label", plain=True)
                flat += _options(group.get("options"), 100, where + "/options")
        _initial(element, "initial_options" if kind.startswith("multi_") else "initial_option", flat, at)
    elif kind in _TEXT_INPUTS and kind != "rich_text_input":
        low, high = element.get("min_length"), element.get("max_length")
        if high is not None and (not isinstance(high, int) or not 1 <= high <= 3000):
            raise _Refused("must be between 1 and 3000", at + "/max_length")
        if low is not None and (not isinstance(low, int) or not 0 <= low <= (high or 3000)):
            raise _Refused("must be between 0 and max_length (3000)", at + "/min_length")
        initial = element.get("initial_value")
        if initial is not None and kind != "number_input":
            _length(initial, high or 3000, at + "/initial_value")
    elif kind in ("datepicker", "timepicker"):
        key, pattern, shape = (
            ("initial_date", _DATE, "YYYY-MM-DD")
            if kind == "datepicker"
            else ("initial_time", _TIME, "HH:mm")
        )
        if element.get(key) is not None and not pattern.match(str(element[key])):
            raise _Refused(f"must be {shape}", f"{at}/{key}")
    if kind in _MULTI_SELECTS and "max_selected_items" in element:
        most = element["max_selected_items"]
        if not isinstance(most, int) or most < 1:
            raise _Refused("must be at least 1", at + "/max_selected_items")


def _block(block: Any, at: str, surface: str) -> None:
    kind = block.get("type") if isinstance(block, dict) else None
    if kind == "section":
        if "text" not in block and "fields" not in block:
            raise _Refused("a section needs text or fields", at)
        if "text" in block:
            _text(block["text"], 3000, at + "/text")
        if "fields" in block:
            for i, field in enumerate(_array(block["fields"], 1, 10, at + "/fields")):
                _text(field, 2000, f"{at}/fields/{i}")
        if "accessory" in block:
            _element(block["accessory"], _ACCESSORIES, at + "/accessory")
    elif kind == "context":
        for i, element in enumerate(_array(block.get("elements"), 1, 10, at + "/elements")):
            if isinstance(element, dict) and element.get("type") == "image":
                _image(element, f"{at}/elements/{i}")
            else:
                _text(element, 3000, f"{at}/elements/{i}")
    elif kind == "actions":
        seen = set()
        for i, element in enumerate(_array(block.get("elements"), 1, 25, at + "/elements")):
            _element(element, _ACTIONS_ELEMENTS, f"{at}/elements/{i}")
            action_id = element.get("action_id")
            if action_id is not None and action_id in seen:
                raise _Refused(f"duplicate action_id {action_id!r} in the block", f"{at}/elements/{i}")
            seen.add(action_id)
    elif kind == "header":
        _text(block.get("text"), 150, at + "/text", plain=True)
    elif kind == "input":
        if surface == "message":
            raise _Refused("input blocks belong in modals", at)
        _text(block.get("label"), 2000, at + "/label", plain=True)
        if "hint" in block:
            _text(block["hint"], 2000, at + "/hint", plain=True)
        _element(block.get("element"), _INPUT_ELEMENTS, at + "/element")
    elif kind == "image":
        _image(block, at)
        if "title" in block:
            _text(block["title"], 2000, at + "/title", plain=True)
    elif kind == "markdown":
        value = block.get("text")
        if not isinstance(value, str) or not value or len(value) > 12000:
            raise _Refused("must be a non-empty string of at most 12000 characters", at + "/text")
    elif kind not in ("divider", "rich_text", "file", "video"):
        raise _Refused(f"unknown block type {kind!r}", at)


def _check_blocks(template: str, blocks: Any, surface: str, most: int) -> None:
    if not isinstance(blocks, list):
        raise BlockKitError(template, "blocks must be an array")
    if len(blocks) > most:
        raise BlockKitError(template, f"{len(blocks)} blocks, over {most}")
    ids = set()
    try:
        for i, block in enumerate(blocks):
            _block(block, f"/blocks/{i}", surface)
            block_id = block.get("block_id")
            if block_id is not None:
                _length(block_id, 255, f"/blocks/{i}/block_id")
                if block_id in ids:
                    raise _Refused(f"duplicate block_id {block_id!r}", f"/blocks/{i}/block_id")
                ids.add(block_id)
    except _Refused as refused:
        raise BlockKitError(template, str(refused)) from None


def _check_view(template: str, view: Any) -> None:
    kind = view.get("type") if isinstance(view, dict) else None
    if kind not in ("modal", "home"):
        raise BlockKitError(template, "a view is a modal or a home")
    blocks = view.get("blocks")
    if not isinstance(blocks, list) or not blocks:
        raise BlockKitError(template, "a view needs blocks")
    _check_blocks(template, blocks, kind, VIEW_MAX_BLOCKS)
    try:
        _length(view.get("callback_id"), 255, "/callback_id")
        _length(view.get("external_id"), 255, "/external_id")
        _length(view.get("private_metadata"), PRIVATE_METADATA_MAX, "/private_metadata")
        if kind == "modal":
            _text(view.get("title"), 24, "/title", plain=True)
            for key in ("submit", "close"):
                if view.get(key) is not None:
                    _text(view[key], 24, "/" + key, plain=True)
            if view.get("submit") is None and any(b.get("type") == "input" for b in blocks):
                raise _Refused("a modal with input blocks needs a submit button", "/submit")
    except _Refused as refused:
        raise BlockKitError(template, str(refused)) from None
    # The size Slack counts: the JSON it receives, as UTF-8.
    if len(json.dumps(view, ensure_ascii=False).encode()) > VIEW_MAX_BYTES:
        raise BlockKitError(template, "view over 250 kB")


def render_message(template: str, **context: Any) -> dict[str, Any]:
    """A chat message: {"text": fallback, "blocks": [...]}."""
    message = _render_json(template, context)
    text = message.get("text")
    if not text or not isinstance(text, str):
        raise BlockKitError(template, "a message needs a fallback text")
    if len(text) > MESSAGE_TEXT_MAX:
        raise BlockKitError(template, f"fallback text over {MESSAGE_TEXT_MAX} characters")
    _check_blocks(template, message.get("blocks", []), "message", MESSAGE_MAX_BLOCKS)
    return message


def render_view(template: str, **context: Any) -> dict[str, Any]:
    """A modal or Home tab view."""
    view = _render_json(template, context)
    _check_view(template, view)
    return view
