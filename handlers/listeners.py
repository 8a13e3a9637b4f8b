"""What every feature's listeners share: reading a payload, and the shapes of an answer (a notice back to the
person, a modal opened, a modal's submission answered), each with refusals answered the one way
handlers/errors.py says."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from slack_bolt import Ack, Respond
from sqlmodel import Session

from domain.core import bounds
from domain.core.refusals import Refusal
from domain.core.services import Services
from handlers.errors import refused
from message_templates.render import render_message, render_view


def input_values(view: dict[str, Any]) -> dict[str, str]:
    """{block_id: value} for the inputs of a submitted view (one element per input block)."""
    values: dict[str, str] = {}
    for block_id, actions in (view.get("state") or {}).get("values", {}).items():
        for action in actions.values():
            values[block_id] = _value(action)
    return values


def _value(action: dict[str, Any]) -> str:
    kind = action.get("type")
    if kind in ("static_select", "radio_buttons", "external_select"):
        return ((action.get("selected_option") or {}).get("value")) or ""
    if kind == "datepicker":
        return action.get("selected_date") or ""
    if kind == "timepicker":
        return action.get("selected_time") or ""
    if kind == "users_select":
        return action.get("selected_user") or ""
    if kind == "checkboxes":
        return ",".join(o.get("value", "") for o in action.get("selected_options") or [])
    return action.get("value") or ""


def int_or_none(value: Any) -> int | None:
    return bounds.number(value)


def notice(text: str) -> dict[str, Any]:
    return render_message("shared/notice.json.j2", message=text)


def tell(respond: Respond, message: dict[str, Any]) -> None:
    """An ephemeral answer that leaves the message clicked in place."""
    respond({**message, "response_type": "ephemeral", "replace_original": False})


@contextmanager
def refusals_told(respond: Respond) -> Iterator[None]:
    """A refusal raised inside goes back to the person, ephemeral."""
    try:
        yield
    except Refusal as refusal:
        tell(respond, refused(refusal))


def open_modal(
    services: Services, trigger_id: str, respond: Respond, build: Callable[[Session], dict[str, Any]]
) -> None:
    """Builds the view from the domain and opens it; a refusal goes back to the person instead."""
    with refusals_told(respond):
        with services.session() as session:
            view = build(session)
        services.gateway.open_view(trigger_id, view)


def act(
    services: Services,
    respond: Respond,
    *,
    run: Callable[[Session], Any],
    deliver: Callable[[Services, Any], None],
) -> None:
    """A button that does something at once: the domain's notice (or refusal) back to the person; then what
    the domain asked to send (`deliver`)."""
    with refusals_told(respond):
        with services.session() as session:
            outcome = run(session)
        tell(respond, notice(outcome.notice))
        deliver(services, outcome)


def answer_submission(
    ack: Ack,
    services: Services,
    *,
    run: Callable[[Session], Any],
    refusal_block: str,
    done_title: str | None = None,
) -> Any:
    """A modal's submission: the domain's errors inline (nothing kept), a refusal on `refusal_block`; else
    the modal closes, or shows a done view titled `done_title`. Returns the outcome, None when refused."""
    try:
        with services.session() as session:
            outcome = run(session)
            if outcome.errors:
                session.rollback()
    except Refusal as refusal:
        ack(response_action="errors", errors={refusal_block: str(refusal)})
        return None
    if outcome.errors:
        ack(response_action="errors", errors=outcome.errors)
        return None
    if done_title is None:
        ack()
    else:
        done = render_view("shared/modal_done.json.j2", title=done_title, notice=outcome.notice)
        ack(response_action="update", view=done)
    return outcome
