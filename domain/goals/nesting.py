"""Nesting in time: a goal's children run in periods within its own (year → quarters → months), due within
it; and no goal may end up aligned under itself. Rules only; the caller loads the goals."""

from datetime import date

from sqlmodel import Session

from domain.goals import periods
from domain.goals.periods import GoalPeriod
from storage import goals as store
from storage.models import Goal

MAX_DEPTH = 20


def offered(today: date, keep: str | None, parent: Goal | None) -> list[GoalPeriod]:
    """The periods a goal may be set for: under a parent, the parent's and those inside it not yet over;
    else this and next month, quarter and year. `keep`: the goal's own period, kept when no longer offered."""
    if parent is None or (outer := periods.parse(parent.period)) is None:
        return periods.choosable(today, keep)
    found = [p for p in periods.within(outer) if p.ends_on >= today] or [outer]
    current = periods.parse(keep) if keep else None
    if current is not None and current.key not in {p.key for p in found}:
        found.insert(0, current)
    return found


def errors(period: GoalPeriod | None, due_on: date | None, parent: Goal | None) -> dict[str, str]:
    """Errors by block id when a goal would not lie within the goal it is aligned to."""
    if parent is None or period is None or (outer := periods.parse(parent.period)) is None:
        return {}
    if not periods.nests(period, outer):
        return {"period": f"Pick a period within {outer.label}, the period of the goal it is aligned to."}
    if due_on is not None and due_on > parent.due_on:
        return {"due": f"Pick a day by {parent.due_on.isoformat()}, when the goal it is aligned to is due."}
    return {}


def would_loop(session: Session, goal_id: int | None, parent_id: int | None) -> bool:
    """True when aligning `goal_id` to `parent_id` would put the goal under itself."""
    seen, current = set(), parent_id
    while goal_id is not None and current is not None and len(seen) < MAX_DEPTH:
        if current == goal_id:
            return True
        seen.add(current)
        parent = store.get(session, goal_id=current)
        current = parent.parent_id if parent else None
    return False
