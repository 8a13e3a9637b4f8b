"""Progress on agreed goals: from the progress modal, or typed in a check-in. No agreement needed."""

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session

from domain.core.directory import person_for
from domain.goals import form_values, rollup
from domain.goals.labels import STATUS_LABELS
from domain.goals.outcome import Outcome
from domain.goals.permissions import agreed_goal_in_reach
from domain.goals.progress import AUTO, PROGRESS_MODES, PROGRESS_STATUSES, progress_of, read_progress
from domain.goals.reading import GoalView, views
from domain.performance_file.entries import record
from storage import goals as store
from storage.models import EntryKind, GoalStatus, Person


@dataclass(frozen=True)
class ProgressForm:
    view: GoalView
    person: Person
    values: dict[str, str]
    statuses: dict[str, str]
    modes: dict[str, str]  # offered when the goal has children: its progress may roll up from them
    children: int


def progress_form(
    session: Session, *, actor_slack_id: str, goal_id: int, typed: dict[str, str] | None = None
) -> ProgressForm:
    """The progress modal; `typed`: what the open modal holds (a roll-up choice reshaping it), kept. Who may
    see it is checked again, as on opening."""
    actor = person_for(session, actor_slack_id)
    goal, person = agreed_goal_in_reach(session, actor, goal_id)
    (view,) = views(session, [goal])
    values = {
        "current": form_values.show_number(goal.current),
        "status": goal.status if goal.status_by_hand else AUTO,
        "mode": "children" if goal.rollup else "own",
    }
    values.update({f"kr_{kr.id}": form_values.show_number(kr.current) for kr in view.key_results})
    values.update({k: v for k, v in (typed or {}).items() if k in values and v})
    children = len(rollup.counting_children(session, goal))
    if values["mode"] not in PROGRESS_MODES or not (children or goal.rollup):
        values["mode"] = "own"
    return ProgressForm(
        view=view,
        person=person,
        values=values,
        statuses=PROGRESS_STATUSES,
        modes=PROGRESS_MODES if children or goal.rollup else {},
        children=children,
    )


def update_progress(
    session: Session,
    *,
    actor_slack_id: str,
    goal_id: int,
    values: dict[str, str],
    now: datetime,
    source: str = "update",
) -> Outcome:
    actor = person_for(session, actor_slack_id)
    goal, person = agreed_goal_in_reach(session, actor, goal_id)
    krs = store.key_results(session, goal_ids=[goal_id])[goal_id]
    mode = values.get("mode") or ("children" if goal.rollup else "own")
    if mode not in PROGRESS_MODES:
        mode = "own"
    updates, errors = ([], {}) if mode == "children" else read_progress(goal, krs, values, prefix="")
    status = values.get("status") or (goal.status if goal.status_by_hand else AUTO)
    if status not in PROGRESS_STATUSES:
        errors["status"] = "Pick how the goal is going."
    note = (values.get("note") or "").strip()
    if len(note) > form_values.MAX_COMMENT:
        errors["note"] = f"Keep it under {form_values.MAX_COMMENT} characters."
    if errors:
        return Outcome(errors=errors)
    for holder, value in updates:
        holder.current = value
    goal.rollup = mode == "children"
    goal.status_by_hand = status != AUTO
    if status != AUTO:
        goal.status = status
    elif goal.status == GoalStatus.done:  # back to automatic: from the numbers again
        goal.status = GoalStatus.active.value
    rollup.after_change(session, goal, now.date())
    _record_progress(session, actor, person, goal, krs, note, source, now)
    return Outcome(notice=f"Progress on {goal.title}: {round(100 * progress_of(goal, krs))}%.")


def _record_progress(session, actor, person, goal, krs, note, source, now) -> None:
    goal.updated_at = now
    share = round(100 * progress_of(goal, krs))
    record(
        session,
        person=person,
        author=actor,
        kind=EntryKind.goal_progress,
        text=f"{goal.title}: {share}%, {STATUS_LABELS[GoalStatus(goal.status)]}"
        + (f"\n{note}" if note else ""),
        data={
            "goal_id": goal.id,
            "progress": share,
            "status": goal.status,
            "current": goal.current,
            "key_results": {kr.title: kr.current for kr in krs},
            "source": source,
        },
    )


MAX_CHECKIN_GOALS = 8


def checkin_goals(session: Session, *, person: Person, on: date) -> list[GoalView]:
    """The agreed goals a check-in asks progress on."""
    assert person.id is not None
    return views(
        session, list(store.active_of_person(session, person_id=person.id, on=on))[:MAX_CHECKIN_GOALS]
    )


def checkin_progress(
    session: Session, *, person: Person, values: dict[str, str], on: date, now: datetime, checkin_id: int
) -> dict[str, str]:
    """Progress typed in a check-in (blocks goal_<id>_current, goal_<id>_kr_<kr id>): recorded on each goal
    that changed. Errors by block id, and then nothing is kept."""
    errors: dict[str, str] = {}
    changed = []
    for view in checkin_goals(session, person=person, on=on):
        updates, problems = read_progress(view.goal, view.key_results, values, prefix=f"goal_{view.goal.id}_")
        errors.update(problems)
        if updates:
            changed.append((view, updates))
    if errors:
        return errors
    for view, updates in changed:
        for holder, value in updates:
            holder.current = value
        rollup.after_change(session, view.goal, on)
        _record_progress(
            session, person, person, view.goal, view.key_results, "", f"checkin:{checkin_id}", now
        )
    return {}
