"""Block Kit limit checks: refuse what Slack would refuse, so the app's tests catch it.

Written independently of the app (and of slack_sdk's models, which skip checks on plain dicts).
Each problem is reported the way Slack's schema validator words it:
"must be less than 3001 characters [json-pointer:/blocks/0/text/text]".
"""

import json
import re
from typing import Any

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_VIEW_BYTES = 250 * 1024
MAX_MESSAGE_TEXT = 40_000

# Element types by where Slack lets them sit.
SELECTS = {
    "static_select",
    "external_select",
    "users_select",
    "conversations_select",
    "channels_select",
}
MULTI_SELECTS = {"multi_" + s for s in SELECTS}
TEXT_INPUTS = {"plain_text_input", "email_text_input", "url_text_input", "number_input", "rich_text_input"}
PICKERS = {"datepicker", "timepicker", "datetimepicker"}
CHOICES = {"checkboxes", "radio_buttons"}
ACTIONS_ELEMENTS = {"button", "overflow", "workflow_button"} | SELECTS | MULTI_SELECTS | PICKERS | CHOICES
ACCESSORY_ELEMENTS = {"button", "overflow", "image"} | SELECTS | MULTI_SELECTS | PICKERS | CHOICES
INPUT_ELEMENTS = SELECTS | MULTI_SELECTS | PICKERS | CHOICES | TEXT_INPUTS | {"file_input"}
KNOWN_BLOCKS = {
    "section",
    "divider",
    "image",
    "actions",
    "context",
    "header",
    "input",
    "rich_text",
    "markdown",
    "file",
    "video",
}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME = re.compile(r"^\d{2}:\d{2}$")


class _Checker:
    def __init__(self, surface: str):
        self.surface = surface  # "message" | "modal" | "home"
        self.errors: list[str] = []
        self.block_ids: set[str] = set()

    def err(self, message: str, pointer: str) -> None:
        self.errors.append(f"{message} [json-pointer:{pointer}]")

    def length(self, value: Any, limit: int, pointer: str) -> None:
        if isinstance(value, str) and len(value) > limit:
            self.err(f"must be less than {limit + 1} characters", pointer)

    def ident(self, value: Any, pointer: str) -> None:
        if value is None:
            return
        if not isinstance(value, str):
            self.err("must be a string", pointer)
        else:
            self.length(value, 255, pointer)

    def text(self, obj: Any, pointer: str, limit: int, *, plain_only: bool = False) -> None:
        if not isinstance(obj, dict):
            self.err("must provide an object", pointer)
            return
        kind = obj.get("type")
        if kind not in ("plain_text", "mrkdwn"):
            self.err("must be one of plain_text, mrkdwn", pointer + "/type")
            return
        if plain_only and kind != "plain_text":
            self.err("must be plain_text", pointer + "/type")
        value = obj.get("text")
        if not isinstance(value, str) or not value:
            self.err("must be more than 0 characters", pointer + "/text")
            return
        self.length(value, limit, pointer + "/text")

    # -- elements ------------------------------------------------------------------------------
    def element(self, el: Any, pointer: str, allowed: set[str]) -> None:
        if not isinstance(el, dict):
            self.err("must provide an object", pointer)
            return
        kind = el.get("type")
        if kind not in allowed:
            self.err(f"element type {kind!r} is not allowed here", pointer + "/type")
            return
        if kind == "image":
            self.image(el, pointer)
            return
        self.ident(el.get("action_id"), pointer + "/action_id")
        if "placeholder" in el:
            self.text(el["placeholder"], pointer + "/placeholder", 150, plain_only=True)
        if "confirm" in el:
            self.confirm(el["confirm"], pointer + "/confirm")
        if kind == "button":
            self.text(el.get("text"), pointer + "/text", 75, plain_only=True)
            self.length(el.get("value"), 2000, pointer + "/value")
            self.length(el.get("url"), 3000, pointer + "/url")
            if el.get("style") not in (None, "primary", "danger"):
                self.err("must be one of primary, danger", pointer + "/style")
        elif kind == "overflow":
            self.options(el.get("options"), pointer + "/options", 5, min_count=1)
        elif kind in CHOICES:
            options = el.get("options")
            self.options(options, pointer + "/options", 10, min_count=1, allow_mrkdwn=True)
            initial = "initial_option" if kind == "radio_buttons" else "initial_options"
            self.initial_options(el, initial, options, pointer)
        elif kind in ("static_select", "multi_static_select"):
            self.select_options(el, pointer)
        elif kind in ("plain_text_input", "email_text_input", "url_text_input", "number_input"):
            self.text_input(el, pointer)
        elif kind in ("datepicker", "timepicker"):
            key, pattern, shape = (
                ("initial_date", _DATE, "YYYY-MM-DD")
                if kind == "datepicker"
                else ("initial_time", _TIME, "HH:mm")
            )
            if el.get(key) is not None and not pattern.match(str(el[key])):
                self.err(f"must match the format {shape}", f"{pointer}/{key}")
        if kind in MULTI_SELECTS and "max_selected_items" in el:
            m = el["max_selected_items"]
            if not isinstance(m, int) or m < 1:
                self.err("must be at least 1", pointer + "/max_selected_items")

    def text_input(self, el: dict, pointer: str) -> None:
        max_length = el.get("max_length")
        min_length = el.get("min_length")
        if max_length is not None and (not isinstance(max_length, int) or not 1 <= max_length <= 3000):
            self.err("must be between 1 and 3000", pointer + "/max_length")
            max_length = None
        if min_length is not None and (not isinstance(min_length, int) or not 0 <= min_length <= 3000):
            self.err("must be between 0 and 3000", pointer + "/min_length")
            min_length = None
        if max_length is not None and min_length is not None and min_length > max_length:
            self.err("min_length must not exceed max_length", pointer + "/min_length")
        initial = el.get("initial_value")
        if isinstance(initial, str):
            self.length(initial, max_length if max_length is not None else 3000, pointer + "/initial_value")

    def select_options(self, el: dict, pointer: str) -> None:
        options, groups = el.get("options"), el.get("option_groups")
        if (options is None) == (groups is None):
            self.err("must provide exactly one of options, option_groups", pointer)
            return
        flat: list = []
        if options is not None:
            self.options(options, pointer + "/options", 100, min_count=1)
            flat = options if isinstance(options, list) else []
        else:
            if not isinstance(groups, list) or not 1 <= len(groups) <= 100:
                self.err("must provide between 1 and 100 items", pointer + "/option_groups")
                return
            for i, group in enumerate(groups):
                gp = f"{pointer}/option_groups/{i}"
                if not isinstance(group, dict):
                    self.err("must provide an object", gp)
                    continue
                self.text(group.get("label"), gp + "/label", 75, plain_only=True)
                self.options(group.get("options"), gp + "/options", 100, min_count=1)
                flat += group.get("options") or []
        initial = "initial_options" if el["type"].startswith("multi_") else "initial_option"
        self.initial_options(el, initial, flat, pointer)

    def options(self, options: Any, pointer: str, limit: int, *, min_count: int, allow_mrkdwn=False) -> None:
        if not isinstance(options, list):
            self.err("must provide an array", pointer)
            return
        if len(options) > limit:
            self.err(f"must provide no more than {limit} items", pointer)
        if len(options) < min_count:
            self.err(f"must provide at least {min_count} items", pointer)
        for i, opt in enumerate(options):
            op = f"{pointer}/{i}"
            if not isinstance(opt, dict):
                self.err("must provide an object", op)
                continue
            self.text(opt.get("text"), op + "/text", 75, plain_only=not allow_mrkdwn)
            value = opt.get("value")
            if not isinstance(value, str) or not value:
                self.err("must be more than 0 characters", op + "/value")
            else:
                self.length(value, 150, op + "/value")
            if "description" in opt:
                self.text(opt["description"], op + "/description", 75, plain_only=not allow_mrkdwn)

    def initial_options(self, el: dict, key: str, options: Any, pointer: str) -> None:
        if el.get(key) is None:
            return
        chosen = el[key] if key == "initial_options" else [el[key]]
        values = {o.get("value") for o in options or [] if isinstance(o, dict)}
        if not isinstance(chosen, list) or any(
            not isinstance(c, dict) or c.get("value") not in values for c in chosen
        ):
            self.err(f"{key} must match the provided options", pointer + "/" + key)

    def confirm(self, obj: Any, pointer: str) -> None:
        if not isinstance(obj, dict):
            self.err("must provide an object", pointer)
            return
        self.text(obj.get("title"), pointer + "/title", 100, plain_only=True)
        self.text(obj.get("text"), pointer + "/text", 300)
        self.text(obj.get("confirm"), pointer + "/confirm", 30, plain_only=True)
        self.text(obj.get("deny"), pointer + "/deny", 30, plain_only=True)

    def image(self, obj: dict, pointer: str) -> None:
        if "slack_file" not in obj:
            url = obj.get("image_url")
            if not isinstance(url, str) or not url:
                self.err("must provide image_url or slack_file", pointer)
            self.length(url, 3000, pointer + "/image_url")
        alt = obj.get("alt_text")
        if not isinstance(alt, str) or not alt:
            self.err("must be more than 0 characters", pointer + "/alt_text")
        self.length(alt, 2000, pointer + "/alt_text")

    # -- blocks --------------------------------------------------------------------------------
    def blocks(self, blocks: Any, pointer: str, limit: int) -> None:
        if not isinstance(blocks, list):
            self.err("must provide an array", pointer)
            return
        if len(blocks) > limit:
            self.err(f"no more than {limit} items allowed", pointer)
        for i, block in enumerate(blocks):
            self.block(block, f"{pointer}/{i}")

    def block(self, block: Any, pointer: str) -> None:
        if not isinstance(block, dict):
            self.err("must provide an object", pointer)
            return
        kind = block.get("type")
        if kind not in KNOWN_BLOCKS:
            self.err(f"unsupported block type {kind!r}", pointer + "/type")
            return
        block_id = block.get("block_id")
        if block_id is not None:
            self.ident(block_id, pointer + "/block_id")
            if block_id in self.block_ids:
                self.err(f"duplicate block_id {block_id!r}", pointer + "/block_id")
            self.block_ids.add(block_id)
        getattr(self, "block_" + kind, lambda b, p: None)(block, pointer)

    def block_section(self, block: dict, pointer: str) -> None:
        if "text" not in block and "fields" not in block:
            self.err("must provide text or fields", pointer)
        if "text" in block:
            self.text(block["text"], pointer + "/text", 3000)
        if "fields" in block:
            fields = block["fields"]
            if not isinstance(fields, list) or not fields:
                self.err("must provide a non-empty array", pointer + "/fields")
            else:
                if len(fields) > 10:
                    self.err("no more than 10 items allowed", pointer + "/fields")
                for i, f in enumerate(fields):
                    self.text(f, f"{pointer}/fields/{i}", 2000)
        if "accessory" in block:
            self.element(block["accessory"], pointer + "/accessory", ACCESSORY_ELEMENTS)

    def block_header(self, block: dict, pointer: str) -> None:
        self.text(block.get("text"), pointer + "/text", 150, plain_only=True)

    def block_actions(self, block: dict, pointer: str) -> None:
        elements = block.get("elements")
        if not isinstance(elements, list) or not elements:
            self.err("must provide a non-empty array", pointer + "/elements")
            return
        if len(elements) > 25:
            self.err("no more than 25 items allowed", pointer + "/elements")
        seen: set[str] = set()
        for i, el in enumerate(elements):
            self.element(el, f"{pointer}/elements/{i}", ACTIONS_ELEMENTS)
            action_id = el.get("action_id") if isinstance(el, dict) else None
            # Slack wants action_id unique within the block (the same id in two blocks is fine).
            if action_id is not None and action_id in seen:
                self.err(f"duplicate action_id {action_id!r}", f"{pointer}/elements/{i}/action_id")
            seen.add(action_id)

    def block_context(self, block: dict, pointer: str) -> None:
        elements = block.get("elements")
        if not isinstance(elements, list) or not elements:
            self.err("must provide a non-empty array", pointer + "/elements")
            return
        if len(elements) > 10:
            self.err("no more than 10 items allowed", pointer + "/elements")
        for i, el in enumerate(elements):
            ep = f"{pointer}/elements/{i}"
            if isinstance(el, dict) and el.get("type") == "image":
                self.image(el, ep)
            else:
                self.text(el, ep, 3000)

    def block_image(self, block: dict, pointer: str) -> None:
        self.image(block, pointer)
        if "title" in block:
            self.text(block["title"], pointer + "/title", 2000, plain_only=True)

    def block_input(self, block: dict, pointer: str) -> None:
        if self.surface == "message":
            self.err("input blocks are only allowed in modals and the home tab", pointer + "/type")
        self.text(block.get("label"), pointer + "/label", 2000, plain_only=True)
        if "hint" in block:
            self.text(block["hint"], pointer + "/hint", 2000, plain_only=True)
        if "element" not in block:
            self.err("must provide an element", pointer + "/element")
        else:
            self.element(block["element"], pointer + "/element", INPUT_ELEMENTS)

    def block_markdown(self, block: dict, pointer: str) -> None:
        value = block.get("text")
        if not isinstance(value, str) or not value:
            self.err("must be more than 0 characters", pointer + "/text")
        self.length(value, 12000, pointer + "/text")


def message_block_errors(blocks: Any) -> list[str]:
    """Problems Slack's chat.* / response_url validation would report for `blocks` ([] = fine)."""
    checker = _Checker("message")
    checker.blocks(blocks, "/blocks", MAX_MESSAGE_BLOCKS)
    return checker.errors


def view_errors(view: Any, *, expected_type: str | None = None) -> list[str]:
    """Problems Slack's views.* validation would report for `view` ([] = fine); size is checked apart."""
    checker = _Checker("modal")
    if not isinstance(view, dict):
        checker.err("must provide an object", "/view")
        return checker.errors
    kind = view.get("type")
    if kind not in ("modal", "home") or (expected_type and kind != expected_type):
        checker.err(f"must be {expected_type or 'modal or home'}", "/view/type")
        return checker.errors
    checker.surface = kind
    checker.blocks(view.get("blocks"), "/view/blocks", MAX_VIEW_BLOCKS)
    checker.ident(view.get("callback_id"), "/view/callback_id")
    if view.get("external_id"):
        checker.ident(view.get("external_id"), "/view/external_id")
    metadata = view.get("private_metadata")
    if metadata is not None and not isinstance(metadata, str):
        checker.err("must be a string", "/view/private_metadata")
    checker.length(metadata, 3000, "/view/private_metadata")
    if kind == "modal":
        checker.text(view.get("title"), "/view/title", 24, plain_only=True)
        for key in ("submit", "close"):
            if view.get(key) is not None:
                checker.text(view[key], f"/view/{key}", 24, plain_only=True)
        has_input = any(isinstance(b, dict) and b.get("type") == "input" for b in view.get("blocks") or [])
        if has_input and view.get("submit") is None:
            checker.err("must provide submit when the view has input blocks", "/view/submit")
    return checker.errors


def view_size(view: Any) -> int:
    return len(json.dumps(view, ensure_ascii=False).encode("utf-8"))


def interactive_elements(blocks: list) -> list[tuple[dict, dict]]:
    """(block, element) pairs a person can act on, in display order."""
    found = []
    for block in blocks or []:
        if not isinstance(block, dict):
            continue
        kind = block.get("type")
        if kind == "actions":
            found += [(block, el) for el in block.get("elements") or [] if isinstance(el, dict)]
        elif kind == "section" and isinstance(block.get("accessory"), dict):
            if block["accessory"].get("type") != "image":
                found.append((block, block["accessory"]))
        elif kind == "input" and isinstance(block.get("element"), dict):
            found.append((block, block["element"]))
    return found
