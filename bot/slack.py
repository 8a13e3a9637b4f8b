"""The one door to Slack's Web API (slack_sdk): retries, pacing, pagination. The domain reaches it through
`Services.gateway`, knowing only the port it implements (domain/core/slack.py)."""

import copy
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any

import sqlalchemy as sa
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from domain.core.slack import Posted, SlackError, SlackUser, Superseded
from storage import pace

log = logging.getLogger(__name__)

RATE_LIMIT_RETRIES = 10
BULK_PATIENCE = 10 * 60  # seconds; below delivery.STALE_CLAIM (30 min)
# A process's bulk senders reserve at most this many slots in one statement (a fan-out has 16 senders).
MOST_SLOTS_AT_ONCE = 16
SLOT_KEPT = 1.0  # seconds a reserved slot stays good past its time
# A bulk post's one try: its socket timeout, below delivery.POST_COVER (what a confirmed claim's job lease
# is kept for), so a try cannot outlast the claim. Tries again go through the pace and `still_ours`.
BULK_TIMEOUT = 20
BULK_TRIES_AGAIN = 2  # after a connection error or Slack's own (5xx) error, as the client's handlers did


def make_client(token: str, base_url: str) -> WebClient:
    return WebClient(
        token=token,
        base_url=base_url,
        timeout=30,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
            ServerErrorRetryHandler(max_retry_count=2),
        ],
    )


def _server_side(err: SlackError) -> bool:
    """Slack unreachable, or its own failure (5xx): what the client's retry handlers try again."""
    cause = err.__cause__
    return err.code == "connection_error" or (
        isinstance(cause, SlackApiError) and cause.response.status_code >= 500
    )


class Pacer:
    """A token bucket for chat.postMessage inside one process: the pace when no database is shared (a
    gateway built without one). Bulk sends wait for a token; interactive posts take one at once, even into
    debt, so a fan-out never makes the app slow to answer people."""

    def __init__(self, per_minute: float, burst: float | None = None):
        self.rate = per_minute / 60.0
        self.capacity = burst if burst is not None else max(1.0, self.rate)
        self.tokens = self.capacity
        self.updated = time.monotonic()
        self.lock = threading.Lock()

    def _refill(self) -> None:
        now = time.monotonic()
        if now > self.updated:  # `updated` lies in the future while a hold lasts
            self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
            self.updated = now

    def take(self, *, wait: bool) -> None:
        while True:
            with self.lock:
                self._refill()
                if self.tokens >= 1 or not wait:
                    self.tokens -= 1
                    return
                delay = max(0.0, self.updated - time.monotonic()) + (1 - self.tokens) / self.rate
            time.sleep(delay)

    def hold(self, seconds: float) -> None:
        """Slack said 429: every bulk sender waits out Retry-After, then the bucket refills from empty."""
        with self.lock:
            self.tokens = min(self.tokens, 0.0)
            self.updated = max(self.updated, time.monotonic() + seconds)


class SharedPace:
    """The workspace's pace for every process and replica, kept in the database (storage/pace.py): a bulk
    post reserves the next slot, one interval after the last, and sleeps until it; a 429 holds them all.
    A process reserves as many slots at once as it has bulk senders at work, and hands them out in turn
    (one statement and commit per post cost a fan-out's senders their pace on PostgreSQL). Interactive posts
    neither wait nor touch the database, so an answer never queues behind a fan-out."""

    def __init__(self, engine: sa.Engine, per_minute: float):
        self.engine = engine
        self.interval = 60.0 / per_minute
        self._turn = threading.Condition()
        self._slots: deque[float] = deque()  # reserved here, not yet handed out (time.monotonic())
        self._senders = 0  # bulk senders in take(): waiting for a slot, or for their slot's time
        self._reserving = False

    def take(self, *, wait: bool) -> None:
        if not wait:
            return
        with self._turn:
            self._senders += 1
        try:
            while True:
                delay = self._slot() - time.monotonic()
                if delay <= 0:  # its time has come: no hold lasts (a slot comes after any)
                    return
                time.sleep(delay)
                with self.engine.connect() as conn:
                    held = pace.held_for(conn)
                if not held:
                    return
                self._drop_slots()  # a 429 came while this slot waited: take one after the hold
                time.sleep(held)
        finally:
            with self._turn:
                self._senders -= 1

    def _slot(self) -> float:
        """The next slot reserved here; one sender reserves for all (the others wait for it meanwhile). A
        slot left untaken for a second is dropped: its post would come in a burst with later ones."""
        with self._turn:
            while True:
                while self._slots and self._slots[0] < time.monotonic() - SLOT_KEPT:
                    self._slots.popleft()
                if self._slots:
                    return self._slots.popleft()
                if self._reserving:
                    self._turn.wait()
                    continue
                self._reserving, count = True, min(self._senders, MOST_SLOTS_AT_ONCE)
                self._turn.release()
                try:
                    with self.engine.begin() as conn:
                        first = pace.take_slot(conn, interval=self.interval, count=count)
                    at = time.monotonic() + first
                finally:
                    self._turn.acquire()
                    self._reserving = False
                    self._turn.notify_all()
                self._slots.extend(at + n * self.interval for n in range(count))

    def _drop_slots(self) -> None:
        """Slots reserved before a hold would all come due at its end, at once: the senders take new ones."""
        with self._turn:
            self._slots.clear()

    def hold(self, seconds: float) -> None:
        self._drop_slots()
        with self.engine.begin() as conn:
            pace.hold(conn, seconds=seconds)


class SlackGateway:
    """The domain's `Slack` port on slack_sdk's WebClient. Takes rendered messages and views (see
    message_templates.render), never raw user text."""

    def __init__(self, client: WebClient, *, posts_per_minute: float = 300, engine: sa.Engine | None = None):
        self.client = client
        # Bulk posts retry in `post`, through the pace and the caller's `still_ours` each time: the client's
        # own retries would post again unchecked, past the time the claim was confirmed for.
        self.bulk_client = copy.copy(client)
        self.bulk_client.retry_handlers = []
        self.bulk_client.timeout = min(client.timeout, BULK_TIMEOUT)
        self.pacer: Pacer | SharedPace = (
            SharedPace(engine, posts_per_minute) if engine is not None else Pacer(posts_per_minute)
        )

    def _call(self, method: str, **kwargs: Any) -> dict[str, Any]:
        return self._api(method, json=kwargs)

    def _form_call(self, method: str, **params: Any) -> dict[str, Any]:
        return self._api(method, params=params)

    def _api(self, method: str, *, client: WebClient | None = None, **request: Any) -> dict[str, Any]:
        try:
            return (client or self.client).api_call(method, **request).data  # type: ignore[return-value]
        except SlackApiError as err:
            retry_after = (
                float(err.response.headers.get("Retry-After", 0) or 0)
                if err.response.status_code == 429
                else 0
            )
            code = str(err.response.get("error", "unknown_error"))
            raise SlackError(method, code, retry_after=retry_after) from err
        except OSError as err:  # unreachable after the client's own retries (URLError is an OSError)
            raise SlackError(method, "connection_error") from err

    def check(self) -> None:
        """auth.test: a SlackError if Slack refuses the bot token, or cannot be reached."""
        self._form_call("auth.test")

    # messages
    def dm(
        self,
        user_id: str,
        message: dict[str, Any],
        *,
        thread_ts: str | None = None,
        bulk: bool = False,
        metadata: dict[str, Any] | None = None,
    ) -> Posted:
        """Posting to a user id reaches their DM with the app, without conversations.open."""
        return self.post(user_id, message, thread_ts=thread_ts, bulk=bulk, metadata=metadata)

    def post(
        self,
        channel: str,
        message: dict[str, Any],
        *,
        thread_ts: str | None = None,
        bulk: bool = False,
        metadata: dict[str, Any] | None = None,
        still_ours: Callable[[], bool] | None = None,
    ) -> Posted:
        """`still_ours` is asked once the pace lets the post go, before each try: False raises Superseded."""
        args = {"channel": channel, **message}
        if thread_ts:
            args["thread_ts"] = thread_ts
        if metadata:
            args["metadata"] = metadata
        # A bulk post rides out a run of 429s here (the client's own retries would skip the pacer): it holds
        # every bulk sender for Retry-After and tries again, for a bounded time well under a claim's life.
        deadline, again = time.monotonic() + BULK_PATIENCE, BULK_TRIES_AGAIN
        while True:
            self.pacer.take(wait=bulk)
            if still_ours is not None and not still_ours():
                raise Superseded(channel)
            try:
                data = self._api("chat.postMessage", client=self.bulk_client if bulk else None, json=args)
                return Posted(channel=data["channel"], ts=data["ts"])
            except SlackError as err:
                if bulk and again > 0 and _server_side(err):
                    again -= 1
                    time.sleep(1.0)
                    continue
                if not (bulk and err.code == "ratelimited" and time.monotonic() < deadline):
                    raise
                # Every bulk sender is held: a 429 says `ratelimited` and Retry-After, never which limit (the
                # workspace's, or ~1 a second in one channel), and a channel's Retry-After is about a second.
                self.pacer.hold(max(err.retry_after, 1.0))

    def find_in_dm(
        self, user_id: str, *, event_type: str, key: str, value: Any, oldest: float
    ) -> Posted | None:
        """The app's own DM message carrying this metadata, if Slack has it: did an interrupted send land?"""
        channel = self._form_call("conversations.open", users=user_id)["channel"]["id"]
        # the last 1,000 messages are plenty within one period
        where = {"channel": channel, "oldest": f"{oldest:.6f}"}
        return self._find_marked(
            "conversations.history", where, 5, event_type=event_type, key=key, value=value
        )

    def find_in_thread(
        self, channel: str, thread_ts: str, *, event_type: str, key: str, value: Any
    ) -> Posted | None:
        """The app's own reply in this thread carrying this metadata: did an interrupted relay land?"""
        # 2,000 replies: far more than one check-in's thread holds
        where = {"channel": channel, "ts": thread_ts}
        return self._find_marked(
            "conversations.replies", where, 10, event_type=event_type, key=key, value=value
        )

    def _find_marked(
        self, method: str, where: dict[str, Any], pages: int, *, event_type: str, key: str, value: Any
    ) -> Posted | None:
        """The first message, page by page, whose metadata has this event type and this value under key."""
        cursor = ""
        for _ in range(pages):
            params: dict[str, Any] = {**where, "limit": 200, "include_all_metadata": "true"}
            if cursor:
                params["cursor"] = cursor
            data = self._form_call(method, **params)
            for message in data.get("messages", []):
                meta = message.get("metadata") or {}
                if (
                    meta.get("event_type") == event_type
                    and (meta.get("event_payload") or {}).get(key) == value
                ):
                    return Posted(channel=where["channel"], ts=message["ts"])
            cursor = (data.get("response_metadata") or {}).get("next_cursor") or ""
            if not cursor:
                return None
        return None

    def update(self, channel: str, ts: str, message: dict[str, Any]) -> None:
        self._call("chat.update", channel=channel, ts=ts, **message)

    def ephemeral(self, channel: str, user_id: str, message: dict[str, Any]) -> None:
        self._call("chat.postEphemeral", channel=channel, user=user_id, **message)

    def upload_to_dm(
        self, user_id: str, *, filename: str, content: bytes, title: str, message: dict[str, Any]
    ) -> str:
        """A file in the person's DM with the app, `message`'s text as its comment; returns the file id.
        files.completeUploadExternal takes a conversation id, not a user id: the DM is opened first."""
        channel = self._form_call("conversations.open", users=user_id)["channel"]["id"]
        return self.upload_file(
            channel, filename=filename, content=content, title=title, comment=message["text"]
        )

    def upload_file(
        self,
        channel: str,
        *,
        filename: str,
        content: bytes,
        title: str,
        comment: str | None = None,
        thread_ts: str | None = None,
    ) -> str:
        """files_upload_v2's three steps into a conversation (a thread of it, with thread_ts)."""
        extra = {"initial_comment": comment} if comment else {}
        if thread_ts:
            extra["thread_ts"] = thread_ts
        try:
            response = self.client.files_upload_v2(
                channel=channel, filename=filename, content=content, title=title, **extra
            )
        except SlackApiError as err:
            raise SlackError("files_upload_v2", str(err.response.get("error", "unknown_error"))) from err
        except OSError as err:
            raise SlackError("files_upload_v2", "connection_error") from err
        return response["files"][0]["id"]

    # views
    def open_view(self, trigger_id: str, view: dict[str, Any]) -> str:
        return self._call("views.open", trigger_id=trigger_id, view=view)["view"]["id"]

    def push_view(self, trigger_id: str, view: dict[str, Any]) -> str:
        return self._call("views.push", trigger_id=trigger_id, view=view)["view"]["id"]

    def update_view(self, view_id: str, view: dict[str, Any], *, hash: str | None = None) -> None:
        args: dict[str, Any] = {"view_id": view_id, "view": view}
        if hash:
            args["hash"] = hash
        self._call("views.update", **args)

    def publish_home(self, user_id: str, view: dict[str, Any]) -> None:
        self._call("views.publish", user_id=user_id, view=view)

    # people
    def lookup_by_email(self, email: str) -> SlackUser | None:
        try:
            return SlackUser.from_api(self._form_call("users.lookupByEmail", email=email)["user"])
        except SlackError as err:
            if err.code == "users_not_found":
                return None
            raise

    def app_in_channel(self, channel: str) -> bool | None:
        """Whether the app is in the channel (it may post there); None when it cannot see the channel (none
        has this id, or it is private and the app is not in it)."""
        try:
            return bool(self._form_call("conversations.info", channel=channel)["channel"].get("is_member"))
        except SlackError as err:
            if err.code == "channel_not_found":
                return None
            raise

    def may_post(self, channel: str, user_id: str) -> bool:
        """Whether the person may post in the channel: anyone in a public one (they may join it), only its
        members in a private one."""
        try:
            if not self._form_call("conversations.info", channel=channel)["channel"].get("is_private"):
                return True
        except SlackError as err:
            if err.code == "channel_not_found":
                return False
            raise
        cursor = ""
        while True:
            params: dict[str, Any] = {"channel": channel, "limit": 1000}
            if cursor:
                params["cursor"] = cursor
            data = self._form_call("conversations.members", **params)
            if user_id in data.get("members", []):
                return True
            cursor = (data.get("response_metadata") or {}).get("next_cursor") or ""
            if not cursor:
                return False

    def user_info(self, user_id: str) -> SlackUser | None:
        try:
            return SlackUser.from_api(self._form_call("users.info", user=user_id)["user"])
        except SlackError as err:
            if err.code == "user_not_found":
                return None
            raise

    def iter_users(self, *, page_size: int = 200) -> Iterator[SlackUser]:
        cursor = ""
        while True:
            params: dict[str, Any] = {"limit": page_size}
            if cursor:
                params["cursor"] = cursor
            data = self._form_call("users.list", **params)
            for member in data.get("members", []):
                yield SlackUser.from_api(member)
            cursor = (data.get("response_metadata") or {}).get("next_cursor") or ""
            if not cursor:
                return
