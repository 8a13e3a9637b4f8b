"""Readable text of what a person saw: for test failure messages and the demo.

Blocks are rendered the way Slack lays them out, flattened to lines: header and section text,
fields, context, buttons as [Label], inputs as [input: Label], modals framed with their title.
"""

import re
from typing import Any

from sandbox.workspace import Seen, Workspace

_LINK = re.compile(r"<([^<>|]+)(?:\|([^<>]*))?>")


def plain(text: str, users: dict | None = None) -> str:
    """mrkdwn as a person reads it: mentions by name, links by label, entities decoded."""
    users = users or {}

    def link(match: re.Match) -> str:
        target, label = match.group(1), match.group(2)
        if target.startswith("@"):
            user = users.get(target[1:])
            return "@" + (label or (user["name"] if user else target[1:]))
        if target.startswith("#"):
            return "#" + (label or target[1:])
        if target.startswith("!date^"):
            return label or target
        if target.startswith("!"):
            return "@" + target[1:].split("^")[0]
        return label or target

    text = _LINK.sub(link, text or "")
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _text(obj: Any, users: dict) -> str:
    if isinstance(obj, dict):
        return plain(obj.get("text", ""), users) if obj.get("type") == "mrkdwn" else obj.get("text", "")
    return ""


def _option_label(opt: Any) -> str:
    return opt.get("text", {}).get("text", "") if isinstance(opt, dict) else ""


def render_element(el: dict, users: dict) -> str:
    kind = el.get("type", "")
    placeholder = _text(el.get("placeholder"), users)
    if kind == "button":
        return f"[{_text(el.get('text'), users)}]"
    if kind == "overflow":
        return "[⋯ " + " / ".join(_option_label(o) for o in el.get("options", [])) + "]"
    if kind in ("checkboxes", "radio_buttons"):
        chosen = el.get("initial_options") or ([el["initial_option"]] if el.get("initial_option") else [])
        values = {o.get("value") for o in chosen if isinstance(o, dict)}
        mark = ("[x]", "[ ]") if kind == "checkboxes" else ("(o)", "( )")
        return "  ".join(
            f"{mark[0] if o.get('value') in values else mark[1]} {_option_label(o)}"
            for o in el.get("options", [])
        )
    if kind.endswith("select"):
        initial = el.get("initial_option")
        shown = _option_label(initial) if initial else el.get("initial_user") or placeholder or "Select"
        return f"[{shown} ▾]"
    if kind == "datepicker":
        return f"[date: {el.get('initial_date') or placeholder or 'pick a date'}]"
    if kind == "timepicker":
        return f"[time: {el.get('initial_time') or placeholder or 'pick a time'}]"
    if kind == "image":
        return f"[image: {el.get('alt_text', '')}]"
    return f"[{kind}]"


def _rich_text(node: Any) -> str:
    if isinstance(node, dict):
        if node.get("type") == "text":
            return node.get("text", "")
        if node.get("type") == "user":
            return "@" + node.get("user_id", "")
        if node.get("type") == "link":
            return node.get("text") or node.get("url", "")
        return "".join(_rich_text(child) for child in node.get("elements", []))
    return ""


def render_blocks(blocks: list, users: dict | None = None) -> list[str]:
    users = users or {}
    lines: list[str] = []
    for block in blocks or []:
        kind = block.get("type")
        if kind == "header":
            lines.append("# " + _text(block.get("text"), users))
        elif kind == "section":
            if block.get("text"):
                lines += _text(block["text"], users).splitlines() or [""]
            for f in block.get("fields", []):
                lines.append("  " + _text(f, users).replace("\n", " / "))
            if isinstance(block.get("accessory"), dict):
                lines.append("  " + render_element(block["accessory"], users))
        elif kind == "divider":
            lines.append("-" * 20)
        elif kind == "context":
            parts = [
                f"[image: {el.get('alt_text', '')}]" if el.get("type") == "image" else _text(el, users)
                for el in block.get("elements", [])
            ]
            lines.append("  " + " · ".join(parts))
        elif kind == "actions":
            lines.append(" ".join(render_element(el, users) for el in block.get("elements", [])))
        elif kind == "input":
            label = _text(block.get("label"), users)
            optional = " (optional)" if block.get("optional") else ""
            el = block.get("element", {})
            initial = (
                el.get("initial_value") or _option_label(el.get("initial_option")) or el.get("initial_date")
            )
            lines.append(f"[input: {label}]{optional}" + (f" = {initial}" if initial else ""))
        elif kind == "image":
            lines.append(f"[image: {block.get('alt_text', '')}]")
        elif kind == "rich_text":
            lines += _rich_text(block).splitlines()
        elif kind == "markdown":
            lines += plain(block.get("text", ""), users).splitlines()
        else:
            lines.append(f"[{kind}]")
    return lines


def render_entry(entry: Seen, users: dict, who: str) -> list[str]:
    body = render_blocks(entry.blocks, users) if entry.blocks else plain(entry.text, users).splitlines()
    flag = " (updated)" if entry.updated else ""
    if entry.kind == "did":
        return [f"> {who}: {entry.text}"]
    if entry.kind == "error":
        return [f"!! {entry.text}"]
    if entry.kind in ("modal", "home"):
        name = f'modal "{entry.title}"' if entry.kind == "modal" else "home tab"
        if entry.removed:
            return [f"=== {name} closed ==="]
        view = entry.view or {}
        lines = [f"=== {name}{flag} ===", *body]
        buttons = [f"[{view[k]['text']}]" for k in ("submit", "close") if isinstance(view.get(k), dict)]
        if buttons:
            lines.append(" ".join(buttons))
        return [*lines, f"=== end {name} ==="]
    if entry.kind == "file":
        f = entry.file or {}
        line = f"[file: {f.get('title')} ({f.get('name')}, {f.get('size')} bytes)]"
        return [line] + ([plain(entry.text, users)] if entry.text else [])
    label = {
        "dm": "DM",
        "thread_reply": "DM thread reply",
        "ephemeral": "only visible to you",
        "response": "only visible to you",
        "channel": f"channel {entry.channel}",
    }.get(entry.kind, entry.kind)
    if entry.removed:
        return [f"--- {label} {entry.ts} deleted ---"]
    return [f"--- {label}{flag} ---", *body]


def render_transcript(ws: Workspace, uid: str) -> str:
    with ws.lock:
        users = dict(ws.users)
        entries = list(ws.log.get(uid, []))
        who = users[uid]["real_name"] if uid in users else uid
        channel_names = {cid: c["name"] for cid, c in ws.channels.items() if not c["is_im"]}
    lines: list[str] = []
    for entry in entries:
        if entry.kind == "channel" and entry.channel in channel_names:
            entry = Seen(**{**entry.__dict__, "channel": "#" + channel_names[entry.channel]})
        lines += render_entry(entry, users, who)
    return "\n".join(lines) + ("\n" if lines else "")
