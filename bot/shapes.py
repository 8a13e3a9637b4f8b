"""What a request Slack sends must look like before Bolt and the listeners read it.

Bolt reads payloads as it finds them (`"id" in body["user"]`, `body["actions"][0]["action_id"]`, ...) and
the listeners index what they need, so a field missing or of the wrong type fails somewhere inside them,
as a 500 or a traceback after the ack. Each kind of request the app handles is described here by the fields
Bolt and the listeners read, with their types and Slack's id shapes; `problem()` says what does not fit,
in one short line. Lengths and content of what people typed are the domain's to judge (domain/bounds.py).
"""

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator

from domain.core.bounds import SLACK_ID

# Slack's ids, and the ids it gives events ("Ev08MFMKH6J9"; 64 at most, the dedupe column's width).
Id = Annotated[str, StringConstraints(pattern=f"^{SLACK_ID}$")]
EventId = Annotated[str, StringConstraints(pattern=r"^Ev[A-Za-z0-9]{1,62}$")]
# Where respond() posts: Slack's response_url, an http(s) URL without spaces or control characters.
Url = Annotated[str, StringConstraints(pattern=r"^https?://[!-~]+$")]
Command = Annotated[str, StringConstraints(pattern=r"^/[a-z0-9_-]{1,31}$")]

PROBLEM_MAX = 200  # characters of a problem's description (a field's path can be user text)


class _Shape(BaseModel):
    # Strict: "7" is no number and 7 no string. Fields not named here are not looked at.
    model_config = ConfigDict(strict=True, extra="ignore")


class _Ref(_Shape):
    id: str


class _Authorization(_Shape):
    enterprise_id: str | None = None
    team_id: str | None = None
    user_id: str | None = None


class _ResponseUrl(_Shape):
    response_url: Url


class _Envelope(_Shape):
    """What Bolt reads from any request (and again from an event, a message within it...) to build its
    context: a string or an object with an id, where Slack puts either."""

    enterprise: str | _Ref | None = None
    enterprise_id: str | None = None
    team: str | _Ref | None = None
    team_id: str | None = None
    user: str | _Ref | None = None
    user_id: str | None = None
    channel: str | _Ref | None = None
    channel_id: str | None = None
    authorizations: list[_Authorization] | None = None
    is_ext_shared_channel: bool | None = None
    response_url: Url | None = None
    response_urls: list[_ResponseUrl] = Field(default_factory=list)  # Bolt takes its len() when present
    thread_ts: str | None = None
    function_execution_id: str | None = None
    message: "_Envelope | None" = None
    previous_message: "_Envelope | None" = None


# -- slash commands (form fields: always strings) --------------------------------------------------------
class SlashCommand(_Envelope):
    command: Command
    user_id: Id
    trigger_id: str
    text: str = ""


class SslCheck(_Envelope):
    ssl_check: str


# -- interactivity (the `payload` JSON) ------------------------------------------------------------------
class _User(_Shape):
    id: Id


class _Option(_Shape):
    value: str


class _Action(_Shape):
    action_id: str
    block_id: str | None = None
    value: str | None = None
    selected_option: _Option | None = None
    selected_user: Id | None = None


class _Input(_Shape):
    """One input's state in a submitted view (handlers/listeners.input_values)."""

    type: str | None = None
    value: str | None = None
    selected_option: _Option | None = None
    selected_options: list[_Option] | None = None
    selected_date: str | None = None
    selected_time: str | None = None
    selected_user: Id | None = None


class _State(_Shape):
    values: dict[str, dict[str, _Input]] = Field(default_factory=dict)


class _View(_Shape):
    id: str | None = None
    callback_id: str | None = None
    private_metadata: str | None = None
    state: _State | None = None
    team_id: str | None = None
    app_installed_team_id: str | None = None


class _SubmittedView(_View):
    type: str  # Bolt looks for workflow steps there
    callback_id: str
    private_metadata: str = ""


class BlockActions(_Envelope):
    type: Literal["block_actions"]
    user: _User
    trigger_id: str
    actions: list[_Action] = Field(min_length=1)
    view: _View | None = None
    container: dict[str, Any] | None = None


class MessageAction(_Envelope):
    """A message shortcut ("Add to 1:1"): who clicked it; the message's text is read as a string if any."""

    type: Literal["message_action"]
    callback_id: str
    user: _User
    trigger_id: str


class ViewSubmission(_Envelope):
    type: Literal["view_submission", "view_closed"]
    user: _User
    view: _SubmittedView


# -- the Events API (JSON) -------------------------------------------------------------------------------
class _Event(_Envelope):
    type: str


class _Message(_Event):
    """A message event. One a person wrote (no subtype, no bot) names them."""

    user: Id | None = None
    channel: Id
    ts: str
    text: str | None = None
    subtype: str | None = None
    bot_id: str | None = None
    channel_type: str | None = None

    @model_validator(mode="after")
    def _a_person_wrote_it(self) -> "_Message":
        if self.user is None and not (self.subtype or self.bot_id):
            raise ValueError("a person's message names its writer")
        return self


class _HomeOpened(_Event):
    user: Id
    tab: str | None = None


class _Profile(_Shape):
    email: str | None = None
    real_name: str | None = None


class _DirectoryUser(_Shape):
    id: Id
    name: str | None = None
    real_name: str | None = None
    tz: str | None = None
    deleted: bool | None = None
    is_bot: bool | None = None
    profile: _Profile | None = None


class _UserChange(_Event):
    user: _DirectoryUser  # type: ignore[assignment]


EVENTS: dict[str, type[_Event]] = {
    "message": _Message,
    "app_home_opened": _HomeOpened,
    "user_change": _UserChange,
}


class EventCallback(_Envelope):
    type: Literal["event_callback"]
    event_id: EventId
    team_id: str
    event: _Event


class UrlVerification(_Envelope):
    type: Literal["url_verification"]
    challenge: str


class AppRateLimited(_Envelope):
    type: Literal["app_rate_limited"]


KINDS: dict[str, type[_Envelope]] = {
    "block_actions": BlockActions,
    "message_action": MessageAction,
    "view_submission": ViewSubmission,
    "view_closed": ViewSubmission,
    "event_callback": EventCallback,
    "url_verification": UrlVerification,
    "app_rate_limited": AppRateLimited,
}


_JSON_TYPES = {
    list: "array",
    str: "string",
    int: "number",
    float: "number",
    bool: "true/false",
    type(None): "null",
}


def problem(body: Any) -> str | None:
    """None when `body` (as Bolt parses it) is a request the app handles, with every field it reads in
    shape; else what is wrong, in a line."""
    if not isinstance(body, dict):
        return f"the body is JSON {_JSON_TYPES.get(type(body), 'of another type')}, not an object"
    shapes: list[type[_Shape]] = []
    if "command" in body:  # Bolt takes anything with a command for a slash command
        shapes.append(SlashCommand)
    kind = body.get("type")
    if isinstance(kind, str) and kind in KINDS:
        shapes.append(KINDS[kind])
    elif "ssl_check" in body and not shapes:
        shapes.append(SslCheck)
    if not shapes:
        return "not a kind of request this app handles" + (
            f" ({kind[:40]!r})" if isinstance(kind, str) else ""
        )
    if kind == "event_callback" and isinstance(body.get("event"), dict):
        event_type = body["event"].get("type")
        if isinstance(event_type, str) and event_type in EVENTS:
            shapes.append(EVENTS[event_type])
    for shape in shapes:
        try:
            shape.model_validate(body["event"] if issubclass(shape, _Event) else body)
        except ValidationError as err:
            first = err.errors(include_url=False, include_input=False)[0]
            where = ".".join(str(part) for part in first["loc"]) or "the body"
            return f"{shape.__name__.lstrip('_')}: {where}: {first['msg']}"[:PROBLEM_MAX]
    return None
