"""What the domain knows of Slack: the calls it makes (the `Slack` port, which bot/slack.py implements on
slack_sdk), what they answer, and how they fail. No Slack library is imported here."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from domain.core import bounds


class SlackError(Exception):
    """A Web API call that Slack refused; `code` is Slack's error string."""

    def __init__(self, method: str, code: str, *, retry_after: float = 0.0):
        self.retry_after = retry_after
        what = (
            f"cannot reach Slack for {method}"
            if code == "connection_error"
            else f"Slack refused {method}: {code}"
        )
        super().__init__(what)
        self.method = method
        self.code = code


class Superseded(Exception):
    """A post not made: its sender was no longer the one to make it (see `Slack.post`'s `still_ours`)."""


@dataclass(frozen=True)
class Posted:
    channel: str
    ts: str


@dataclass(frozen=True)
class SlackUser:
    id: str
    email: str | None
    name: str
    tz: str | None
    deleted: bool
    is_bot: bool

    @classmethod
    def from_api(cls, user: dict[str, Any]) -> "SlackUser":
        """The one door for Slack's directory (users.*, user_change): each field within its bound."""
        profile = user.get("profile") if isinstance(user.get("profile"), dict) else {}
        name = _text(user.get("real_name")) or _text(profile.get("real_name")) or _text(user.get("name"))
        email = _text(profile.get("email")).lower()
        tz = _text(user.get("tz"))
        return cls(
            id=user["id"],
            email=email if "@" in email and len(email) <= bounds.EMAIL_MAX else None,
            name=bounds.shorten(name, bounds.NAME_MAX),
            tz=tz if len(tz) <= bounds.TIMEZONE_MAX else None,
            deleted=user.get("deleted") is True,
            is_bot=user.get("is_bot") is True or user.get("id") == "USLACKBOT",
        )


def _text(value: Any) -> str:
    return bounds.clean(value) if isinstance(value, str) else ""


class Slack(Protocol):
    """The Web API calls the domain makes. Messages and views come rendered (message_templates.render)."""

    def dm(
        self,
        user_id: str,
        message: dict[str, Any],
        *,
        thread_ts: str | None = None,
        bulk: bool = False,
        metadata: dict[str, Any] | None = None,
    ) -> Posted: ...

    def post(
        self,
        channel: str,
        message: dict[str, Any],
        *,
        thread_ts: str | None = None,
        bulk: bool = False,
        metadata: dict[str, Any] | None = None,
        still_ours: Callable[[], bool] | None = None,
    ) -> Posted: ...

    def find_in_dm(
        self, user_id: str, *, event_type: str, key: str, value: Any, oldest: float
    ) -> Posted | None: ...

    def find_in_thread(
        self, channel: str, thread_ts: str, *, event_type: str, key: str, value: Any
    ) -> Posted | None: ...

    def update(self, channel: str, ts: str, message: dict[str, Any]) -> None: ...

    def ephemeral(self, channel: str, user_id: str, message: dict[str, Any]) -> None: ...

    def upload_to_dm(
        self, user_id: str, *, filename: str, content: bytes, title: str, message: dict[str, Any]
    ) -> str: ...

    def upload_file(
        self,
        channel: str,
        *,
        filename: str,
        content: bytes,
        title: str,
        comment: str | None = None,
        thread_ts: str | None = None,
    ) -> str: ...

    def open_view(self, trigger_id: str, view: dict[str, Any]) -> str: ...

    def push_view(self, trigger_id: str, view: dict[str, Any]) -> str: ...

    def update_view(self, view_id: str, view: dict[str, Any], *, hash: str | None = None) -> None: ...

    def publish_home(self, user_id: str, view: dict[str, Any]) -> None: ...

    def lookup_by_email(self, email: str) -> SlackUser | None: ...

    def app_in_channel(self, channel: str) -> bool | None: ...

    def may_post(self, channel: str, user_id: str) -> bool: ...

    def user_info(self, user_id: str) -> SlackUser | None: ...

    def iter_users(self, *, page_size: int = 200) -> Iterator[SlackUser]: ...
