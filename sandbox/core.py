"""The Sandbox: a local stand-in for Slack that the real app talks to over HTTP or Socket Mode."""

import copy
import itertools
import threading
from typing import Any

from sandbox.driver import Driver, Reply
from sandbox.errors import SandboxError
from sandbox.ratelimits import RateLimiter
from sandbox.server import ApiServer
from sandbox.socket_mode import SocketModeServer
from sandbox.transcript import render_transcript
from sandbox.workspace import Call, Seen, Workspace

BOT_USER_ID = "UBOT00001"
BOT_ID = "B0SANDBOX1"
APP_ID = "A0SANDBOX1"
TRANSPORTS = ("http", "socket")


class Sandbox(Driver):
    """Slack's Web API on 127.0.0.1, plus Slack's and people's side of every conversation with the app.

    sb = Sandbox(signing_secret="s").start(); sb.set_app_url("http://127.0.0.1:3000/slack/events")
    """

    def __init__(
        self,
        signing_secret: str = "sandbox-signing-secret",
        bot_token: str = "xoxb-sandbox",
        team_id: str = "T0SANDBOX",
        echo_bot_messages: bool = False,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        team_domain: str = "sandbox",
        ack_timeout: float = 3.0,
        retry_delay_scale: float = 0.0,
        app_token: str = "xapp-1-A0SANDBOX1-sandbox",
    ):
        self.signing_secret = signing_secret
        self.bot_token = bot_token
        self.app_token = app_token  # the app-level token apps.connections.open takes
        self._transport = "http"
        self.echo_bot_messages = echo_bot_messages
        self.ack_timeout = ack_timeout  # Slack gives up on an ack after 3 s
        self.retry_delay_scale = retry_delay_scale  # 1.0 = Slack's real 0/60/300 s event retry delays
        self.ws = Workspace(
            team_id=team_id, bot_user_id=BOT_USER_ID, bot_id=BOT_ID, app_id=APP_ID, team_domain=team_domain
        )
        self.limiter = RateLimiter()
        self.socket = SocketModeServer(app_id=APP_ID, host=host)
        self.server = ApiServer(
            self.ws,
            self.limiter,
            bot_token=bot_token,
            on_bot_dm=self._on_bot_dm,
            app_token=app_token,
            open_socket=self.socket.issue_url,
            host=host,
            port=port,
        )
        self._urls: dict[str, str | None] = {"commands": None, "interactivity": None, "events": None}
        self._replicas: list[str] = []
        self._turn = itertools.count()
        self._picked = threading.local()
        self._echo_threads = []
        self._started = False

    # -- lifecycle ------------------------------------------------------------------------------
    def start(self) -> "Sandbox":
        if not self._started:
            self.server.start()
            self.socket.start()
            self._started = True
        return self

    def stop(self) -> None:
        for thread in self._echo_threads:
            thread.join(timeout=self.ack_timeout * 5)
        if self._started:
            self.socket.stop()
            self.server.stop()
            self._started = False

    def __enter__(self) -> "Sandbox":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def api_base(self) -> str:
        if not self._started:
            raise SandboxError("the sandbox is not started: call sb.start()")
        return self.server.base_url

    @property
    def api_url(self) -> str:
        """The Web API base URL for WebClient(base_url=...) / SLACK_API_URL."""
        return self.api_base + "/api/"

    def set_app_url(
        self,
        url: str,
        *,
        commands: str | None = None,
        interactivity: str | None = None,
        events: str | None = None,
    ) -> None:
        """Where Slack sends requests: one URL for all (Bolt's /slack/events), or one per kind."""
        self._replicas = []
        self._urls = {
            "commands": commands or url,
            "interactivity": interactivity or url,
            "events": events or url,
        }

    def set_app_urls(self, urls: list[str]) -> None:
        """Several replicas of the app behind a load balancer (HTTP): each request goes to the next URL in
        turn, and an event's retry to the one after the URL that did not acknowledge it. Slack retries an
        event to the same request URL; a balancer with no stickiness sends it to another replica."""
        if not urls:
            raise SandboxError("set_app_urls needs at least one URL")
        self.set_app_url(urls[0])
        self._replicas = list(urls)

    def _app_url(self, kind: str, retry_num: int | None) -> str | None:
        if not self._replicas:
            return self._urls.get(kind)
        if retry_num is None:
            self._picked.index = next(self._turn)
        first = getattr(self._picked, "index", 0)  # retries run in the thread of the first attempt
        return self._replicas[(first + (retry_num or 0)) % len(self._replicas)]

    # -- Socket Mode ----------------------------------------------------------------------------
    @property
    def transport(self) -> str:
        """How requests reach the app: "http" (signed POSTs to the app's URL) or "socket" (Socket Mode)."""
        return self._transport

    @transport.setter
    def transport(self, value: str) -> None:
        if value not in TRANSPORTS:
            raise SandboxError(f"transport must be one of {TRANSPORTS}, not {value!r}")
        self._transport = value

    def use_socket_mode(self) -> "Sandbox":
        """Send every command, interaction and event as an envelope over the app's Socket Mode connections."""
        self.transport = "socket"
        return self

    @property
    def socket_connections(self) -> int:
        """Open Socket Mode connections that receive envelopes (those told to disconnect don't count)."""
        return self.socket.usable

    def wait_for_socket_connections(self, count: int = 1, timeout: float = 10.0) -> None:
        if not self.socket.wait_for(count, timeout):
            raise SandboxError(
                f"{self.socket.usable} Socket Mode connection(s) after {timeout} s, not {count}"
            )

    def socket_disconnect(
        self,
        reason: str = "refresh_requested",
        connection: int | None = None,
        close_after: float | None = None,
    ) -> list[int]:
        """Send `disconnect` to one connection (an id, as in Reply.connection) or all, and close them
        `close_after` seconds later (by default 10 s for "warning", 1 s for "refresh_requested", at once
        for "link_disabled"). No envelope goes to them meanwhile. Returns the ids told."""
        return self.socket.disconnect(reason, connection, close_after)

    def lose_acks(self, count: int = 1) -> None:
        """Ignore the next `count` Socket Mode acks, as if lost on the way: unacked events are retried."""
        self.socket.lose_acks(count)

    # -- identity -------------------------------------------------------------------------------
    @property
    def team_id(self) -> str:
        return self.ws.team_id

    @property
    def bot_user_id(self) -> str:
        return self.ws.bot_user_id

    @property
    def bot_id(self) -> str:
        return self.ws.bot_id

    @property
    def app_id(self) -> str:
        return self.ws.app_id

    # -- people and channels --------------------------------------------------------------------
    def add_user(
        self,
        email: str,
        real_name: str = "",
        name: str | None = None,
        tz: str = "America/Los_Angeles",
        is_bot: bool = False,
        deleted: bool = False,
        is_admin: bool = False,
    ) -> str:
        return self.ws.add_user(
            email=email,
            real_name=real_name or email.split("@")[0].title(),
            name=name,
            tz=tz,
            is_bot=is_bot,
            deleted=deleted,
            is_admin=is_admin,
        )

    def update_user(self, uid: str, **changes: Any) -> dict:
        """Change a profile (deleted=, tz=, real_name=, name=, email=, is_admin=); no event is sent."""
        return self.ws.update_user(uid, **changes)

    def user(self, uid: str) -> dict:
        with self.ws.lock:
            return copy.deepcopy(self.ws.user_record(uid))

    def add_channel(
        self, name: str, is_private: bool = False, members: list[str] | None = None, app_member: bool = True
    ) -> str:
        """A channel; public ones without `members` hold everyone, as #general does. `app_member=False`: the
        app was not invited, and its posts there fail with not_in_channel until `invite_app`."""
        return self.ws.add_channel(name, is_private=is_private, members=members, app_member=app_member)

    def invite_app(self, channel_id: str) -> None:
        with self.ws.lock:
            self.ws.channels[channel_id]["app_member"] = True

    def remove_app(self, channel_id: str) -> None:
        """Someone removed the app from the channel: its posts fail with not_in_channel, and its edits of
        its own messages there with channel_not_found (it can no longer see the channel)."""
        with self.ws.lock:
            self.ws.channels[channel_id]["app_member"] = False

    def archive_channel(self, channel_id: str) -> None:
        """Archived: posts and edits there fail with is_archived."""
        with self.ws.lock:
            self.ws.channels[channel_id]["is_archived"] = True

    def dm_channel(self, uid: str) -> str:
        """The D… id of the user's DM with the app (what conversations.open answers)."""
        self.ws.user_record(uid)
        return self.ws.dm_channel(uid)

    # -- what people saw ------------------------------------------------------------------------
    def seen(self, uid: str, *, include_actions: bool = False) -> list[Seen]:
        with self.ws.lock:
            entries = [e for e in self.ws.log.get(uid, []) if include_actions or e.kind != "did"]
            return copy.deepcopy(entries)

    def dm_messages(self, uid: str) -> list[dict]:
        """Messages in the user's DM with the app (bot's and user's, thread replies too), oldest first."""
        with self.ws.lock:
            did = self.ws.dm_by_user.get(uid)
            return copy.deepcopy(self.ws.channels[did]["messages"]) if did else []

    def ephemerals(self, uid: str) -> list[dict]:
        """Ephemeral messages the user still sees (postEphemeral, command acks, response_url replies)."""
        with self.ws.lock:
            return copy.deepcopy([r for r in self.ws.ephemerals if r["to"] == uid])

    def open_views(self, uid: str) -> list[dict]:
        with self.ws.lock:
            return copy.deepcopy([self.ws.views[vid] for vid in self.ws.stacks.get(uid, [])])

    def home(self, uid: str) -> dict | None:
        with self.ws.lock:
            vid = self.ws.homes.get(uid)
            return copy.deepcopy(self.ws.views[vid]) if vid else None

    def view_errors(self, uid: str) -> dict | None:
        """The field errors the top modal shows ({block_id: message}), if any."""
        with self.ws.lock:
            errors = self.ws.errors_shown.get(uid)
            return dict(errors) if errors else None

    def channel_messages(self, channel_id: str) -> list[dict]:
        with self.ws.lock:
            if channel_id not in self.ws.channels:
                raise SandboxError(f"no channel {channel_id!r}")
            return copy.deepcopy(self.ws.channels[channel_id]["messages"])

    def files(self, uid_or_channel: str) -> list[dict]:
        """Files shared in a channel, or in a user's DM with the app."""
        with self.ws.lock:
            cid = self.ws.dm_by_user.get(uid_or_channel, uid_or_channel)
            found = []
            for f in self.ws.files.values():
                for share in f.get("_shares", []):
                    if share["channel"] == cid:
                        found.append(
                            {
                                "id": f["id"],
                                "name": f["name"],
                                "title": f["title"],
                                "bytes": f["_bytes"],
                                "size": f["size"],
                                "mimetype": f["mimetype"],
                                **share,
                            }
                        )
            return found

    def transcript(self, uid: str) -> str:
        return render_transcript(self.ws, uid)

    @property
    def calls(self) -> list[Call]:
        with self.ws.lock:
            return list(self.ws.calls)

    @property
    def requests(self) -> list[Reply]:
        """Every request sent to the app (commands, interactions, events, retries), with its ack."""
        with self.ws.lock:
            return list(self.ws.sent)

    @property
    def last_event_id(self) -> str | None:
        """The event_id of the newest event delivered (for retry_event)."""
        with self.ws.lock:
            return next(reversed(self.ws.events), None)

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    @property
    def problems(self) -> list[str]:
        """What Slack would have refused or shown as an error without the app's API call failing.

        A test can end with `assert sb.problems == []`.
        """
        with self.ws.lock:
            return list(self.ws.problems)

    # -- rate limits ----------------------------------------------------------------------------
    @property
    def rate_limits_enabled(self) -> bool:
        return self.limiter.enabled

    @rate_limits_enabled.setter
    def rate_limits_enabled(self, value: bool) -> None:
        self.limiter.enabled = bool(value)

    def set_rate_limit(self, method: str, per_minute: float, burst: float | None = None) -> None:
        self.limiter.set_rate_limit(method, per_minute, burst)

    def set_channel_rate_limit(self, per_second: float, burst: float | None = None) -> None:
        self.limiter.set_channel_rate_limit(per_second, burst)

    def inject_error(
        self, method: str, error: str, count: int = 1, status: int = 200, channel: str | None = None
    ) -> None:
        """The next `count` calls of `method` (naming `channel`, if given: for views.publish, the user
        whose Home it is) fail with `error` (say internal_error, a transient one)."""
        self.server.inject_error(method, error, count, status, channel)

    def slow_down(self, method: str, seconds: float, count: int = 1) -> None:
        """The next `count` calls of `method` are taken at once but acted on (a message posted) and answered
        only `seconds` later: Slack slow to answer. `slowed` lists their arguments as they arrive."""
        self.server.slow_down(method, seconds, count)

    @property
    def slowed(self) -> list[dict]:
        return self.server.slowed_calls()

    def inject_ratelimit(
        self, method: str, count: int = 1, retry_after: int = 1, channel: str | None = None
    ) -> None:
        """The next `count` calls of `method` (posting in `channel`, if given) get 429."""
        self.limiter.inject(method, count, retry_after, channel)
