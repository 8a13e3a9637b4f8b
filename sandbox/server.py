"""The Slack Web API over real HTTP (werkzeug), plus upload URLs and response_urls.

Routes:
  /api/<method>          Web API (POST JSON or form, GET query), bearer token checked, rate limited
  /upload/<file_id>      the upload_url that files.getUploadURLExternal hands out (raw bytes POST)
  /response/<token>      response_urls handed out with slash commands and message block_actions
  /_sandbox/...          read-only debugging aids for `python -m sandbox`
"""

import base64
import binascii
import copy
import json
import logging
import re
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from sandbox.blockkit import MAX_VIEW_BYTES, message_block_errors, view_errors, view_size
from sandbox.errors import ApiError
from sandbox.ratelimits import RateLimiter
from sandbox.workspace import Call, Workspace

log = logging.getLogger(__name__)

JSON_ARGS = ("blocks", "attachments", "view", "files", "metadata")
BOT_SCOPES = ",".join(
    (
        "chat:write",
        "commands",
        "im:history",
        "im:write",
        "users:read",
        "users:read.email",
        "files:write",
        "channels:read",
        "groups:read",
    )
)
APP_TOKEN_METHODS = {"apps.connections.open": "connections:write"}  # method -> the app-level token's scope
USERS_PAGE_MAX = 1000  # users.list answers at most this many members a call, whatever `limit` asks
_CHANNEL_ID = re.compile(r"^[CGDZ][A-Z0-9]{8,}$")


def _json_response(body: dict, status: int = 200, headers: dict | None = None) -> Response:
    response = Response(json.dumps(body), status=status, content_type="application/json; charset=utf-8")
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _truthy(value: Any) -> bool:
    return value in (True, 1, "1", "true", "True")


def _strip(message: dict) -> dict:
    """A stored message as Slack shows it in API answers (no sandbox bookkeeping)."""
    return {k: copy.deepcopy(v) for k, v in message.items() if k not in ("channel", "to", "kind")}


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:  # one line per call drowns test output
        pass


class ApiServer:
    def __init__(
        self,
        ws: Workspace,
        limiter: RateLimiter,
        *,
        bot_token: str,
        on_bot_dm: Callable[[dict, dict], None],
        app_token: str = "",
        open_socket: Callable[[], str] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ):
        self.ws, self.limiter, self.bot_token = ws, limiter, bot_token
        self._injected: dict[tuple, list] = {}  # (method, channel or None) -> [remaining, error, status]
        self._injected_lock = threading.Lock()
        # method -> [remaining, seconds]: the next calls are taken, then acted on only after a while
        self._slow: dict[str, list] = {}
        self.slowed: list[dict] = []  # the arguments of each call held so, as it arrived
        self.app_token, self.open_socket = app_token, open_socket
        self.on_bot_dm = on_bot_dm
        self.host, self.port = host, port
        self._server = None
        self._thread: threading.Thread | None = None
        self.methods: dict[str, Callable[[dict], dict]] = {
            "api.test": lambda args: {"args": args},
            "apps.connections.open": self.apps_connections_open,
            "auth.test": self.auth_test,
            "chat.postMessage": self.chat_post_message,
            "chat.update": self.chat_update,
            "chat.postEphemeral": self.chat_post_ephemeral,
            "chat.delete": self.chat_delete,
            "conversations.open": self.conversations_open,
            "conversations.info": self.conversations_info,
            "conversations.history": self.conversations_history,
            "conversations.members": self.conversations_members,
            "conversations.replies": self.conversations_replies,
            "views.open": self.views_open,
            "views.push": self.views_push,
            "views.update": self.views_update,
            "views.publish": self.views_publish,
            "users.info": self.users_info,
            "users.list": self.users_list,
            "users.lookupByEmail": self.users_lookup_by_email,
            "files.getUploadURLExternal": self.files_get_upload_url,
            "files.completeUploadExternal": self.files_complete_upload,
            "files.info": self.files_info,
        }

    # -- lifecycle ------------------------------------------------------------------------------
    def start(self) -> None:
        self._server = make_server(
            self.host, self.port, self.wsgi, threaded=True, request_handler=_QuietHandler
        )
        self.port = self._server.server_port
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.01,), name="slack-sandbox", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    # -- routing --------------------------------------------------------------------------------
    def wsgi(self, environ, start_response):
        request = Request(environ)
        path = request.path
        try:
            if path.startswith("/api/"):
                response = self.api(request, path[len("/api/") :])
            elif path.startswith("/upload/") and request.method == "POST":
                response = self.upload(request, path[len("/upload/") :])
            elif path.startswith("/response/") and request.method == "POST":
                response = self.response_url(request, path[len("/response/") :])
            elif path.startswith("/_sandbox/"):
                response = self.debug(path[len("/_sandbox/") :])
            else:
                response = Response("not found", status=404)
        except Exception:  # a sandbox bug must not look like a Slack answer the app could trust
            self.ws.flag(f"sandbox bug while serving {path}: {traceback.format_exc()}")
            log.exception("sandbox failed serving %s", path)
            response = _json_response({"ok": False, "error": "fatal_error"}, status=500)
        return response(environ, start_response)

    def _args(self, request: Request) -> dict:
        args: dict[str, Any] = dict(request.args.items())
        args.update(request.form.items())
        if request.mimetype == "application/json" and request.get_data():
            body = request.get_json(silent=True)
            if not isinstance(body, dict):
                raise ApiError("invalid_json")
            args.update(body)
        for key in JSON_ARGS:
            if isinstance(args.get(key), str):
                try:
                    args[key] = json.loads(args[key])
                except ValueError:
                    raise ApiError(
                        "invalid_blocks_format" if key == "blocks" else "invalid_arguments"
                    ) from None
        return args

    def api(self, request: Request, method: str) -> Response:
        handler = self.methods.get(method)
        if handler is None:
            self._record(method, {}, 404, "unknown_method")
            return _json_response({"ok": False, "error": "unknown_method", "req_method": method}, 404)
        try:
            args = self._args(request)
        except ApiError as exc:
            self._record(method, {}, 200, exc.error)
            return _json_response({"ok": False, "error": exc.error})
        header = request.headers.get("Authorization", "")
        token = header[len("Bearer ") :] if header.startswith("Bearer ") else args.get("token")
        if method in APP_TOKEN_METHODS and not header.startswith("Bearer "):
            token = None  # Slack: the app-level token must come in the Authorization header
        args.pop("token", None)
        error = self._token_error(method, token)
        if error:
            self._record(method, args, 200, error)
            return _json_response({"ok": False, "error": error})

        channel_key = None
        if method == "chat.postMessage":
            try:
                channel_key = self.ws.resolve_channel(args.get("channel"))["id"]
            except ApiError:
                channel_key = None
        verdict = self.limiter.check(method, channel_key)
        if not verdict.allowed:
            self._record(method, args, 429, "ratelimited")
            return _json_response(
                {"ok": False, "error": "ratelimited"}, 429, {"Retry-After": str(verdict.retry_after)}
            )

        self._hold_if_slow(method, args)
        try:
            self._injected_error(method, args.get("channel") or args.get("user_id"))
            result = handler(args)
        except ApiError as exc:
            self._record(method, args, exc.status, exc.error)
            return _json_response({"ok": False, "error": exc.error, **exc.extra}, exc.status)
        self._record(method, args, 200, None)
        scopes = APP_TOKEN_METHODS.get(method, BOT_SCOPES)
        return _json_response({"ok": True, **result}, headers={"X-OAuth-Scopes": scopes})

    def inject_error(
        self, method: str, error: str, count: int = 1, status: int = 200, channel: str | None = None
    ) -> None:
        with self._injected_lock:
            self._injected[(method, channel)] = [count, error, status]

    def slow_down(self, method: str, seconds: float, count: int = 1) -> None:
        with self._injected_lock:
            self._slow[method] = [count, seconds]

    def slowed_calls(self) -> list[dict]:
        with self._injected_lock:
            return list(self.slowed)

    def _hold_if_slow(self, method: str, args: dict) -> None:
        with self._injected_lock:
            slow = self._slow.get(method)
            if not slow or slow[0] <= 0:
                return
            slow[0] -= 1
            self.slowed.append(copy.deepcopy(args))
        time.sleep(slow[1])

    def _injected_error(self, method: str, channel: Any) -> None:
        with self._injected_lock:
            for key in ((method, channel), (method, None)):
                injected = self._injected.get(key)
                if injected and injected[0] > 0:
                    injected[0] -= 1
                    raise ApiError(injected[1], status=injected[2])

    def _token_error(self, method: str, token: str | None) -> str | None:
        """apps.connections.open takes the app-level token only; every other method the bot token only."""
        if not token:
            return "not_authed"
        wanted = self.app_token if method in APP_TOKEN_METHODS else self.bot_token
        if token == wanted:
            return None
        return "not_allowed_token_type" if token in (self.app_token, self.bot_token) else "invalid_auth"

    def _record(
        self, method: str, args: dict, status: int, error: str | None, ref: str | None = None
    ) -> None:
        with self.ws.lock:
            self.ws.calls.append(Call(method=method, args=args, status=status, error=error, ref=ref))

    # -- checks shared by methods ---------------------------------------------------------------
    @staticmethod
    def _content(args: dict, *, required: bool = True) -> tuple[str | None, list | None]:
        text, blocks = args.get("text"), args.get("blocks")
        if blocks is not None and not isinstance(blocks, list):
            raise ApiError("invalid_blocks_format")
        if required and not text and not blocks and not args.get("attachments"):
            raise ApiError("no_text")
        if blocks:
            errors = message_block_errors(blocks)
            if errors:
                raise ApiError(
                    "invalid_blocks",
                    errors=errors,
                    response_metadata={"messages": [f"[ERROR] {e}" for e in errors]},
                )
        return (str(text) if text is not None else None), blocks

    @staticmethod
    def _view_spec(args: dict, expected_type: str | None) -> dict:
        view = args.get("view")
        if view is None:
            raise ApiError(
                "invalid_arguments", response_metadata={"messages": ["[ERROR] missing required field: view"]}
            )
        if view_size(view) > MAX_VIEW_BYTES:
            raise ApiError("view_too_large")
        errors = view_errors(view, expected_type=expected_type)
        if errors:
            raise ApiError(
                "invalid_arguments", response_metadata={"messages": [f"[ERROR] {e}" for e in errors]}
            )
        return view

    def _user(self, uid: Any) -> dict:
        user = self.ws.users.get(uid) if isinstance(uid, str) else None
        if user is None:
            raise ApiError("user_not_found")
        return user

    # -- methods --------------------------------------------------------------------------------
    def auth_test(self, args: dict) -> dict:
        ws = self.ws
        return {
            "url": f"https://{ws.team_domain}.slack.com/",
            "team": "Sandbox",
            "user": ws.bot_name,
            "team_id": ws.team_id,
            "user_id": ws.bot_user_id,
            "bot_id": ws.bot_id,
            "is_enterprise_install": False,
        }

    def apps_connections_open(self, args: dict) -> dict:
        if self.open_socket is None:
            raise ApiError("internal_error")
        return {"url": self.open_socket()}

    def chat_post_message(self, args: dict) -> dict:
        channel = self.ws.resolve_channel(args.get("channel"))
        if channel.get("is_archived"):
            raise ApiError("is_archived")
        if channel.get("app_member") is False:
            raise ApiError("not_in_channel")
        text, blocks = self._content(args)
        metadata = args.get("metadata")
        if metadata is not None and not (
            isinstance(metadata, dict)
            and isinstance(metadata.get("event_type"), str)
            and "event_payload" in metadata
        ):
            raise ApiError("invalid_metadata_format")
        message = self.ws.post_message(
            channel, text=text or "", blocks=blocks, thread_ts=args.get("thread_ts"), metadata=metadata
        )
        if channel["is_im"]:
            self.on_bot_dm(channel, message)
        return {"channel": channel["id"], "ts": message["ts"], "message": _strip(message)}

    def chat_update(self, args: dict) -> dict:
        channel = self.ws.resolve_channel(args.get("channel"))
        if channel.get("is_archived"):
            raise ApiError("is_archived")
        if channel.get("app_member") is False:  # no longer in it: the app cannot see the channel
            raise ApiError("channel_not_found")
        if not args.get("ts"):
            raise ApiError("message_not_found")
        text, blocks = self._content(args, required=False)
        if text is None and blocks is None and not args.get("attachments"):
            raise ApiError("no_text")
        message = self.ws.update_message(channel, args["ts"], text=text, blocks=blocks)
        return {
            "channel": channel["id"],
            "ts": message["ts"],
            "text": message["text"],
            "message": _strip(message),
        }

    def chat_post_ephemeral(self, args: dict) -> dict:
        channel = self.ws.resolve_channel(args.get("channel"))
        user = self._user(args.get("user"))
        if not self.ws.is_member(channel, user["id"]):
            raise ApiError("user_not_in_channel")
        text, blocks = self._content(args)
        record = self.ws.post_ephemeral(
            channel, user["id"], text=text or "", blocks=blocks, thread_ts=args.get("thread_ts")
        )
        return {"message_ts": record["ts"]}

    def chat_delete(self, args: dict) -> dict:
        channel = self.ws.resolve_channel(args.get("channel"))
        if not args.get("ts"):
            raise ApiError("message_not_found")
        self.ws.delete_message(channel, args["ts"])
        return {"channel": channel["id"], "ts": args["ts"]}

    def conversations_open(self, args: dict) -> dict:
        if args.get("channel"):
            channel = self.ws.resolve_channel(args["channel"])
        else:
            users = [u for u in str(args.get("users") or "").split(",") if u]
            if not users:
                raise ApiError("users_list_not_supplied")
            if len(users) > 1:
                raise ApiError("not_supported_by_sandbox")  # group DMs (mpim) are not modelled
            uid = self._user(users[0])["id"]
            if uid in (self.ws.bot_user_id, "USLACKBOT"):
                raise ApiError("cannot_dm_bot")
            channel = self.ws.channels[self.ws.dm_channel(uid)]
        if not _truthy(args.get("return_im")):
            return {"channel": {"id": channel["id"]}}
        return {"channel": self._channel_object(channel)}

    def _channel_object(self, channel: dict) -> dict:
        if channel["is_im"]:
            user = self.ws.users[channel["user"]]
            return {
                "id": channel["id"],
                "created": channel["created"],
                "is_im": True,
                "is_org_shared": False,
                "user": channel["user"],
                "is_user_deleted": user["deleted"],
                "priority": 0,
            }
        return {
            "id": channel["id"],
            "name": channel["name"],
            "is_channel": not channel["is_private"],
            "is_group": False,
            "is_im": False,
            "is_private": channel["is_private"],
            "is_archived": False,
            "created": channel["created"],
            "is_member": True,
        }

    def conversations_info(self, args: dict) -> dict:
        """As Slack: `is_member` says whether the app is in the channel; a private channel it is not in is
        invisible to it (channel_not_found)."""
        channel = self.ws.resolve_channel(args.get("channel"))
        info = self._channel_object(channel)
        if not channel["is_im"]:
            info["is_member"] = channel.get("app_member") is not False
            if channel["is_private"] and not info["is_member"]:
                raise ApiError("channel_not_found")
        return {"channel": info}

    def conversations_members(self, args: dict) -> dict:
        """The channel's members (its people; a public channel without a list holds everyone), paged with
        `cursor` / `limit` (100 by default, 1,000 at most); channel_not_found where the app cannot see it."""
        channel = self.ws.resolve_channel(args.get("channel"))
        if channel["is_private"] and channel.get("app_member") is False:
            raise ApiError("channel_not_found")
        with self.ws.lock:
            ids = self.ws.audience(channel)
        try:
            start = int(base64.b64decode(args.get("cursor") or "").decode() or 0)
            limit = min(int(args.get("limit") or 100), USERS_PAGE_MAX)
        except (ValueError, binascii.Error, UnicodeDecodeError):
            raise ApiError("invalid_cursor") from None
        page = ids[start : start + max(limit, 1)]
        after = start + len(page)
        next_cursor = base64.b64encode(str(after).encode()).decode() if after < len(ids) else ""
        return {"members": page, "response_metadata": {"next_cursor": next_cursor}}

    def conversations_history(self, args: dict) -> dict:
        """Top-level messages, newest first; metadata only with include_all_metadata, as Slack does."""
        channel = self.ws.resolve_channel(args.get("channel"))
        limit = min(int(args.get("limit") or 100), 999)
        oldest = float(args.get("oldest") or 0)
        latest = float(args.get("latest") or "inf")
        with_metadata = _truthy(args.get("include_all_metadata"))
        with self.ws.lock:
            top = [
                m
                for m in channel["messages"]
                if m.get("thread_ts") in (None, m["ts"]) and oldest < float(m["ts"]) <= latest
            ]
        top.sort(key=lambda m: float(m["ts"]), reverse=True)
        offset = int(args.get("cursor") or 0)
        page = top[offset : offset + limit]
        messages = []
        for stored in page:
            message = _strip(stored)
            if not with_metadata:
                message.pop("metadata", None)
            messages.append(message)
        more = offset + limit < len(top)
        return {
            "messages": messages,
            "has_more": more,
            "response_metadata": {"next_cursor": str(offset + limit) if more else ""},
        }

    def conversations_replies(self, args: dict) -> dict:
        """A thread, its parent first then replies oldest first; metadata only with include_all_metadata."""
        channel = self.ws.resolve_channel(args.get("channel"))
        parent = str(args.get("ts") or "")
        limit = min(int(args.get("limit") or 100), 999)
        with_metadata = _truthy(args.get("include_all_metadata"))
        with self.ws.lock:
            thread = [m for m in channel["messages"] if m["ts"] == parent or m.get("thread_ts") == parent]
        if not any(m["ts"] == parent for m in thread):
            raise ApiError("thread_not_found")
        thread.sort(key=lambda m: float(m["ts"]))
        offset = int(args.get("cursor") or 0)
        messages = []
        for stored in thread[offset : offset + limit]:
            message = _strip(stored)
            if not with_metadata:
                message.pop("metadata", None)
            messages.append(message)
        more = offset + limit < len(thread)
        return {
            "messages": messages,
            "has_more": more,
            "response_metadata": {"next_cursor": str(offset + limit) if more else ""},
        }

    def views_open(self, args: dict) -> dict:
        spec = self._view_spec(args, "modal")
        uid = self.ws.exchange_trigger(args.get("trigger_id"))
        return {"view": copy.deepcopy(self.ws.open_modal(uid, spec))}

    def views_push(self, args: dict) -> dict:
        spec = self._view_spec(args, "modal")
        uid = self.ws.exchange_trigger(args.get("trigger_id"))
        return {"view": copy.deepcopy(self.ws.push_modal(uid, spec))}

    def views_update(self, args: dict) -> dict:
        if not args.get("view_id") and not args.get("external_id"):
            raise ApiError(
                "invalid_arguments",
                response_metadata={"messages": ["[ERROR] view_id or external_id required"]},
            )
        current = self.ws.find_view(args.get("view_id"), args.get("external_id"))
        spec = self._view_spec(args, current["type"])
        return {"view": copy.deepcopy(self.ws.update_view(current, spec, args.get("hash")))}

    def views_publish(self, args: dict) -> dict:
        user = self._user(args.get("user_id"))
        spec = self._view_spec(args, "home")
        return {"view": copy.deepcopy(self.ws.publish_home(user["id"], spec, args.get("hash")))}

    def users_info(self, args: dict) -> dict:
        return {"user": copy.deepcopy(self._user(args.get("user")))}

    def users_list(self, args: dict) -> dict:
        """Slack's paging: `limit` is capped at USERS_PAGE_MAX; without one a large team answers
        limit_required. Deactivated users and bots (and Slackbot) are listed too: callers skip them."""
        with self.ws.lock:
            ids = list(self.ws.users)
            start = 0
            cursor = args.get("cursor")
            if cursor:
                try:
                    start = ids.index(base64.b64decode(cursor).decode().removeprefix("user:"))
                except (ValueError, binascii.Error, UnicodeDecodeError):
                    raise ApiError("invalid_cursor") from None
            try:
                limit = int(args.get("limit") or 0)
            except ValueError:
                raise ApiError("invalid_limit") from None
            if limit <= 0 and len(ids) > USERS_PAGE_MAX:
                raise ApiError("limit_required")
            limit = min(limit, USERS_PAGE_MAX) if limit > 0 else len(ids)
            page = ids[start : start + limit]
            rest = ids[start + len(page) :]
            next_cursor = base64.b64encode(f"user:{rest[0]}".encode()).decode() if rest else ""
            return {
                "members": [copy.deepcopy(self.ws.users[uid]) for uid in page],
                "cache_ts": int(self.ws.new_ts().split(".")[0]),
                "response_metadata": {"next_cursor": next_cursor},
            }

    def users_lookup_by_email(self, args: dict) -> dict:
        """A deactivated account is users_not_found, as on Slack: only users.list still shows it."""
        email = str(args.get("email") or "").lower()
        with self.ws.lock:
            uid = self.ws.by_email.get(email) if email else None
            if uid is not None and not self.ws.users[uid]["deleted"]:
                return {"user": copy.deepcopy(self.ws.users[uid])}
        raise ApiError("users_not_found")

    def files_get_upload_url(self, args: dict) -> dict:
        filename, length = args.get("filename"), args.get("length")
        try:
            length = int(length)
        except (TypeError, ValueError):
            length = None
        if not filename or length is None or length < 0:
            raise ApiError(
                "invalid_arguments",
                response_metadata={"messages": ["[ERROR] filename and length are required"]},
            )
        record = self.ws.create_upload(str(filename), length, args.get("alt_txt"))
        return {"upload_url": f"{self.base_url}/upload/{record['id']}", "file_id": record["id"]}

    def files_complete_upload(self, args: dict) -> dict:
        files = args.get("files")
        if not isinstance(files, list) or not files:
            raise ApiError("invalid_arguments", response_metadata={"messages": ["[ERROR] files is required"]})
        targets = []
        if args.get("channel_id"):
            targets.append(args["channel_id"])
        targets += [c for c in str(args.get("channels") or "").split(",") if c]
        pointer = "[json-pointer:/channel_id]"
        for target in targets:
            # Slack refuses user ids here: the app must conversations.open the DM first.
            if not _CHANNEL_ID.match(target):
                raise ApiError(
                    "invalid_arguments",
                    response_metadata={
                        "messages": [
                            f"[ERROR] input must match regex pattern: {_CHANNEL_ID.pattern} {pointer}"
                        ]
                    },
                )
        channels = [self.ws.resolve_channel(t) for t in targets]
        with self.ws.lock:
            records = []
            for item in files:
                record = self.ws.files.get(item.get("id")) if isinstance(item, dict) else None
                if record is None or record["_bytes"] is None:
                    raise ApiError("file_not_found")
                records.append((record, item))
            for record, item in records:
                if item.get("title"):
                    record["title"] = item["title"]
            shared = [self.ws.public_file(record["id"]) for record, _ in records]
            for channel in channels:
                message = self.ws.post_message(
                    channel,
                    text=str(args.get("initial_comment") or ""),
                    blocks=None,
                    thread_ts=args.get("thread_ts"),
                    files=shared,
                )
                for record, _ in records:
                    record["ims" if channel["is_im"] else "channels"].append(channel["id"])
                    record.setdefault("_shares", []).append(
                        {
                            "channel": channel["id"],
                            "ts": message["ts"],
                            "thread_ts": args.get("thread_ts"),
                            "initial_comment": args.get("initial_comment") or "",
                        }
                    )
        # Slack answers with ids and titles only; the details come from files.info.
        return {"files": [{"id": r["id"], "title": r["title"]} for r, _ in records]}

    def files_info(self, args: dict) -> dict:
        with self.ws.lock:
            return {
                "file": self.ws.public_file(str(args.get("file") or "")),
                "comments": [],
                "response_metadata": {"next_cursor": ""},
            }

    # -- upload and response_url ----------------------------------------------------------------
    def upload(self, request: Request, file_id: str) -> Response:
        data = request.get_data()
        with self.ws.lock:
            record = self.ws.files.get(file_id)
            if record is None:
                return Response("file not found", status=404)
            record["_bytes"] = data
            record["size"] = len(data)
        return Response(f"OK - {len(data)}", status=200, content_type="text/plain")

    def response_url(self, request: Request, token: str) -> Response:
        body = request.get_json(silent=True, force=True)
        try:
            record = self.ws.use_response_url(token)
        except ApiError as exc:
            self._record("response_url", body or {}, exc.status, exc.error, token)
            return _json_response({"ok": False, "error": exc.error}, exc.status)
        if not isinstance(body, dict):
            self._record("response_url", {}, 400, "invalid_payload", token)
            self.ws.flag("response_url: body was not a JSON object")
            return _json_response({"ok": False, "error": "invalid_payload"}, 400)
        try:
            self._respond(record, body)
        except ApiError as exc:
            self._record("response_url", body, 400, exc.error, token)
            self.ws.flag(f"response_url refused: {exc.error} {exc.extra.get('errors', '')}")
            return _json_response({"ok": False, "error": exc.error, **exc.extra}, 400)
        self._record("response_url", body, 200, None, token)
        return _json_response({"ok": True})

    def _respond(self, record: dict, body: dict) -> None:
        ws, uid, source = self.ws, record["user"], record["source"]
        channel = ws.channels[record["channel"]]
        original = None
        if source["kind"] == "message":
            if source.get("ephemeral"):
                original = ws.find_ephemeral(uid, source["ts"])
            else:
                original = ws.find_message(channel["id"], source["ts"])
        if _truthy(body.get("delete_original")):
            if original is None:
                raise ApiError("message_not_found")
            if source.get("ephemeral"):
                ws.delete_ephemeral(original)
            else:
                ws.delete_message(channel, original["ts"])
            return
        text, blocks = self._content(body)
        if _truthy(body.get("replace_original")) and original is not None:
            if source.get("ephemeral"):
                ws.replace_ephemeral(original, text=text or "", blocks=blocks)
            else:
                ws.update_message(channel, original["ts"], text=text or "", blocks=blocks or [])
            return
        if body.get("response_type") == "in_channel":
            message = ws.post_message(
                channel, text=text or "", blocks=blocks, thread_ts=body.get("thread_ts")
            )
            if channel["is_im"]:
                self.on_bot_dm(channel, message)
        else:
            ws.post_ephemeral(
                channel, uid, text=text or "", blocks=blocks, thread_ts=body.get("thread_ts"), kind="response"
            )

    # -- debugging ------------------------------------------------------------------------------
    def debug(self, what: str) -> Response:
        from sandbox.transcript import render_transcript

        with self.ws.lock:
            if what == "users":
                return _json_response({"users": list(self.ws.users.values())})
            if what == "calls":
                return _json_response({"calls": [c.__dict__ for c in self.ws.calls]})
            if what.startswith("transcript/"):
                uid = what.split("/", 1)[1]
                if uid not in self.ws.users:
                    return Response("no such user", status=404)
                return Response(render_transcript(self.ws, uid), content_type="text/plain; charset=utf-8")
        return Response("not found", status=404)
