"""Roll-up: a goal's progress (entered, or computed from its children by weight) and its status from the time
elapsed; a change anywhere updates its ancestors, in the caller's transaction.

Status follows progress against the time elapsed unless its owner set it by hand:
on track when progress is at or above what the elapsed time calls for (less a margin), at risk when behind it
by more than the margin, done at 100 %.
"""

from datetime import date

from sqlmodel import Session

from domain.goals.progress import progress_of
from storage import goals as store
from storage.models import Goal, GoalStatus

AT_RISK_MARGIN = 0.15  # behind the elapsed time by more than this share: at risk
# Statuses a roll-up or the clock may move between; a draft, a pending or a dropped goal is left alone.
RUNNING = (GoalStatus.active.value, GoalStatus.at_risk.value, GoalStatus.done.value)
MAX_DEPTH = 20  # a cycle in stored data must not hang a request


def expected_share(goal: Goal, today: date) -> float:
    """What the time elapsed calls for: 0 on the first day, 1 on the due day and after. A goal set after its
    period began counts from the day it was set: it was not behind before it existed."""
    start = max(goal.starts_on, goal.created_at.date()) if goal.created_at else goal.starts_on
    days = (goal.due_on - start).days
    if days <= 0:
        return 1.0 if today >= goal.due_on else 0.0
    return min(1.0, max(0.0, (today - start).days / days))


def status_for(progress: float, expected: float) -> GoalStatus:
    if progress >= 1.0:
        return GoalStatus.done
    if progress < expected - AT_RISK_MARGIN:
        return GoalStatus.at_risk
    return GoalStatus.active


def shown_status(goal: Goal, today: date, progress: float) -> GoalStatus:
    """The status as of today, `progress` being the goal's now: time passes without anyone updating, so an
    automatic status is read afresh (what is kept was right when the goal last changed)."""
    if goal.status_by_hand or goal.status not in RUNNING[:2]:
        return GoalStatus(goal.status)
    return status_for(progress, expected_share(goal, today))


def weighted(children: list[Goal]) -> float:
    """The children's progress weighted by their weights; 0 with no child counting."""
    total = sum(c.weight for c in children)
    return sum(c.progress * c.weight for c in children) / total if total else 0.0


def counting_children(session: Session, goal: Goal) -> list[Goal]:
    """The children a roll-up counts: agreed and not dropped (a proposal counts once agreed)."""
    assert goal.id is not None
    return [c for c in store.children(session, goal_ids=[goal.id]).get(goal.id, []) if c.status in RUNNING]


def measure(session: Session, goal: Goal) -> float:
    """The goal's progress from what it holds now, its status aside (a done by hand stays 100 % when read)."""
    if goal.rollup:
        return weighted(counting_children(session, goal))
    assert goal.id is not None
    krs = store.key_results(session, goal_ids=[goal.id])[goal.id]
    return progress_of(goal, krs, count_done=False)


def refresh(session: Session, goal: Goal, today: date) -> list[Goal]:
    """Recomputes the goal's progress and status, then each ancestor's. Returns the goals changed."""
    changed, seen, current = [], set(), goal
    for _ in range(MAX_DEPTH):
        if current.id in seen:
            break
        seen.add(current.id)
        before = (current.progress, current.status)
        done_by_hand = current.status == GoalStatus.done and current.status_by_hand
        current.progress = 1.0 if done_by_hand else measure(session, current)
        if current.status in RUNNING and not current.status_by_hand:
            current.status = status_for(current.progress, expected_share(current, today)).value
        if (current.progress, current.status) != before:
            changed.append(current)
        session.flush()
        parent = store.get(session, goal_id=current.parent_id) if current.parent_id else None
        if parent is None:
            break
        current = parent
    return changed


def after_change(session: Session, goal: Goal, today: date, old_parent_id: int | None = None) -> None:
    """A goal changed (progress, terms, status, alignment): it and its ancestors are refreshed, and so is the
    goal it was aligned to before, if it moved."""
    refresh(session, goal, today)
    if not old_parent_id or old_parent_id == goal.parent_id:
        return
    if (moved_from := store.get(session, goal_id=old_parent_id)) is not None:
        refresh(session, moved_from, today)


def refresh_statuses(session: Session, today: date) -> int:
    """The daily refresh: each automatic status read afresh against the time elapsed, so what is kept (and
    what summaries and 1:1 suggestions read) does not go stale between updates. Progress does not move with
    time, so no ancestor changes. Returns how many goals changed."""
    changed = 0
    for goal in store.automatic_status(session):
        status = status_for(goal.progress, expected_share(goal, today)).value
        if status != goal.status:
            goal.status = status
            session.add(goal)
            changed += 1
    session.flush()
    return changed
