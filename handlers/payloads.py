"""Reading Slack payloads: what a person typed or picked, as plain values for the domain."""

from typing import Any

from domain.core import bounds


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
