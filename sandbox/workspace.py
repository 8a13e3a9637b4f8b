"""Workspace state: people, channels and DMs, messages, ephemerals, views, files, and what each person saw.

One re-entrant lock guards everything; the HTTP server threads and the test thread share it.
Never hold it while calling the app (the app calls back into the Web API while it handles a request).
"""

import copy
import mimetypes
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sandbox.blockkit import MAX_MESSAGE_TEXT, interactive_elements
from sandbox.errors import ApiError, SandboxError

TRIGGER_TTL = 3.0  # seconds a trigger_id can be exchanged for a view
RESPONSE_URL_USES = 5
RESPONSE_URL_TTL = 30 * 60
MODAL_STACK_MAX = 3


@dataclass
class Seen:
    """One thing a person saw (or, with kind "did", one thing the person did)."""

    kind: str  # dm | thread_reply | ephemeral | response | channel | modal | home | file | error | did
    text: str = ""
    blocks: list = field(default_factory=list)
    ts: str | None = None
    channel: str | None = None
    thread_ts: str | None = None
    view_id: str | None = None
    updated: bool = False
    removed: bool = False  # message deleted / modal closed
    title: str | None = None  # modal title, file title
    view: dict | None = None
    file: dict | None = None
    at: float = field(default_factory=time.time)


@dataclass
class Call:
    """One Web API call as the sandbox answered it."""

    method: str
    args: dict
    status: int
    error: str | None
    time: float = field(default_factory=time.time)
    ref: str | None = None  # a response_url's token: which request's answer this was

    @property
    def ok(self) -> bool:
        return self.status == 200 and self.error is None


def _tz_facts(tz: str) -> tuple[str, int]:
    try:
        now = datetime.now(ZoneInfo(tz))
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise SandboxError(f"unknown time zone {tz!r}") from exc
    offset = now.utcoffset()
    return now.tzname() or tz, int(offset.total_seconds()) if offset else 0


def _fill_ids(blocks: list, prefix: str) -> list:
    """Slack generates block_id / action_id where the app left them out; so does the sandbox."""
    blocks = copy.deepcopy(blocks or [])
    for i, block in enumerate(blocks):
        if isinstance(block, dict) and "block_id" not in block:
            block["block_id"] = f"{prefix}{i}"
    for n, (_block, el) in enumerate(interactive_elements(blocks)):
        if "action_id" not in el:
            el["action_id"] = f"{prefix}a{n}"
    return blocks


class Workspace:
    def __init__(self, *, team_id: str, bot_user_id: str, bot_id: str, app_id: str, team_domain: str):
        self.lock = threading.RLock()
        self.team_id, self.team_domain = team_id, team_domain
        self.bot_user_id, self.bot_id, self.app_id = bot_user_id, bot_id, app_id
        self.bot_name = "checkins"
        self.trigger_ttl = TRIGGER_TTL
        self.by_email: dict[str, str] = {}  # lower-cased email -> user id: lookups at org scale
        self.users: dict[str, dict] = {}
        self.channels: dict[str, dict] = {}
        self.dm_by_user: dict[str, str] = {}
        self.ephemerals: list[dict] = []
        self.views: dict[str, dict] = {}
        self.view_owner: dict[str, str] = {}
        self.view_state: dict[str, dict] = {}  # view_id -> {block_id: {action_id: value}} the person set
        self.stacks: dict[str, list[str]] = {}
        self.homes: dict[str, str] = {}
        self.errors_shown: dict[str, dict] = {}
        self.triggers: dict[str, dict] = {}
        self.response_urls: dict[str, dict] = {}
        self.files: dict[str, dict] = {}
        self.log: dict[str, list[Seen]] = {}
        self.calls: list[Call] = []
        self.problems: list[str] = []
        self.events: dict[str, dict] = {}
        self.sent: list = []  # every request sent to the app (driver Replies), in order
        self._counters: dict[str, int] = {}
        self._last_us = 0
        self._add_user_record(
            bot_user_id, name=self.bot_name, real_name="Check-ins", email=None, tz="America/Los_Angeles"
        )
        self.users[bot_user_id].update(is_bot=True, is_app_user=False)
        self.users[bot_user_id]["profile"].update(bot_id=bot_id, api_app_id=app_id, always_active=True)
        # Slackbot is in every workspace's users.list and is not flagged is_bot: apps must skip it.
        self._add_user_record("USLACKBOT", name="slackbot", real_name="Slackbot", email=None, tz=None)

    # -- ids ------------------------------------------------------------------------------------
    def new_id(self, prefix: str) -> str:
        with self.lock:
            n = self._counters.get(prefix, 0) + 1
            self._counters[prefix] = n
            return f"{prefix}{n:08d}"  # at least 9 characters, as Slack's ids (files.* checks the pattern)

    def new_ts(self) -> str:
        """Message timestamps: unix time with microseconds, strictly increasing."""
        with self.lock:
            us = max(int(time.time() * 1_000_000), self._last_us + 1)
            self._last_us = us
            return f"{us // 1_000_000}.{us % 1_000_000:06d}"

    # -- people ---------------------------------------------------------------------------------
    def _add_user_record(
        self, uid: str, *, name: str, real_name: str, email: str | None, tz: str | None, deleted=False
    ) -> dict:
        tz = tz or "America/Los_Angeles"
        tz_label, tz_offset = _tz_facts(tz)
        first, _, last = real_name.partition(" ")
        profile = {
            "real_name": real_name,
            "real_name_normalized": real_name,
            "display_name": name,
            "display_name_normalized": name,
            "first_name": first,
            "last_name": last,
            "title": "",
            "phone": "",
            "status_text": "",
            "status_emoji": "",
            "image_24": f"https://avatars.sandbox.invalid/{uid}_24.png",
            "image_72": f"https://avatars.sandbox.invalid/{uid}_72.png",
            "team": self.team_id,
        }
        if email:
            profile["email"] = email
            self.by_email[email.lower()] = uid
        user = {
            "id": uid,
            "team_id": self.team_id,
            "name": name,
            "deleted": deleted,
            "color": "9f69e7",
            "real_name": real_name,
            "tz": tz,
            "tz_label": tz_label,
            "tz_offset": tz_offset,
            "profile": profile,
            "is_admin": False,
            "is_owner": False,
            "is_primary_owner": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": False,
            "is_app_user": False,
            "updated": int(time.time()),
            "is_email_confirmed": bool(email),
        }
        self.users[uid] = user
        return user

    def add_user(
        self,
        *,
        email: str,
        real_name: str,
        name: str | None,
        tz: str,
        is_bot: bool,
        deleted: bool,
        is_admin: bool,
    ) -> str:
        with self.lock:
            if email.lower() in self.by_email:
                raise SandboxError(f"a user with email {email!r} already exists")
            uid = self.new_id("U")
            user = self._add_user_record(
                uid,
                name=name or email.split("@")[0],
                real_name=real_name,
                email=None if is_bot else email,
                tz=tz,
                deleted=deleted,
            )
            user.update(is_bot=is_bot, is_admin=is_admin)
            return uid

    def update_user(self, uid: str, **changes: Any) -> dict:
        with self.lock:
            user = self.user_record(uid)
            for key, value in changes.items():
                if key == "tz":
                    user["tz"] = value
                    user["tz_label"], user["tz_offset"] = _tz_facts(value)
                elif key == "real_name":
                    user["real_name"] = value
                    user["profile"].update(real_name=value, real_name_normalized=value)
                elif key == "name":
                    user["name"] = value
                    user["profile"].update(display_name=value, display_name_normalized=value)
                elif key == "email":
                    self.by_email.pop(user["profile"].get("email", "").lower(), None)
                    user["profile"]["email"] = value
                    self.by_email[value.lower()] = uid
                elif key in ("deleted", "is_admin", "is_bot", "is_owner", "is_restricted"):
                    user[key] = bool(value)
                else:
                    raise SandboxError(f"update_user cannot change {key!r}")
            user["updated"] = int(time.time())
            return copy.deepcopy(user)

    def user_record(self, uid: str) -> dict:
        try:
            return self.users[uid]
        except KeyError:
            raise SandboxError(f"no user {uid!r} in the sandbox") from None

    def person(self, uid: str) -> dict:
        """A user the driver may act as: exists, is human, is active."""
        user = self.user_record(uid)
        if user["is_bot"] or uid == "USLACKBOT":
            raise SandboxError(f"{uid} is a bot; bots do not click or type")
        if user["deleted"]:
            raise SandboxError(f"{uid} is deactivated and can no longer use Slack")
        return user

    def humans(self) -> list[str]:
        return [
            uid
            for uid, u in self.users.items()
            if not u["is_bot"] and not u["deleted"] and uid != "USLACKBOT"
        ]

    # -- channels -------------------------------------------------------------------------------
    def add_channel(
        self, name: str, *, is_private: bool, members: list[str] | None, app_member: bool = True
    ) -> str:
        with self.lock:
            name = name.lstrip("#")
            if any(c.get("name") == name for c in self.channels.values()):
                raise SandboxError(f"channel #{name} already exists")
            for uid in members or []:
                self.user_record(uid)
            cid = self.new_id("G" if is_private else "C")
            self.channels[cid] = {
                "id": cid,
                "name": name,
                "is_im": False,
                "is_private": is_private,
                # None = everyone in the workspace (a public channel like #general)
                "members": None if members is None and not is_private else set(members or []),
                "created": int(time.time()),
                "messages": [],
                "app_member": app_member,
            }
            return cid

    def dm_channel(self, uid: str) -> str:
        """The user's DM with the app: one D… id per user, stable."""
        with self.lock:
            if uid not in self.dm_by_user:
                did = self.new_id("D")
                self.channels[did] = {
                    "id": did,
                    "name": uid,
                    "is_im": True,
                    "is_private": True,
                    "user": uid,
                    "members": {uid},
                    "created": int(time.time()),
                    "messages": [],
                }
                self.dm_by_user[uid] = did
            return self.dm_by_user[uid]

    def resolve_channel(self, ref: Any) -> dict:
        """A channel argument as chat.* take it: C…/G…/D… id, a user id (their DM), or a #name."""
        with self.lock:
            if not isinstance(ref, str) or not ref:
                raise ApiError("channel_not_found")
            if ref in self.channels:
                return self.channels[ref]
            if ref[0] in "UW" and ref in self.users:
                if ref == self.bot_user_id or ref == "USLACKBOT":
                    raise ApiError("cannot_dm_bot")
                return self.channels[self.dm_channel(ref)]
            name = ref.lstrip("#")
            for channel in self.channels.values():
                if not channel["is_im"] and channel["name"] == name:
                    return channel
            raise ApiError("channel_not_found")

    def audience(self, channel: dict) -> list[str]:
        if channel["members"] is None:
            return self.humans()
        return sorted(channel["members"])

    def is_member(self, channel: dict, uid: str) -> bool:
        return channel["members"] is None or uid in channel["members"]

    def channel_name(self, channel: dict) -> str:
        return "directmessage" if channel["is_im"] else channel["name"]

    # -- what people saw ------------------------------------------------------------------------
    def show(self, uid: str, entry: Seen) -> None:
        with self.lock:
            self.log.setdefault(uid, []).append(entry)

    def did(self, uid: str, text: str, **fields: Any) -> None:
        self.show(uid, Seen(kind="did", text=text, **fields))

    def flag(self, problem: str) -> None:
        """Something Slack would refuse or show as an error without telling the app's API caller."""
        with self.lock:
            self.problems.append(problem)

    # -- messages -------------------------------------------------------------------------------
    def bot_message(self, text: str, blocks: list | None, ts: str) -> dict:
        message = {
            "type": "message",
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "text": text,
            "ts": ts,
            "team": self.team_id,
            "bot_profile": {
                "id": self.bot_id,
                "app_id": self.app_id,
                "name": self.bot_name,
                "deleted": False,
                "team_id": self.team_id,
            },
        }
        if blocks:
            message["blocks"] = _fill_ids(blocks, f"b{ts.replace('.', '')}_")
        return message

    def post_message(
        self,
        channel: dict,
        *,
        text: str,
        blocks: list | None,
        thread_ts: str | None = None,
        user: str | None = None,
        files: list | None = None,
        metadata: dict | None = None,
    ) -> dict:
        """Store a message (the bot's unless `user` is given) and show it to the channel's audience."""
        with self.lock:
            ts = self.new_ts()
            text = (text or "")[:MAX_MESSAGE_TEXT]  # Slack truncates past 40,000 characters
            if user is None:
                message = self.bot_message(text, blocks, ts)
            else:
                message = {"type": "message", "user": user, "text": text, "ts": ts, "team": self.team_id}
                if blocks:
                    message["blocks"] = copy.deepcopy(blocks)
            if files:
                message.update(files=files, upload=True, display_as_bot=False)
            if metadata:
                message["metadata"] = copy.deepcopy(metadata)
            if thread_ts:
                message["thread_ts"] = thread_ts
                parent = self.find_message(channel["id"], thread_ts)
                if parent is not None:
                    parent["thread_ts"] = thread_ts
                    parent["reply_count"] = parent.get("reply_count", 0) + 1
                    parent["latest_reply"] = ts
                    who = user or self.bot_user_id
                    parent["reply_users"] = sorted(set(parent.get("reply_users", [])) | {who})
            stored = dict(message, channel=channel["id"])
            channel["messages"].append(stored)
            if user is None:
                self._show_message(channel, stored)
            return stored

    def _show_message(self, channel: dict, message: dict, *, updated=False, removed=False) -> None:
        thread_ts = message.get("thread_ts")
        in_thread = bool(thread_ts) and thread_ts != message["ts"]
        kind = ("thread_reply" if in_thread else "dm") if channel["is_im"] else "channel"
        for uid in self.audience(channel):
            if message.get("files"):
                for f in message["files"]:
                    self.show(
                        uid,
                        Seen(
                            kind="file",
                            text=message.get("text", ""),
                            ts=message["ts"],
                            channel=channel["id"],
                            thread_ts=thread_ts if in_thread else None,
                            title=f.get("title"),
                            file=f,
                        ),
                    )
                continue
            self.show(
                uid,
                Seen(
                    kind=kind,
                    text=message.get("text", ""),
                    blocks=copy.deepcopy(message.get("blocks", [])),
                    ts=message["ts"],
                    channel=channel["id"],
                    thread_ts=thread_ts if in_thread else None,
                    updated=updated,
                    removed=removed,
                ),
            )

    def find_message(self, cid: str, ts: str) -> dict | None:
        channel = self.channels.get(cid)
        if channel is None:
            return None
        for message in channel["messages"]:
            if message["ts"] == ts:
                return message
        return None

    def update_message(self, channel: dict, ts: str, *, text: str | None, blocks: list | None) -> dict:
        with self.lock:
            message = self.find_message(channel["id"], ts)
            if message is None:
                raise ApiError("message_not_found")
            if message.get("bot_id") != self.bot_id:
                raise ApiError("cant_update_message")
            # Slack keeps the old text/blocks for whichever argument is left out; [] removes blocks.
            if text is not None:
                message["text"] = text[:MAX_MESSAGE_TEXT]
            if blocks is not None:
                if blocks:
                    message["blocks"] = _fill_ids(blocks, f"b{ts.replace('.', '')}_")
                else:
                    message.pop("blocks", None)
            message["edited"] = {"user": self.bot_user_id, "ts": self.new_ts()}
            self._show_message(channel, message, updated=True)
            return message

    def delete_message(self, channel: dict, ts: str) -> None:
        with self.lock:
            message = self.find_message(channel["id"], ts)
            if message is None:
                raise ApiError("message_not_found")
            if message.get("bot_id") != self.bot_id:
                raise ApiError("cant_delete_message")
            channel["messages"].remove(message)
            self._show_message(channel, message, removed=True)

    # -- ephemerals -----------------------------------------------------------------------------
    def post_ephemeral(
        self,
        channel: dict,
        uid: str,
        *,
        text: str,
        blocks: list | None,
        thread_ts: str | None = None,
        kind: str = "ephemeral",
    ) -> dict:
        with self.lock:
            ts = self.new_ts()
            record = {
                "type": "message",
                "subtype": "ephemeral",
                "is_ephemeral": True,
                "user": self.bot_user_id,
                "bot_id": self.bot_id,
                "text": (text or "")[:MAX_MESSAGE_TEXT],
                "ts": ts,
                "message_ts": ts,
                "channel": channel["id"],
                "to": uid,
                "kind": kind,
            }
            if blocks:
                record["blocks"] = _fill_ids(blocks, f"e{ts.replace('.', '')}_")
            if thread_ts:
                record["thread_ts"] = thread_ts
            self.ephemerals.append(record)
            self._show_ephemeral(record)
            return record

    def _show_ephemeral(self, record: dict, *, updated=False, removed=False) -> None:
        self.show(
            record["to"],
            Seen(
                kind=record["kind"],
                text=record["text"],
                blocks=copy.deepcopy(record.get("blocks", [])),
                ts=record["ts"],
                channel=record["channel"],
                thread_ts=record.get("thread_ts"),
                updated=updated,
                removed=removed,
            ),
        )

    def find_ephemeral(self, uid: str, ts: str) -> dict | None:
        for record in self.ephemerals:
            if record["to"] == uid and record["ts"] == ts:
                return record
        return None

    def replace_ephemeral(self, record: dict, *, text: str, blocks: list | None) -> None:
        with self.lock:
            record["text"] = (text or "")[:MAX_MESSAGE_TEXT]
            if blocks:
                record["blocks"] = _fill_ids(blocks, f"e{record['ts'].replace('.', '')}_")
            else:
                record.pop("blocks", None)
            self._show_ephemeral(record, updated=True)

    def delete_ephemeral(self, record: dict) -> None:
        with self.lock:
            if record in self.ephemerals:
                self.ephemerals.remove(record)
                self._show_ephemeral(record, removed=True)

    # -- views ----------------------------------------------------------------------------------
    def _new_hash(self) -> str:
        return f"{int(time.time())}.{secrets.token_hex(4)}"

    def _build_view(self, uid: str, spec: dict, *, view_id: str, root: str, previous: str | None) -> dict:
        view = {
            "id": view_id,
            "team_id": self.team_id,
            "type": spec["type"],
            "blocks": _fill_ids(spec.get("blocks", []), f"{view_id}_"),
            "private_metadata": spec.get("private_metadata", ""),
            "callback_id": spec.get("callback_id", ""),
            "state": {"values": {}},
            "hash": self._new_hash(),
            "title": copy.deepcopy(spec.get("title")),
            "clear_on_close": bool(spec.get("clear_on_close", False)),
            "notify_on_close": bool(spec.get("notify_on_close", False)),
            "close": copy.deepcopy(spec.get("close")),
            "submit": copy.deepcopy(spec.get("submit")),
            "previous_view_id": previous,
            "root_view_id": root,
            "app_id": self.app_id,
            "external_id": spec.get("external_id", ""),
            "app_installed_team_id": self.team_id,
            "bot_id": self.bot_id,
        }
        if spec["type"] == "home":
            for key in ("title", "close", "submit", "clear_on_close", "notify_on_close"):
                view.pop(key, None)
        self.views[view_id] = view
        self.view_owner[view_id] = uid
        return view

    def _check_external_id(self, spec: dict, replacing: str | None = None) -> None:
        ext = spec.get("external_id")
        if ext and any(v.get("external_id") == ext and vid != replacing for vid, v in self.live_views()):
            raise ApiError("duplicate_external_id")

    def live_views(self) -> list[tuple[str, dict]]:
        live = {vid for stack in self.stacks.values() for vid in stack} | set(self.homes.values())
        return [(vid, self.views[vid]) for vid in live]

    def _show_view(self, uid: str, view: dict, *, updated=False, removed=False) -> None:
        title = (view.get("title") or {}).get("text")
        self.show(
            uid,
            Seen(
                kind="modal" if view["type"] == "modal" else "home",
                blocks=copy.deepcopy(view["blocks"]),
                view_id=view["id"],
                title=title,
                view=copy.deepcopy(view),
                updated=updated,
                removed=removed,
            ),
        )

    def open_modal(self, uid: str, spec: dict) -> dict:
        with self.lock:
            self._check_external_id(spec)
            for vid in self.stacks.get(uid, []):  # a new root modal replaces whatever was open
                self._show_view(uid, self.views[vid], removed=True)
            view_id = self.new_id("V")
            view = self._build_view(uid, spec, view_id=view_id, root=view_id, previous=None)
            self.stacks[uid] = [view_id]
            self.errors_shown.pop(uid, None)
            self._show_view(uid, view)
            return view

    def push_modal(self, uid: str, spec: dict) -> dict:
        with self.lock:
            stack = self.stacks.get(uid) or []
            if not stack:
                raise ApiError("not_found")
            if len(stack) >= MODAL_STACK_MAX:
                raise ApiError("push_limit_reached")
            self._check_external_id(spec)
            view_id = self.new_id("V")
            view = self._build_view(uid, spec, view_id=view_id, root=stack[0], previous=stack[-1])
            stack.append(view_id)
            self.errors_shown.pop(uid, None)
            self._show_view(uid, view)
            return view

    def find_view(self, view_id: str | None = None, external_id: str | None = None) -> dict:
        with self.lock:
            for vid, view in self.live_views():
                if (view_id and vid == view_id) or (external_id and view.get("external_id") == external_id):
                    return view
            raise ApiError("not_found")

    def update_view(self, current: dict, spec: dict, hash_: str | None) -> dict:
        with self.lock:
            if hash_ and hash_ != current["hash"]:
                raise ApiError("hash_conflict")
            self._check_external_id(spec, replacing=current["id"])
            uid = self.view_owner[current["id"]]
            view = self._build_view(
                uid,
                spec,
                view_id=current["id"],
                root=current["root_view_id"],
                previous=current.get("previous_view_id"),
            )
            self._keep_state(view)
            self.errors_shown.pop(uid, None)
            self._show_view(uid, view, updated=True)
            return view

    def _keep_state(self, view: dict) -> None:
        """Slack keeps what the person entered in inputs whose block_id and action_id survive an update."""
        state = self.view_state.get(view["id"], {})
        present = {(b.get("block_id"), el.get("action_id")) for b, el in interactive_elements(view["blocks"])}
        kept = {
            bid: {aid: v for aid, v in actions.items() if (bid, aid) in present}
            for bid, actions in state.items()
        }
        self.view_state[view["id"]] = {bid: a for bid, a in kept.items() if a}

    def publish_home(self, uid: str, spec: dict, hash_: str | None) -> dict:
        with self.lock:
            current = self.views.get(self.homes.get(uid, ""))
            if current is not None and hash_ and hash_ != current["hash"]:
                raise ApiError("hash_conflict")
            self._check_external_id(spec, replacing=current["id"] if current else None)
            view_id = current["id"] if current else self.new_id("V")
            view = self._build_view(uid, spec, view_id=view_id, root=view_id, previous=None)
            view["root_view_id"] = None  # Home views are not part of a stack
            self.homes[uid] = view_id
            self._keep_state(view)
            self._show_view(uid, view, updated=current is not None)
            return view

    def pop_modal(self, uid: str) -> dict | None:
        with self.lock:
            stack = self.stacks.get(uid) or []
            if not stack:
                return None
            view = self.views[stack.pop()]
            self.errors_shown.pop(uid, None)
            self._show_view(uid, view, removed=True)
            return view

    def clear_modals(self, uid: str) -> None:
        with self.lock:
            while self.stacks.get(uid):
                self.pop_modal(uid)

    def top_modal(self, uid: str) -> dict | None:
        with self.lock:
            stack = self.stacks.get(uid) or []
            return self.views[stack[-1]] if stack else None

    # -- triggers and response_urls -------------------------------------------------------------
    def issue_trigger(self, uid: str) -> str:
        with self.lock:
            trigger_id = f"{int(time.time())}.{self.team_id[1:]}.{secrets.token_hex(16)}"
            self.triggers[trigger_id] = {"user": uid, "issued": time.monotonic(), "used": False}
            return trigger_id

    def date_trigger(self, trigger_id: str, issued: float) -> None:
        """When the click that made this trigger happened (time.monotonic()): a benchmark builds its
        requests ahead of sending them, and a trigger lives 3 s from the click."""
        with self.lock:
            self.triggers[trigger_id]["issued"] = issued

    def exchange_trigger(self, trigger_id: Any) -> str:
        with self.lock:
            trigger = self.triggers.get(trigger_id) if isinstance(trigger_id, str) else None
            if trigger is None:
                raise ApiError("invalid_trigger_id")
            if trigger["used"]:
                raise ApiError("exchanged_trigger_id")
            if time.monotonic() - trigger["issued"] > self.trigger_ttl:
                raise ApiError("expired_trigger_id")
            trigger["used"] = True
            return trigger["user"]

    def issue_response_url(self, uid: str, channel: str, source: dict) -> str:
        with self.lock:
            token = secrets.token_urlsafe(18)
            self.response_urls[token] = {
                "user": uid,
                "channel": channel,
                "source": source,  # {"kind": "command"} or {"kind": "message", "ts", "ephemeral"}
                "created": time.monotonic(),
                "uses": 0,
            }
            return token

    def use_response_url(self, token: str) -> dict:
        with self.lock:
            record = self.response_urls.get(token)
            if record is None:
                raise ApiError("invalid_url", status=404)
            if time.monotonic() - record["created"] > RESPONSE_URL_TTL:
                raise ApiError("expired_url", status=404)
            if record["uses"] >= RESPONSE_URL_USES:
                raise ApiError("used_url", status=404)
            record["uses"] += 1
            return record

    # -- files ----------------------------------------------------------------------------------
    def create_upload(self, filename: str, length: int, alt_txt: str | None) -> dict:
        with self.lock:
            fid = self.new_id("F")
            now = int(time.time())
            mimetype = mimetypes.guess_type(filename)[0] or "application/octet-stream"
            ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "binary"
            self.files[fid] = {
                "id": fid,
                "created": now,
                "timestamp": now,
                "name": filename,
                "title": filename,
                "mimetype": mimetype,
                "filetype": ext,
                "pretty_type": ext.upper(),
                "user": self.bot_user_id,
                "user_team": self.team_id,
                "editable": False,
                "size": length,
                "mode": "hosted",
                "is_external": False,
                "external_type": "",
                "is_public": False,
                "public_url_shared": False,
                "display_as_bot": False,
                "username": "",
                "url_private": f"https://files.sandbox.invalid/files-pri/{self.team_id}-{fid}/{filename}",
                "url_private_download": f"https://files.sandbox.invalid/files-pri/{self.team_id}-{fid}/download/{filename}",
                "permalink": f"https://{self.team_domain}.slack.com/files/{self.bot_user_id}/{fid}/{filename}",
                "channels": [],
                "groups": [],
                "ims": [],
                "comments_count": 0,
                "alt_txt": alt_txt or "",
                "_bytes": None,
                "_declared_length": length,
            }
            return self.files[fid]

    def public_file(self, fid: str) -> dict:
        f = self.files.get(fid)
        if f is None:
            raise ApiError("file_not_found")
        return {k: copy.deepcopy(v) for k, v in f.items() if not k.startswith("_")}

    # -- snapshots for tests --------------------------------------------------------------------
    def visible_messages(self, uid: str) -> list[tuple[str, dict, dict | None]]:
        """(surface, message, channel) a person can see, newest first: DM, ephemerals, channels."""
        with self.lock:
            found: list[tuple[str, dict, dict | None]] = []
            for channel in self.channels.values():
                if not self.is_member(channel, uid):
                    continue
                surface = "dm" if channel["is_im"] else "channel"
                found += [(surface, m, channel) for m in channel["messages"]]
            found += [
                (r["kind"], r, self.channels.get(r["channel"])) for r in self.ephemerals if r["to"] == uid
            ]
            found.sort(key=lambda item: float(item[1]["ts"]), reverse=True)
            return found
