"""Acting toward the app as Slack and as people do: signed slash commands, interactions and events.

Every request is built the way Slack builds it (form fields, `payload` JSON, event envelopes) and
sent over HTTP to the app's request URL, signed with the signing secret, or in Socket Mode as an
envelope on one of the app's WebSocket connections. What the app answers in its ack is then handled
as Slack would: shown to the person, or refused. Only `_post` knows which transport is in use.
"""

import copy
import datetime as dt
import http.client
import json
import re
import secrets
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sandbox.blockkit import (
    MAX_VIEW_BYTES,
    interactive_elements,
    message_block_errors,
    view_errors,
    view_size,
)
from sandbox.errors import ApiError, SandboxError
from sandbox.signing import signed_headers
from sandbox.socket_mode import SocketModeServer, envelope_for
from sandbox.workspace import Seen, Workspace

VERIFICATION_TOKEN = "sandbox-verification-token"  # the legacy `token` field Slack still sends
RETRY_DELAYS = (0, 60, 300)  # Slack retries an unacknowledged event at once, after 1 min, after 5 min
USER_AGENT = "Slackbot 1.0 (+https://api.slack.com/robots)"
REQUIRED_FIELD = "Please complete this required field."

# What Slack itself writes into a command's text for a mention, a channel or a special mention it formatted.
_SLACK_MARKUP = re.compile(r"<[@#!][^<>]*>")


def as_typed_in_slack(text: str) -> str:
    """A command's text as Slack sends it: the &, < and > typed escaped, Slack's own markup as is."""
    escape = lambda s: s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")  # noqa: E731
    parts, last = [], 0
    for match in _SLACK_MARKUP.finditer(text):
        parts += [escape(text[last : match.start()]), match.group()]
        last = match.end()
    return "".join([*parts, escape(text[last:])])


# Element type -> (key in state.values and in the action, initial_* key in the element).
STATE_KEYS: dict[str, tuple[str, str]] = {
    "plain_text_input": ("value", "initial_value"),
    "email_text_input": ("value", "initial_value"),
    "url_text_input": ("value", "initial_value"),
    "number_input": ("value", "initial_value"),
    "rich_text_input": ("rich_text_value", "initial_value"),
    "static_select": ("selected_option", "initial_option"),
    "external_select": ("selected_option", "initial_option"),
    "radio_buttons": ("selected_option", "initial_option"),
    "multi_static_select": ("selected_options", "initial_options"),
    "multi_external_select": ("selected_options", "initial_options"),
    "checkboxes": ("selected_options", "initial_options"),
    "users_select": ("selected_user", "initial_user"),
    "multi_users_select": ("selected_users", "initial_users"),
    "conversations_select": ("selected_conversation", "initial_conversation"),
    "multi_conversations_select": ("selected_conversations", "initial_conversations"),
    "channels_select": ("selected_channel", "initial_channel"),
    "multi_channels_select": ("selected_channels", "initial_channels"),
    "datepicker": ("selected_date", "initial_date"),
    "timepicker": ("selected_time", "initial_time"),
    "datetimepicker": ("selected_date_time", "initial_date_time"),
    "file_input": ("files", "_none"),
}
LIST_KEYS = {"selected_options", "selected_users", "selected_conversations", "selected_channels", "files"}


@dataclass
class Reply:
    """What the app answered (its ack) and what Slack made of it."""

    status: int  # 0 when the app never answered (timeout, refused connection) or nothing was sent
    body: str = ""
    json: Any = None
    elapsed: float = 0.0  # seconds until the ack arrived
    timed_out: bool = False
    error: str | None = None  # what Slack would report about this ack, if anything went wrong
    payload: Any = None  # what the sandbox sent
    attempts: list["Reply"] = field(default_factory=list)  # event deliveries, retries included
    envelope: dict | None = None  # in Socket Mode: the envelope that carried `payload`
    connection: int | None = None  # in Socket Mode: the connection it went out on

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


def _option_by_value(el: dict, value: Any) -> dict:
    options = list(el.get("options") or [])
    for group in el.get("option_groups") or []:
        options += group.get("options") or []
    for opt in options:
        if opt.get("value") == value:
            return copy.deepcopy(opt)
    shown = [o.get("value") for o in options]
    raise SandboxError(f"{el.get('action_id')!r} has no option with value {value!r}; it offers {shown}")


def state_value(el: dict, raw: Any, users: dict) -> Any:
    """What Slack carries for element `el` when the person chose `raw` (an option value, text, date...)."""
    kind = el.get("type")
    if kind in ("static_select", "external_select", "radio_buttons", "overflow"):
        return _option_by_value(el, raw)
    if kind in ("multi_static_select", "multi_external_select", "checkboxes"):
        raws = raw if isinstance(raw, list | tuple) else [raw]
        return [_option_by_value(el, r) for r in raws]
    if kind in ("users_select", "multi_users_select"):
        raws = raw if isinstance(raw, list | tuple) else [raw]
        for r in raws:
            if r not in users:
                raise SandboxError(f"{el.get('action_id')!r}: no user {r!r} to pick")
        return list(raws) if kind.startswith("multi_") else raws[0]
    if kind.startswith("multi_"):
        return list(raw) if isinstance(raw, list | tuple) else [raw]
    if kind == "datepicker":
        return raw.isoformat() if isinstance(raw, dt.date) else str(raw)
    if kind == "timepicker":
        return raw.strftime("%H:%M") if isinstance(raw, dt.time) else str(raw)
    if kind == "datetimepicker":
        return int(raw)
    if kind == "rich_text_input":
        if isinstance(raw, dict):
            return raw
        section = {"type": "rich_text_section", "elements": [{"type": "text", "text": str(raw)}]}
        return {"type": "rich_text", "elements": [section]}
    return None if raw is None else str(raw)


def state_values(blocks: list, chosen: dict) -> dict:
    """view.state.values as Slack builds it: every stateful element, initial value unless changed."""
    values: dict[str, dict] = {}
    for block, el in interactive_elements(blocks):
        keys = STATE_KEYS.get(el.get("type", ""))
        if keys is None:
            continue  # buttons and overflows hold no state
        key, initial_key = keys
        bid, aid = block.get("block_id"), el.get("action_id")
        if aid in chosen.get(bid, {}):
            value = chosen[bid][aid]
        else:
            value = copy.deepcopy(el.get(initial_key))
            if key == "rich_text_value" and isinstance(value, str):
                value = state_value(el, value, {})
        if key in LIST_KEYS and value is None:
            value = []
        values.setdefault(bid, {})[aid] = {"type": el["type"], key: value}
    return values


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == []


class Driver:
    """Mixed into Sandbox: everything a person (or Slack itself) does toward the app."""

    ws: Workspace
    signing_secret: str
    ack_timeout: float
    retry_delay_scale: float
    transport: str
    socket: SocketModeServer
    _urls: dict[str, str | None]
    _app_url: Any  # (kind, retry number or None) -> the URL this request goes to (sandbox/core.py)

    # -- toward the app: the one place where the transport matters ------------------------------
    def _post(
        self,
        kind: str,
        body: bytes,
        content_type: str,
        *,
        sign: bool,
        timestamp: int | None,
        retry: tuple[int, str | None] | None = None,
        payload: Any = None,
        headers: dict[str, str] | None = None,
        avoid: frozenset[int] = frozenset(),
    ) -> Reply:
        """Send one request (`retry` = (X-Slack-Retry-Num, reason) for event retries) and wait for its ack.
        `headers` go over HTTP as given, after the signature's (to forge one). `avoid`: Socket Mode
        connections that did not ack this event's earlier attempts."""
        if self.transport == "socket":
            self._genuine(sign, timestamp)  # refuses unsigned or dated requests
            reply = self._over_socket(kind, payload, retry, avoid)
        else:
            reply = self._over_http(kind, body, content_type, sign, timestamp, retry, headers or {})
        reply.payload = payload
        with self.ws.lock:
            self.ws.sent.append(reply)
        return reply

    def _over_socket(
        self, kind: str, payload: dict, retry: tuple[int, str | None] | None, avoid: frozenset[int]
    ) -> Reply:
        envelope = envelope_for(kind, payload, retry)
        got = self.socket.deliver(envelope, self.ack_timeout, avoid)
        if got.error == "no_socket_connection":
            self.ws.flag(f"no Socket Mode connection open: {envelope['type']} envelope not delivered")
        return Reply(
            status=200 if got.acked else 0,
            body=json.dumps(got.payload) if got.payload is not None else "",
            json=got.payload,
            elapsed=got.elapsed,
            timed_out=got.error == "timeout",
            error=got.error,
            envelope=envelope,
            connection=got.connection,
        )

    def _over_http(
        self,
        kind: str,
        body: bytes,
        content_type: str,
        sign: bool,
        timestamp: int | None,
        retry: tuple[int, str | None] | None,
        extra_headers: dict[str, str],
    ) -> Reply:
        url = self._app_url(kind, None if retry is None else retry[0])
        if not url:
            raise SandboxError("call sb.set_app_url(...) before acting toward the app")
        headers = {}
        if retry is not None:
            headers = {"X-Slack-Retry-Num": str(retry[0]), "X-Slack-Retry-Reason": retry[1] or "http_timeout"}
        all_headers = {"Content-Type": content_type, "User-Agent": USER_AGENT, **headers}
        all_headers.update(signed_headers(self.signing_secret, body, timestamp=timestamp, sign=sign))
        all_headers.update(extra_headers)
        request = urllib.request.Request(url, data=body, method="POST", headers=all_headers)
        # No proxies: the app is always on this machine.
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        start = time.monotonic()
        status, raw, timed_out, error = 0, b"", False, None
        try:
            with opener.open(request, timeout=self.ack_timeout) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status, raw = exc.code, exc.read()
        except TimeoutError:
            timed_out, error = True, "http_timeout"
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError):
                timed_out, error = True, "http_timeout"
            else:
                error = "connection_failed"
        except (OSError, http.client.HTTPException):  # the app's process died mid-request: no ack
            error = "connection_failed"
        elapsed = time.monotonic() - start
        if not timed_out and elapsed > self.ack_timeout:
            timed_out, error = True, "http_timeout"
        text = raw.decode("utf-8", errors="replace")
        try:
            parsed = json.loads(text) if text.strip() else None
        except ValueError:
            parsed = None
        if error is None and not 200 <= status < 300:
            error = "http_error"
        if timed_out:
            status = 0  # Slack stopped waiting; whatever came later does not count
        return Reply(status=status, body=text, json=parsed, elapsed=elapsed, timed_out=timed_out, error=error)

    # -- what Slack never sends: for tests of the app's defences --------------------------------------
    def send_raw(
        self,
        kind: str,
        body: bytes,
        content_type: str = "application/json",
        *,
        sign: bool = True,
        timestamp: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        """A body sent as is to the request URL of `kind` (commands, interactivity, events), signed unless
        `sign=False`: what an attacker, or a proxy that mangles bodies, could send. HTTP only."""
        if self.transport != "http":
            raise SandboxError("send_raw sends HTTP bodies: a test of them is HTTP-only")
        return self._post(kind, body, content_type, sign=sign, timestamp=timestamp, headers=headers)

    def send_payload(self, kind: str, payload: Any) -> Reply:
        """Any JSON value carried as Slack carries a request of `kind` over the current transport (a form,
        `payload=`, or a JSON body over HTTP, signed; an envelope's payload over Socket Mode): a payload
        malformed in ways Slack's own never are, with no ack handling and no retry."""
        if self.transport == "socket":
            return self._post(kind, b"", "", sign=True, timestamp=None, payload=payload)
        if kind == "commands" and isinstance(payload, dict):
            body, content_type = urllib.parse.urlencode(payload).encode(), "application/x-www-form-urlencoded"
        elif kind == "interactivity":
            body = urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()
            content_type = "application/x-www-form-urlencoded"
        else:
            body, content_type = json.dumps(payload).encode(), "application/json"
        return self._post(kind, body, content_type, sign=True, timestamp=None, payload=payload)

    def _post_form(self, kind: str, fields: dict, **kw: Any) -> Reply:
        return self._post(
            kind,
            urllib.parse.urlencode(fields).encode(),
            "application/x-www-form-urlencoded",
            payload=fields,
            **kw,
        )

    def _post_interaction(self, payload: dict, **kw: Any) -> Reply:
        body = urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()
        return self._post("interactivity", body, "application/x-www-form-urlencoded", payload=payload, **kw)

    # -- shared payload parts -------------------------------------------------------------------
    def _user_ref(self, uid: str) -> dict:
        user = self.ws.users[uid]
        return {"id": uid, "username": user["name"], "name": user["name"], "team_id": self.ws.team_id}

    def _team(self) -> dict:
        return {"id": self.ws.team_id, "domain": self.ws.team_domain}

    def _response_url(self, token: str) -> str:
        return f"{self.api_base}/response/{token}"

    @property
    def api_base(self) -> str:
        raise NotImplementedError

    def _genuine(self, sign: bool, timestamp: int | None) -> bool:
        """Whether a request is one Slack itself would send (signed, fresh), not a forgery or a replay.

        Only genuine requests come from something a person did: forged ones are sent to test the app's
        verification, and nobody sees what becomes of them. Socket Mode has no signatures to forge.
        """
        if self.transport == "socket" and (not sign or timestamp is not None):
            raise SandboxError(
                "sign=False / timestamp= test request signing: HTTP only (none in Socket Mode)"
            )
        return sign and (timestamp is None or abs(time.time() - timestamp) <= 300)

    def _fail(self, uid: str, reply: Reply, message: str) -> None:
        self.ws.show(uid, Seen(kind="error", text=message))
        self.ws.flag(f"{uid}: {message} (status {reply.status}, {reply.error})")

    # -- slash commands -------------------------------------------------------------------------
    def slash_command(
        self,
        uid: str,
        command: str,
        text: str = "",
        channel_id: str | None = None,
        *,
        sign: bool = True,
        timestamp: int | None = None,
    ) -> Reply:
        ws = self.ws
        user = ws.person(uid)
        channel = ws.channels.get(channel_id) if channel_id else None
        if channel_id and channel is None:
            raise SandboxError(f"no channel {channel_id!r}")
        if channel is None:
            channel = ws.channels[ws.dm_channel(uid)]
        if not ws.is_member(channel, uid):
            raise SandboxError(f"{uid} is not in {channel['id']} and cannot type a command there")
        token = ws.issue_response_url(uid, channel["id"], {"kind": "command"})
        fields = {
            "token": VERIFICATION_TOKEN,
            "team_id": ws.team_id,
            "team_domain": ws.team_domain,
            "enterprise_id": "",
            "channel_id": channel["id"],
            "channel_name": ws.channel_name(channel),
            "user_id": uid,
            "user_name": user["name"],
            "command": command,
            "text": as_typed_in_slack(text),
            "api_app_id": ws.app_id,
            "is_enterprise_install": "false",
            "response_url": self._response_url(token),
            "trigger_id": ws.issue_trigger(uid),
        }
        genuine = self._genuine(sign, timestamp)
        if genuine:
            ws.did(uid, f"{command} {text}".rstrip(), channel=channel["id"])
        reply = self._post_form("commands", fields, sign=sign, timestamp=timestamp)
        if not genuine:
            return reply
        if not reply.ok:
            reply.error = "operation_timeout" if reply.timed_out else "dispatch_failed"
            self._fail(uid, reply, f'{command} failed with the error "{reply.error}"')
            return reply
        if not reply.body.strip():
            return reply
        if not isinstance(reply.json, dict):
            ws.post_ephemeral(channel, uid, text=reply.body, blocks=None)  # a plain-text ack
            return reply
        body = reply.json
        blocks = body.get("blocks")
        errors = message_block_errors(blocks) if blocks else []
        if errors or not (body.get("text") or blocks):
            reply.error = "invalid_command_response"
            self._fail(uid, reply, f'{command} failed with the error "invalid_command_response" {errors}')
            return reply
        if body.get("response_type") == "in_channel":
            message = ws.post_message(channel, text=body.get("text", ""), blocks=blocks)
            if channel["is_im"]:
                self._on_bot_dm(channel, message)
        else:
            ws.post_ephemeral(channel, uid, text=body.get("text", ""), blocks=blocks)
        return reply

    # -- finding what a person can act on -------------------------------------------------------
    def _surfaces(self, uid: str, surface: str | None) -> list[tuple[str, dict, dict | None]]:
        """(surface kind, holder, channel) in the order a person meets them: modal, home, messages."""
        ws = self.ws
        with ws.lock:
            found: list[tuple[str, dict, dict | None]] = []
            top = ws.top_modal(uid)
            if top is not None and surface in (None, "modal"):
                found.append(("modal", top, None))
            home = ws.views.get(ws.homes.get(uid, ""))
            if home is not None and surface in (None, "home"):
                found.append(("home", home, None))
            for kind, message, channel in ws.visible_messages(uid):
                if surface in (None, "message", kind):
                    found.append((kind, message, channel))
            return found

    def _find(
        self, uid: str, action_id: str, value: Any, block_id: str | None, surface: str | None, by_option: bool
    ) -> tuple[str, dict, dict | None, dict, dict]:
        seen_ids = []
        for kind, holder, channel in self._surfaces(uid, surface):
            for block, el in interactive_elements(holder.get("blocks", [])):
                if kind not in ("modal", "home") and block.get("type") == "input":
                    continue
                seen_ids.append(f"{kind}:{el.get('action_id')}")
                if el.get("action_id") != action_id or (block_id and block.get("block_id") != block_id):
                    continue
                is_button = el.get("type") == "button"
                if value is not None and not by_option and is_button and el.get("value") != value:
                    continue
                if by_option and value is not None and el.get("options") is not None:
                    try:
                        _option_by_value(el, value)
                    except SandboxError:
                        continue
                return kind, holder, channel, block, el
        want = f"{action_id!r}" + (f" with value {value!r}" if value is not None else "")
        raise SandboxError(f"{uid} sees no element {want}; visible: {seen_ids or 'nothing interactive'}")

    # -- block_actions --------------------------------------------------------------------------
    def click(
        self,
        uid: str,
        action_id: str,
        value: Any = None,
        *,
        block_id: str | None = None,
        surface: str | None = None,
        sign: bool = True,
        timestamp: int | None = None,
        forge_value: str | None = None,
    ) -> Reply:
        """Click the newest visible element with `action_id` (a button; for selects, `value` picks).
        `forge_value` sends another value than the button carries, as a tampered client could."""
        self.ws.person(uid)
        kind, holder, channel, block, el = self._find(
            uid, action_id, value, block_id, surface, by_option=False
        )
        if el.get("type") != "button":
            if value is None:
                raise SandboxError(f"{action_id!r} is a {el.get('type')}: use select(uid, action_id, value)")
            return self._choose(uid, kind, holder, channel, block, el, value, sign=sign, timestamp=timestamp)
        action = {
            "action_id": el["action_id"],
            "block_id": block.get("block_id"),
            "text": copy.deepcopy(el.get("text")),
            "type": "button",
            "action_ts": f"{time.time():.6f}",
        }
        for key in ("value", "style", "url"):
            if key in el:
                action[key] = el[key]
        if forge_value is not None:
            action["value"] = forge_value
        if self._genuine(sign, timestamp):
            self.ws.did(uid, f"clicked [{el.get('text', {}).get('text', action_id)}]")
        return self._send_action(uid, kind, holder, channel, action, sign=sign, timestamp=timestamp)

    def forge_action(self, uid: str, action_id: str, value: str | None = None) -> Reply:
        """A signed block_actions for a button the person never saw, sent from their DM's newest message:
        what a tampered client could send. For tests of who may do what."""
        ws = self.ws
        with ws.lock:
            did = ws.dm_by_user.get(uid)
            channel = ws.channels[did] if did else None
            holder = copy.deepcopy(channel["messages"][-1]) if channel and channel["messages"] else None
        if holder is None:
            raise SandboxError(f"{uid} has no DM message to forge an action from")
        action = {
            "action_id": action_id,
            "block_id": "forged",
            "type": "button",
            "action_ts": f"{time.time():.6f}",
        }
        if value is not None:
            action["value"] = value
        return self._send_action(uid, "message", holder, channel, action, sign=True, timestamp=None)

    def select(
        self,
        uid: str,
        action_id: str,
        option_value: Any,
        *,
        block_id: str | None = None,
        surface: str | None = None,
        sign: bool = True,
        timestamp: int | None = None,
    ) -> Reply:
        """Choose `option_value` in a select / overflow / radio / checkboxes / picker the person sees."""
        self.ws.person(uid)
        kind, holder, channel, block, el = self._find(
            uid, action_id, option_value, block_id, surface, by_option=True
        )
        return self._choose(
            uid, kind, holder, channel, block, el, option_value, sign=sign, timestamp=timestamp
        )

    def type_in(self, uid: str, block_id: str, text: str) -> Reply:
        """Type `text` into input `block_id` of the modal on top without submitting: Slack keeps it in the
        view's state (and sends it along with a later action or views.update keeps it)."""
        ws = self.ws
        with ws.lock:
            view = ws.top_modal(uid)
            if view is None:
                raise SandboxError(f"{uid} has no modal open")
            found = [b for b in view["blocks"] if b.get("type") == "input" and b.get("block_id") == block_id]
        if not found:
            raise SandboxError(f"modal {view['id']} has no input {block_id!r}")
        block = found[0]
        return self._choose(
            uid, "modal", view, None, block, block["element"], text, sign=True, timestamp=None
        )

    def _choose(
        self, uid, kind, holder, channel, block, el, raw, *, sign: bool, timestamp: int | None
    ) -> Reply:
        ws = self.ws
        el_type = el.get("type", "")
        value = state_value(el, raw, ws.users)
        key = "selected_option" if el_type == "overflow" else STATE_KEYS.get(el_type, ("value", ""))[0]
        bid, aid = block.get("block_id"), el.get("action_id")
        genuine = self._genuine(sign, timestamp)
        if el_type != "overflow" and genuine:  # an overflow is a menu, not a field: it keeps no state
            holder_key = holder.get("id") or holder["ts"]  # a view's id, or a message's ts
            with ws.lock:
                ws.view_state.setdefault(holder_key, {}).setdefault(bid, {})[aid] = value
        if genuine:
            ws.did(uid, f"chose {raw!r} in {aid}")
        # Inputs in a modal only change its state, unless the block asks to dispatch the action.
        if block.get("type") == "input" and not block.get("dispatch_action"):
            return Reply(status=0, body="")
        action = {
            "type": el_type,
            "action_id": aid,
            "block_id": bid,
            key: value,
            "action_ts": f"{time.time():.6f}",
        }
        if "placeholder" in el:
            action["placeholder"] = copy.deepcopy(el["placeholder"])
        return self._send_action(uid, kind, holder, channel, action, sign=sign, timestamp=timestamp)

    def _send_action(
        self, uid: str, kind: str, holder: dict, channel: dict | None, action: dict, *, sign, timestamp
    ) -> Reply:
        ws = self.ws
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": self._user_ref(uid),
            "api_app_id": ws.app_id,
            "token": VERIFICATION_TOKEN,
            "trigger_id": ws.issue_trigger(uid),
            "team": self._team(),
            "enterprise": None,
            "is_enterprise_install": False,
        }
        with ws.lock:
            if kind in ("modal", "home"):
                view = copy.deepcopy(holder)
                view["state"] = {"values": state_values(view["blocks"], ws.view_state.get(view["id"], {}))}
                payload["container"] = {"type": "view", "view_id": view["id"]}
                payload["view"] = view
            else:
                ephemeral = bool(holder.get("is_ephemeral"))
                container = {
                    "type": "message",
                    "message_ts": holder["ts"],
                    "channel_id": channel["id"],
                    "is_ephemeral": ephemeral,
                }
                if holder.get("thread_ts") and holder["thread_ts"] != holder["ts"]:
                    container["thread_ts"] = holder["thread_ts"]
                payload["container"] = container
                payload["channel"] = {"id": channel["id"], "name": ws.channel_name(channel)}
                if not ephemeral:  # Slack does not echo an ephemeral message back
                    payload["message"] = {k: copy.deepcopy(v) for k, v in holder.items() if k != "channel"}
                chosen = ws.view_state.get(holder["ts"], {})
                payload["state"] = {"values": state_values(holder.get("blocks", []), chosen)}
                token = ws.issue_response_url(
                    uid, channel["id"], {"kind": "message", "ts": holder["ts"], "ephemeral": ephemeral}
                )
                payload["response_url"] = self._response_url(token)
        payload["actions"] = [action]
        reply = self._post_interaction(payload, sign=sign, timestamp=timestamp)
        if not reply.ok and self._genuine(sign, timestamp):
            self._fail(uid, reply, f"the app did not acknowledge {action['action_id']!r} ({reply.error})")
        return reply

    # -- modals ---------------------------------------------------------------------------------
    def submit_view(
        self,
        uid: str,
        values: dict | None = None,
        view_id: str | None = None,
        *,
        sign: bool = True,
        timestamp: int | None = None,
        forge_metadata: str | None = None,
    ) -> Reply:
        """Press the modal's submit button with `values` ({action_id or block_id: value}) entered.
        `forge_metadata` replaces the view's private_metadata, as a tampered client could."""
        ws = self.ws
        ws.person(uid)
        values = dict(values or {})
        with ws.lock:
            view = ws.top_modal(uid)
            if view is None:
                raise SandboxError(f"{uid} has no modal open")
            if view_id and view_id != view["id"]:
                raise SandboxError(f"{view_id} is not the modal on top for {uid} (that is {view['id']})")
            if not view.get("submit"):
                raise SandboxError(f"modal {view['id']} has no submit button")
            view = copy.deepcopy(view)
            chosen = copy.deepcopy(ws.view_state.get(view["id"], {}))
        client_errors: dict[str, str] = {}
        for block in view["blocks"]:
            if block.get("type") != "input":
                continue
            el = block.get("element", {})
            bid, aid = block.get("block_id"), el.get("action_id")
            for key in (aid, bid):
                if key in values:
                    chosen.setdefault(bid, {})[aid] = state_value(el, values.pop(key), ws.users)
                    break
        if values:
            raise SandboxError(f"modal {view['id']} has no input for {sorted(values)}")
        state = state_values(view["blocks"], chosen)
        # What Slack's client checks before anything is sent: required fields and text lengths.
        for block in view["blocks"]:
            if block.get("type") != "input":
                continue
            el = block.get("element", {})
            bid = block.get("block_id")
            entry = state.get(bid, {}).get(el.get("action_id"), {})
            value = next((v for k, v in entry.items() if k != "type"), None)
            if _is_empty(value):
                if not block.get("optional"):
                    client_errors[bid] = REQUIRED_FIELD
            elif isinstance(value, str) and el.get("type") == "plain_text_input":
                if len(value) < el.get("min_length", 0):
                    client_errors[bid] = f"Please enter at least {el['min_length']} characters."
                if len(value) > el.get("max_length", 3000):
                    client_errors[bid] = f"Please enter no more than {el.get('max_length', 3000)} characters."
        genuine = self._genuine(sign, timestamp)
        title = (view.get("title") or {}).get("text", view["id"])
        if genuine:
            with ws.lock:
                ws.view_state[view["id"]] = chosen
                if client_errors:
                    ws.errors_shown[uid] = client_errors
        if client_errors and genuine:
            ws.did(uid, f'tried to submit "{title}"', view_id=view["id"])
            ws.show(uid, Seen(kind="error", text=f"{title}: {client_errors}", view_id=view["id"]))
            return Reply(status=0, error="client_validation", json=client_errors)
        view["state"] = {"values": state}
        if forge_metadata is not None:
            view["private_metadata"] = forge_metadata
        payload = {
            "type": "view_submission",
            "team": self._team(),
            "user": self._user_ref(uid),
            "api_app_id": ws.app_id,
            "token": VERIFICATION_TOKEN,
            "trigger_id": ws.issue_trigger(uid),
            "view": view,
            "response_urls": [],
            "enterprise": None,
            "is_enterprise_install": False,
        }
        if genuine:
            ws.did(uid, f'submitted "{title}"', view_id=view["id"])
        reply = self._post_interaction(payload, sign=sign, timestamp=timestamp)
        if not genuine:
            return reply
        if not reply.ok:
            self._fail(uid, reply, f'"{title}": We had some trouble connecting. Try again?')
            return reply
        self._handle_submission_ack(uid, view, reply)
        return reply

    def _handle_submission_ack(self, uid: str, view: dict, reply: Reply) -> None:
        ws = self.ws
        body = reply.json if isinstance(reply.json, dict) else {}
        if reply.body.strip() and not isinstance(reply.json, dict):
            reply.error = "invalid_ack"
            self._fail(uid, reply, f"view_submission ack was not JSON: {reply.body[:200]!r}")
            return
        action = body.get("response_action")
        if action is None:
            ws.pop_modal(uid)
        elif action == "errors":
            errors = body.get("errors")
            inputs = {b.get("block_id") for b in view["blocks"] if b.get("type") == "input"}
            if not isinstance(errors, dict) or not errors or set(errors) - inputs:
                wrong = sorted(set(errors) - inputs) if isinstance(errors, dict) else errors
                reply.error = "invalid_errors"
                self._fail(uid, reply, f"response_action errors names no input block of the view: {wrong}")
                return
            with ws.lock:
                ws.errors_shown[uid] = dict(errors)
            ws.show(uid, Seen(kind="error", text=f"{errors}", view_id=view["id"]))
        elif action in ("update", "push"):
            spec = body.get("view")
            problems = self._view_problems(spec)
            if problems:
                reply.error = "invalid_arguments"
                self._fail(uid, reply, f"response_action {action} with an invalid view: {problems}")
                return
            try:
                if action == "update":
                    ws.update_view(ws.views[view["id"]], spec, None)
                else:
                    ws.push_modal(uid, spec)
            except ApiError as exc:
                reply.error = exc.error
                self._fail(uid, reply, f"response_action {action} refused: {exc.error}")
        elif action == "clear":
            ws.clear_modals(uid)
        else:
            reply.error = "invalid_response_action"
            self._fail(uid, reply, f"unknown response_action {action!r}")

    @staticmethod
    def _view_problems(spec: Any) -> list[str]:
        if isinstance(spec, dict) and view_size(spec) > MAX_VIEW_BYTES:
            return ["view_too_large"]
        return view_errors(spec, expected_type="modal")

    def close_view(self, uid: str, *, sign: bool = True, timestamp: int | None = None) -> Reply:
        """Press the modal's close (X) button: view_closed goes to the app only with notify_on_close."""
        ws = self.ws
        ws.person(uid)
        with ws.lock:
            view = ws.top_modal(uid)
            if view is None:
                raise SandboxError(f"{uid} has no modal open")
            view = copy.deepcopy(view)
            view["state"] = {"values": state_values(view["blocks"], ws.view_state.get(view["id"], {}))}
            cleared = bool(view.get("clear_on_close"))
            genuine = self._genuine(sign, timestamp)
            if genuine and cleared:
                ws.clear_modals(uid)
            elif genuine:
                ws.pop_modal(uid)
        if genuine:
            ws.did(uid, f'closed "{(view.get("title") or {}).get("text", view["id"])}"', view_id=view["id"])
        if not view.get("notify_on_close"):
            return Reply(status=0)
        payload = {
            "type": "view_closed",
            "team": self._team(),
            "user": self._user_ref(uid),
            "api_app_id": ws.app_id,
            "token": VERIFICATION_TOKEN,
            "view": view,
            "is_cleared": cleared,
            "enterprise": None,
            "is_enterprise_install": False,
        }
        reply = self._post_interaction(payload, sign=sign, timestamp=timestamp)
        if not reply.ok and genuine:
            ws.flag(f"{uid}: view_closed was not acknowledged ({reply.error})")
        return reply

    # -- events ---------------------------------------------------------------------------------
    def _envelope(self, event: dict, event_id: str | None) -> dict:
        ws = self.ws
        return {
            "token": VERIFICATION_TOKEN,
            "team_id": ws.team_id,
            "api_app_id": ws.app_id,
            "event": event,
            "type": "event_callback",
            "event_id": event_id or "Ev" + secrets.token_hex(5).upper(),
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": ws.team_id,
                    "user_id": ws.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
            "event_context": "4-" + secrets.token_hex(16),
        }

    def _deliver(
        self,
        envelope: dict,
        num: int | None,
        reason: str | None,
        sign: bool,
        timestamp,
        tried: Sequence[Reply] = (),
    ) -> Reply:
        body = json.dumps(envelope).encode()
        return self._post(
            "events",
            body,
            "application/json",
            sign=sign,
            timestamp=timestamp,
            retry=None if num is None else (num, reason),
            payload=envelope,
            avoid=frozenset(r.connection for r in tried if r.connection is not None),
        )

    def send_event(
        self,
        event: dict,
        *,
        event_id: str | None = None,
        retry_num: int | None = None,
        retry_reason: str | None = None,
        sign: bool = True,
        timestamp: int | None = None,
    ) -> Reply:
        """Deliver an event_callback; unless `retry_num` is given, retry as Slack does until acked."""
        envelope = self._envelope(copy.deepcopy(event), event_id)
        with self.ws.lock:
            self.ws.events[envelope["event_id"]] = envelope
        if retry_num is not None or not self._genuine(sign, timestamp):
            reply = self._deliver(envelope, retry_num, retry_reason, sign, timestamp)
            reply.attempts = [reply]
            return reply
        attempts = [self._deliver(envelope, None, None, sign, timestamp)]
        for num, delay in enumerate(RETRY_DELAYS, start=1):
            if attempts[-1].ok:
                break
            time.sleep(delay * self.retry_delay_scale)
            # over Socket Mode, on another connection than those that did not ack it, if one is open
            attempts.append(self._deliver(envelope, num, attempts[-1].error, sign, timestamp, attempts))
        reply = attempts[-1]
        reply.attempts = attempts
        if not reply.ok:
            self.ws.flag(
                f"event {envelope['event_id']} ({event.get('type')}) never acknowledged: {reply.error}"
            )
        return reply

    def retry_event(
        self,
        event_id: str,
        num: int = 1,
        reason: str | None = None,
        *,
        sign: bool = True,
        timestamp: int | None = None,
    ) -> Reply:
        """Send an already delivered event again, same event_id, as one of Slack's retries.
        `reason` defaults to the transport's timeout reason: "http_timeout", or "timeout" in Socket Mode."""
        with self.ws.lock:
            envelope = self.ws.events.get(event_id)
        if envelope is None:
            raise SandboxError(f"no event {event_id!r} was delivered")
        reply = self._deliver(envelope, num, reason, sign, timestamp)
        reply.attempts = [reply]
        return reply

    def url_verification(self, challenge: str | None = None) -> Reply:
        """Slack's check of a new Events request URL: the app must echo the challenge."""
        if self.transport == "socket":
            raise SandboxError("url_verification is HTTP only: Slack does not send it over Socket Mode")
        challenge = challenge or secrets.token_urlsafe(24)
        payload = {"token": VERIFICATION_TOKEN, "challenge": challenge, "type": "url_verification"}
        reply = self._post(
            "events", json.dumps(payload).encode(), "application/json", sign=True, timestamp=None
        )
        echoed = reply.json.get("challenge") if isinstance(reply.json, dict) else reply.body.strip()
        if not reply.ok or echoed != challenge:
            reply.error = reply.error or "challenge_failed"
            self.ws.flag(f"url_verification failed: status {reply.status}, body {reply.body[:200]!r}")
        return reply

    def send_dm(
        self,
        uid: str,
        text: str,
        thread_ts: str | None = None,
        *,
        sign: bool = True,
        timestamp: int | None = None,
    ) -> Reply:
        """The person writes to the app in their DM with it (a message.im event)."""
        ws = self.ws
        ws.person(uid)
        channel = ws.channels[ws.dm_channel(uid)]
        client_msg_id = str(uuid.uuid4())
        if self._genuine(sign, timestamp):
            message = ws.post_message(channel, text=text, blocks=None, thread_ts=thread_ts, user=uid)
            with ws.lock:
                message["client_msg_id"] = client_msg_id
            ws.did(uid, text, channel=channel["id"], ts=message["ts"], thread_ts=thread_ts)
        else:  # a forged message: the person never wrote it
            message = {"ts": ws.new_ts()}
        event = {
            "client_msg_id": client_msg_id,
            "type": "message",
            "text": text,
            "user": uid,
            "ts": message["ts"],
            "team": ws.team_id,
            "blocks": [
                {
                    "type": "rich_text",
                    "block_id": secrets.token_hex(3),
                    "elements": [{"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}],
                }
            ],
            "channel": channel["id"],
            "event_ts": message["ts"],
            "channel_type": "im",
        }
        if thread_ts:
            event["thread_ts"] = thread_ts
        return self.send_event(event, sign=sign, timestamp=timestamp)

    def say(self, uid: str, channel_id: str, text: str) -> str:
        """The person posts `text` in a channel they are in (the app subscribes to no channel messages, so
        no event goes): a message others there can see, and pick a message shortcut on. Its ts."""
        ws = self.ws
        with ws.lock:
            channel = ws.channels[channel_id]
            if not ws.is_member(channel, uid):
                raise SandboxError(f"{uid} is not in {channel_id}")
        message = ws.post_message(channel, text=text, blocks=None, user=uid)
        ws.did(uid, text, channel=channel_id, ts=message["ts"])
        return message["ts"]

    def message_shortcut(
        self,
        uid: str,
        callback_id: str,
        ts: str,
        *,
        sign: bool = True,
        timestamp: int | None = None,
    ) -> Reply:
        """The person picks the app's message shortcut `callback_id` on a message they can see (its `ts`):
        Slack's message_action, with the message as they see it and a trigger_id and response_url."""
        ws = self.ws
        ws.person(uid)
        seen = [(m, c) for kind, m, c in ws.visible_messages(uid) if m["ts"] == ts and c is not None]
        if not seen or seen[0][0].get("is_ephemeral"):
            raise SandboxError(f"{uid} sees no message {ts} to use a shortcut on")
        message, channel = seen[0]
        token = ws.issue_response_url(uid, channel["id"], {"kind": "command"})
        payload = {
            "type": "message_action",
            "callback_id": callback_id,
            "trigger_id": ws.issue_trigger(uid),
            "action_ts": f"{time.time():.6f}",
            "message_ts": ts,
            "user": self._user_ref(uid),
            "team": self._team(),
            "channel": {"id": channel["id"], "name": ws.channel_name(channel)},
            "message": {k: copy.deepcopy(v) for k, v in message.items() if k != "channel"},
            "response_url": self._response_url(token),
            "token": VERIFICATION_TOKEN,
            "enterprise": None,
            "is_enterprise_install": False,
        }
        if self._genuine(sign, timestamp):
            ws.did(uid, f"used the shortcut {callback_id} on a message")
        reply = self._post_interaction(payload, sign=sign, timestamp=timestamp)
        if not reply.ok and self._genuine(sign, timestamp):
            self._fail(
                uid, reply, f"the app did not acknowledge the shortcut {callback_id!r} ({reply.error})"
            )
        return reply

    def open_home(
        self,
        uid: str,
        tab: str = "home",
        *,
        sign: bool = True,
        timestamp: int | None = None,
        event_ts: float | None = None,
    ) -> Reply:
        """The person opens the app's Home (or Messages) tab: app_home_opened. `event_ts` (when it happened)
        delivers it late, as Slack does with an event whose first delivery was slow or retried."""
        ws = self.ws
        ws.person(uid)
        event: dict[str, Any] = {
            "type": "app_home_opened",
            "user": uid,
            "channel": ws.dm_channel(uid),
            "tab": tab,
            "event_ts": f"{time.time() if event_ts is None else event_ts:.6f}",
        }
        with ws.lock:
            home = ws.views.get(ws.homes.get(uid, ""))
            if tab == "home" and home is not None:
                event["view"] = copy.deepcopy(home)
        if self._genuine(sign, timestamp):
            ws.did(uid, f"opened the {tab.capitalize()} tab")
        return self.send_event(event, sign=sign, timestamp=timestamp)

    def announce_user_change(self, uid: str, *, sign: bool = True, timestamp: int | None = None) -> Reply:
        """A user_change event carrying the user's current profile (e.g. after deactivation)."""
        with self.ws.lock:
            user = copy.deepcopy(self.ws.user_record(uid))
        event = {
            "type": "user_change",
            "user": user,
            "cache_ts": int(time.time()),
            "event_ts": f"{time.time():.6f}",
        }
        return self.send_event(event, sign=sign, timestamp=timestamp)

    # -- the bot's own DM posts, echoed back as Slack does --------------------------------------
    echo_bot_messages: bool
    _echo_threads: list[threading.Thread]

    def _on_bot_dm(self, channel: dict, message: dict) -> None:
        if not self.echo_bot_messages:
            return
        event = {
            "type": "message",
            "text": message.get("text", ""),
            "user": self.ws.bot_user_id,
            "bot_id": self.ws.bot_id,
            "app_id": self.ws.app_id,
            "bot_profile": copy.deepcopy(message.get("bot_profile")),
            "ts": message["ts"],
            "team": self.ws.team_id,
            "channel": channel["id"],
            "event_ts": message["ts"],
            "channel_type": "im",
        }
        # Modern bot posts carry bot_id (no bot_message subtype): the app must skip them itself.
        if message.get("blocks"):
            event["blocks"] = copy.deepcopy(message["blocks"])
        if message.get("thread_ts"):
            event["thread_ts"] = message["thread_ts"]
        # Delivered from another thread: the app is still inside its chat.postMessage call.
        thread = threading.Thread(target=self.send_event, args=(event,), daemon=True)
        self._echo_threads.append(thread)
        thread.start()
