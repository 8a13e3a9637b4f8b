"""How far a goal has come, and progress as typed (in its modal or a check-in). Pure: nothing is stored."""

from domain.goals import form_values
from storage.models import Goal, GoalKind, GoalStatus, KeyResult

AUTO = "auto"  # the status follows progress against the time elapsed (see rollup)
PROGRESS_STATUSES = {
    AUTO: "From progress and the time elapsed",
    GoalStatus.active.value: "On track",
    GoalStatus.at_risk.value: "At risk",
    GoalStatus.done.value: "Done",
}


def progress_of(goal: Goal, key_results: list[KeyResult], *, count_done: bool = True) -> float:
    """0 to 1. From the key results where there are any; else from the goal's own value. A goal rolled up from
    its children reads its kept progress. `count_done`: a done goal counts as complete."""
    if count_done and goal.status == GoalStatus.done:
        return 1.0
    if goal.rollup:
        return goal.progress
    if key_results:
        return sum(_share(kr.current, kr.baseline, kr.target) for kr in key_results) / len(key_results)
    if goal.kind == GoalKind.result and goal.target is not None:
        baseline = goal.baseline or 0.0
        return _share(goal.current if goal.current is not None else baseline, baseline, goal.target)
    return _share(goal.current or 0.0, 0.0, 100.0)


def _share(current: float, start: float, target: float) -> float:
    if target == start:
        return 0.0
    return min(1.0, max(0.0, (current - start) / (target - start)))


def _measured(goal: Goal) -> bool:
    """A goal measured by its own metric (a number, any value) rather than a share in %."""
    return goal.kind == GoalKind.result and goal.target is not None


# How a goal's progress is kept: entered by its owner, or rolled up from the goals aligned to it.
PROGRESS_MODES = {"own": "I enter it", "children": "From the goals aligned to it, by their weights"}


def read_progress(
    goal: Goal, krs: list[KeyResult], values: dict[str, str], *, prefix: str
) -> tuple[list[tuple[Goal | KeyResult, float]], dict[str, str]]:
    """The values typed (a blank leaves a value as it was), and errors by block id; nothing is set yet."""
    fields: list[tuple[str, Goal | KeyResult]] = (
        [(f"{prefix}kr_{kr.id}", kr) for kr in krs] if krs else [(f"{prefix}current", goal)]
    )
    updates, errors = [], {}
    for block_id, holder in fields:
        text = (values.get(block_id) or "").strip()
        if not text:
            continue
        value = form_values.number(text)
        if value is None:
            errors[block_id] = form_values.NOT_A_NUMBER
        elif holder is goal and not _measured(goal) and not 0 <= value <= 100:
            errors[block_id] = form_values.PERCENT_RANGE  # told, never clamped in silence
        elif value != holder.current:
            updates.append((holder, value))
    return updates, errors
