"""A goal's terms: read from a goal, in the shape a proposal carries, and written back to it."""

from datetime import date
from typing import Any

from sqlmodel import Session

from domain.goals import periods, rollup
from storage import goals as store
from storage.models import Goal, GoalProposal, GoalStatus, KeyResult

# The statuses of a goal whose terms were agreed (and so change only by agreement).
AGREED = (GoalStatus.active, GoalStatus.at_risk, GoalStatus.done)


def terms_of(goal: Goal, key_results: list[KeyResult]) -> dict[str, Any]:
    """The agreed terms of a goal, in the shape a proposal carries."""
    return {
        "title": goal.title,
        "description": goal.description,
        "kind": goal.kind,
        "metric": goal.metric,
        "baseline": goal.baseline,
        "target": goal.target,
        "weight": goal.weight,
        "period": goal.period,
        "due_on": goal.due_on.isoformat(),
        "parent_id": goal.parent_id,
        "key_results": [
            {"title": kr.title, "baseline": kr.baseline, "target": kr.target} for kr in key_results
        ],
    }


def row(terms: dict[str, Any]) -> dict[str, Any]:
    """Goal columns from terms (key results live in their own table)."""
    period = periods.parse(terms["period"])
    assert period is not None
    return {
        "title": terms["title"],
        "description": terms["description"],
        "kind": terms["kind"],
        "metric": terms["metric"],
        "baseline": terms["baseline"],
        "target": terms["target"],
        "weight": terms["weight"],
        "period": period.key,
        "starts_on": period.starts_on,
        "due_on": date.fromisoformat(terms["due_on"]),
        "parent_id": terms["parent_id"],
    }


def set_key_results(session: Session, goal: Goal, terms: dict[str, Any]) -> None:
    """Replaces the key results, keeping the progress of those whose title stays."""
    assert goal.id is not None
    old = {kr.title: kr.current for kr in store.key_results(session, goal_ids=[goal.id])[goal.id]}
    rows = [
        KeyResult(
            goal_id=goal.id,
            position=n,
            title=kr["title"],
            baseline=kr.get("baseline") or 0.0,  # proposals made before baselines
            target=kr["target"],
            current=old.get(kr["title"], kr.get("baseline") or 0.0),
        )
        for n, kr in enumerate(terms["key_results"])
    ]
    store.replace_key_results(session, goal_id=goal.id, rows=rows)


def apply(session: Session, goal: Goal, proposal: GoalProposal, today: date) -> None:
    """An agreed proposal takes effect: its terms become the goal's, or the goal is dropped. The goals it is
    aligned to (before and after) roll up the change."""
    old_parent_id = goal.parent_id
    if proposal.action == "drop":
        goal.status = GoalStatus.dropped.value
    else:
        for key, value in row(proposal.terms).items():
            setattr(goal, key, value)
        set_key_results(session, goal, proposal.terms)
        if goal.status not in AGREED:
            goal.status = GoalStatus.active.value
    goal.version += 1
    rollup.after_change(session, goal, today, old_parent_id)
