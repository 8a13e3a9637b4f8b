"""A goal's terms as typed in its modal: read, checked, and turned into what a proposal carries.

Errors are keyed by the modal's block ids, so they show inline under the field they are about.
"""

import math
from dataclasses import dataclass
from datetime import date
from typing import Any

from domain.core import bounds
from domain.goals import periods as goal_periods
from storage.models import GoalKind

MAX_TITLE = 200
MAX_DESCRIPTION = 3000
MAX_METRIC = 100
MAX_COMMENT = 3000  # a decision's comment, a progress note
MAX_KEY_RESULTS = 5
DEFAULT_WEIGHT = 10
KR_SLOTS = 3  # key results shown at first; a button adds more, up to MAX_KEY_RESULTS
KR_BLOCKS = [(f"kr{n}_title", f"kr{n}_baseline", f"kr{n}_target") for n in range(1, MAX_KEY_RESULTS + 1)]
# Progress typed as a share, for goals with no metric and no key results.
PERCENT_RANGE = "Between 0 and 100 (%)."


def due_text(values: dict[str, str]) -> str:
    """The due date typed: its block is renamed when the period changes (due_<period>), so that Slack shows
    the new period's end instead of keeping the old date."""
    for key, value in values.items():
        if key == "due" or key.startswith("due_"):
            return (value or "").strip()
    return ""


def number(text: str | None) -> float | None:
    """A number as people type it (12, 12.5, 1 200, 1,200, 40%); None when it is not one."""
    cleaned = (text or "").strip().rstrip("%").replace(" ", "").replace("_", "")
    whole = cleaned.split(".")[0]
    if "," in whole and all(len(p) == 3 for p in whole.split(",")[1:]):
        cleaned = cleaned.replace(",", "", whole.count(","))  # thousands separators: 1,200 and 1,234.5
    try:
        value = float(cleaned)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def show_number(value: float | None) -> str:
    """Without losing digits: what is shown pre-filled must read back as the same number."""
    if value is None:
        return ""
    short = f"{value:.15g}"  # 0.1 stays 0.1, not 0.1000000000000000055...
    return short if float(short) == value else repr(value)  # repr: the shortest text that reads back


NOT_A_NUMBER = "Write a number, like 42 or 12.5."


@dataclass(frozen=True)
class Parsed:
    terms: dict[str, Any]
    errors: dict[str, str]


def parse(values: dict[str, str], *, periods: list[str], parents: list[int]) -> Parsed:
    """`periods` and `parents` are what this person may choose from; anything else is refused."""
    errors: dict[str, str] = {}
    title = (values.get("title") or "").strip()
    if not title:
        errors["title"] = "Give the goal a title."
    elif len(title) > MAX_TITLE:
        errors["title"] = f"Keep the title under {MAX_TITLE} characters (this is {len(title)})."
    description = (values.get("description") or "").strip()
    if len(description) > MAX_DESCRIPTION:
        errors["description"] = f"Keep it under {MAX_DESCRIPTION} characters (this is {len(description)})."
    kind = values.get("kind") or ""
    if kind not in GoalKind.__members__:
        errors["kind"] = "Pick what kind of goal this is."
    weight_text = (values.get("weight") or "").strip()
    weight = number(weight_text) if weight_text else DEFAULT_WEIGHT
    if weight is None or weight != int(weight) or not 1 <= weight <= 100:
        errors["weight"] = "A whole number from 1 to 100."
    period = goal_periods.parse(values.get("period") or "")
    if period is None or period.key not in periods:
        errors["period"] = "Pick the period this goal is for."
    due_on = period.ends_on if period else None
    if due := due_text(values):
        try:
            due_on = date.fromisoformat(due)
        except ValueError:
            errors["due"] = "Pick a date."
        else:
            if period and not period.starts_on <= due_on <= period.ends_on:
                errors["due"] = f"Pick a day within {period.label}."
    parent_text = (values.get("parent") or "").strip()
    parent_id = bounds.number(parent_text)
    if parent_text and parent_id not in parents:
        errors["parent"] = "That goal cannot be aligned to: pick one of the list."

    terms: dict[str, Any] = {
        "title": title,
        "description": description,
        "kind": kind,
        "metric": "",
        "baseline": None,
        "target": None,
        "weight": int(weight) if weight is not None and weight == int(weight) else DEFAULT_WEIGHT,
        "period": period.key if period else "",
        "due_on": due_on.isoformat() if due_on else "",
        "parent_id": parent_id,
        "key_results": [],
    }
    if kind == GoalKind.result:
        _result_terms(values, terms, errors)
    elif kind == GoalKind.objective:
        _key_result_terms(values, terms, errors)
    return Parsed(terms=terms, errors=errors)


def _result_terms(values: dict[str, str], terms: dict[str, Any], errors: dict[str, str]) -> None:
    metric = (values.get("metric") or "").strip()
    if not metric:
        errors["metric"] = "Name what is measured (a result goal tracks a number)."
    elif len(metric) > MAX_METRIC:
        errors["metric"] = f"Keep it under {MAX_METRIC} characters."
    baseline_text = (values.get("baseline") or "").strip()
    baseline = number(baseline_text) if baseline_text else 0.0
    if baseline is None:
        errors["baseline"] = NOT_A_NUMBER
    target_text = (values.get("target") or "").strip()
    target = number(target_text)
    if not target_text:
        errors["target"] = "Set the target value."
    elif target is None:
        errors["target"] = NOT_A_NUMBER
    elif baseline is not None and target == baseline:
        errors["target"] = "The target must differ from the baseline."
    terms.update(metric=metric, baseline=baseline, target=target)


def _key_result_terms(values: dict[str, str], terms: dict[str, Any], errors: dict[str, str]) -> None:
    for title_id, baseline_id, target_id in KR_BLOCKS:
        title = (values.get(title_id) or "").strip()
        baseline_text = (values.get(baseline_id) or "").strip()
        target_text = (values.get(target_id) or "").strip()
        if not title and not target_text and not baseline_text:
            continue
        baseline = number(baseline_text) if baseline_text else 0.0
        target = number(target_text)
        if not title:
            errors[title_id] = "Name this key result, or clear its numbers."
        elif len(title) > MAX_TITLE:
            errors[title_id] = f"Keep it under {MAX_TITLE} characters."
        if baseline is None:
            errors[baseline_id] = NOT_A_NUMBER
        if not target_text:
            errors[target_id] = "Set this key result's target."
        elif target is None:
            errors[target_id] = NOT_A_NUMBER
        elif baseline is not None and target == baseline:
            errors[target_id] = "The target must differ from the baseline, or progress cannot be measured."
        terms["key_results"].append({"title": title, "baseline": baseline, "target": target})
    if not terms["key_results"] and not errors.keys() & {"kr1_title", "kr1_target"}:
        errors["kr1_title"] = "An objective needs at least one key result."


def prefill(terms: dict[str, Any]) -> dict[str, str]:
    """The modal's initial values for a set of terms (editing, or countering a proposal)."""
    values = {
        "title": terms.get("title", ""),
        "description": terms.get("description", ""),
        "kind": terms.get("kind", ""),
        "metric": terms.get("metric", ""),
        "baseline": show_number(terms.get("baseline")),
        "target": show_number(terms.get("target")),
        "weight": str(terms.get("weight", DEFAULT_WEIGHT)),
        "period": terms.get("period", ""),
        "due": terms.get("due_on", ""),
        "parent": str(terms["parent_id"]) if terms.get("parent_id") else "",
    }
    for (title_id, baseline_id, target_id), kr in zip(KR_BLOCKS, terms.get("key_results", []), strict=False):
        values[title_id], values[target_id] = kr["title"], show_number(kr["target"])
        values[baseline_id] = show_number(kr.get("baseline") or 0.0)  # proposals made before baselines
    return values
