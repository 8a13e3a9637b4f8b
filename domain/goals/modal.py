"""The goal modal: what it offers (periods, what to align to, kinds) and what it shows pre-filled."""

from dataclasses import dataclass, replace
from datetime import date

from sqlmodel import Session

from domain.core import bounds
from domain.core.access import can_decide_for
from domain.core.directory import person_for
from domain.core.refusals import NotAllowed
from domain.goals import form_values, nesting, periods
from domain.goals.errors import GoalError
from domain.goals.labels import KIND_LABELS
from domain.goals.periods import GoalPeriod
from domain.goals.permissions import check_may_edit, may_set_shared, proposal_in_reach
from domain.goals.reading import GoalView, parent_choices
from domain.goals.terms import AGREED, terms_of
from storage import goals as store
from storage import people
from storage.models import Goal, GoalKind, GoalLevel, GoalStatus, Person

DEFAULT_KIND = GoalKind.result.value  # first in the list; changing it reshapes the form


@dataclass(frozen=True)
class GoalForm:
    level: GoalLevel
    person: Person | None  # whose goal; None for team and company goals
    goal_id: int | None
    values: dict[str, str]
    periods: list[GoalPeriod]
    parents: list[GoalView]
    kinds: dict[str, str]
    note: str
    due_block: str = "due"  # renamed when the period changes, so Slack shows the new default
    kr_slots: int = form_values.KR_SLOTS

    @property
    def metadata(self) -> str:
        return f"{self.level.value}:{self.goal_id or ''}:{self.person.id if self.person else ''}"

    @property
    def kind(self) -> str:
        return self.values.get("kind") or DEFAULT_KIND

    @property
    def more_key_results(self) -> bool:
        return self.kr_slots < form_values.MAX_KEY_RESULTS


def read_metadata(metadata: str) -> tuple[GoalLevel, int | None, int | None]:
    """(level, goal id, person id) of the modal a submission or a choice came from."""
    level_text, goal_text, person_text = [*metadata.split(":"), "", ""][:3]
    level = GoalLevel(level_text) if level_text in GoalLevel.__members__ else GoalLevel.person
    goal_id = bounds.number(goal_text)
    if goal_text and goal_id is None:
        raise GoalError("That goal no longer exists.")
    return level, goal_id, bounds.number(person_text)


def refresh(
    session: Session, *, actor_slack_id: str, metadata: str, values: dict[str, str], today: date, changed: str
) -> GoalForm:
    """The modal again after a choice in it (`changed`: "kind", "period", "parent" or "add_kr"), with what
    was typed kept. Who may see it is checked again, as on opening."""
    level, goal_id, person_id = read_metadata(metadata)
    person = people.get(session, person_id=person_id) if person_id is not None else None
    typed = {k: v for k, v in values.items() if not k.startswith("due_")}
    typed["due"] = form_values.due_text(values)
    due_block = "due"
    if changed == "period" and (chosen := periods.parse(values.get("period") or "")) is not None:
        typed["due"], due_block = "", f"due_{chosen.key}"  # the new period's end, shown afresh
    slots = sum(1 for k in values if k.startswith("kr") and k.endswith("_title")) + (changed == "add_kr")
    if goal_id is not None:
        base = form(session, actor_slack_id=actor_slack_id, today=today, goal_id=goal_id, typed=typed)
    else:
        whom = person.slack_user_id if person is not None else None
        base = form(
            session,
            actor_slack_id=actor_slack_id,
            today=today,
            person_slack_id=whom,
            level=level,
            typed=typed,
        )
    slots = min(max(form_values.KR_SLOTS, slots), form_values.MAX_KEY_RESULTS)
    if base.due_block == "due":
        base = replace(base, due_block=due_block)
    return replace(base, kr_slots=slots)


def breakdown_level(actor: Person, parent: Goal) -> GoalLevel:
    """The level of a goal breaking `parent` down, by who breaks it down: an HR admin a company goal into
    company goals, a manager a shared goal into team goals; anyone else into their own."""
    if parent.level == GoalLevel.company and may_set_shared(actor, GoalLevel.company):
        return GoalLevel.company
    if parent.level != GoalLevel.person and may_set_shared(actor, GoalLevel.team):
        return GoalLevel.team
    return GoalLevel.person


def form(
    session: Session,
    *,
    actor_slack_id: str,
    today: date,
    goal_id: int | None = None,
    person_slack_id: str | None = None,
    level: GoalLevel | str = GoalLevel.person,
    counter_proposal_id: int | None = None,
    parent_id: int | None = None,
    typed: dict[str, str] | None = None,
) -> GoalForm:
    """The goal modal: a new goal (mine, a report's, a team's or the company's), an edit, or a counter.
    `level` may come as the word a person typed ("team", "company"). `parent_id`: breaking that goal down
    (its level then follows who breaks it down). `typed`: what the open modal holds, over the defaults."""
    level = GoalLevel(level)
    actor = person_for(session, actor_slack_id)
    typed = typed or {}
    if counter_proposal_id is not None:
        proposal, goal, person = proposal_in_reach(session, actor, counter_proposal_id, decision="counter")
        values = {**form_values.prefill(proposal.terms), **typed}
        note = "Change what you would rather agree to; it goes back to them for approval."
        return _goal_form(session, GoalLevel.person, person, goal, values, today, note)
    if goal_id is not None:
        goal = store.get(session, goal_id=goal_id)
        if goal is None:
            raise GoalError("That goal no longer exists.")
        person = check_may_edit(session, actor, goal)
        krs = store.key_results(session, goal_ids=[goal_id])[goal_id]
        values = {**form_values.prefill(terms_of(goal, krs)), **typed}
        note = (
            "Changes to an agreed goal are proposed: the agreed version stays until they are approved."
            if goal.status in AGREED and person is not None
            else ""
        )
        return _goal_form(session, GoalLevel(goal.level), person, goal, values, today, note)
    if parent_id is not None:
        parent = store.get(session, goal_id=parent_id)
        if parent is None or parent.status == GoalStatus.dropped:
            raise GoalError("That goal no longer exists.")
        level = breakdown_level(actor, parent)
        typed = {"parent": str(parent_id), **typed}
    if level != GoalLevel.person:
        if not may_set_shared(actor, level):
            raise NotAllowed(
                f"Only {'HR admins' if level == GoalLevel.company else 'managers'} set {level} goals."
            )
        note = f"A {level} goal, shown to everyone."
        return _goal_form(session, level, None, None, typed, today, note, team=actor.team)
    person = actor
    if person_slack_id and person_slack_id != actor.slack_user_id:
        person = people.get_by_slack_id(session, slack_user_id=person_slack_id)
        if person is None or not person.active or not can_decide_for(actor, person):
            raise NotAllowed("You can propose goals to the people who report to you.")
    note = (
        "Your manager will be asked to agree."
        if person.id == actor.id
        else f"{person.name} will be asked to accept."
    )
    return _goal_form(session, GoalLevel.person, person, None, typed, today, note)


def _goal_form(session, level, person, goal, values, today, note, team="") -> GoalForm:
    keep = goal.parent_id if goal else None
    parents = [
        v
        for v in parent_choices(
            session, person, today, keep, level=level, team=team or (goal.team if goal else "")
        )
        if not goal or v.goal.id != goal.id
    ]
    parent = next((v.goal for v in parents if str(v.goal.id) == values.get("parent")), None)
    choosable = nesting.offered(today, goal.period if goal else None, parent)
    values = {"kind": DEFAULT_KIND, **values}
    due_block = "due"
    if values.get("period") not in {p.key for p in choosable}:  # new, or outside a newly chosen parent
        if values.get("period"):
            values["due"], due_block = "", f"due_{choosable[0].key}"
        values["period"] = choosable[0].key
    if not values.get("due") and (period := periods.parse(values["period"])) is not None:
        values["due"] = (min(period.ends_on, parent.due_on) if parent else period.ends_on).isoformat()
    filled = sum(1 for key in values if key.startswith("kr") and key.endswith("_title"))
    return GoalForm(
        level=level,
        person=person,
        goal_id=goal.id if goal else None,
        values=values,
        kr_slots=min(max(form_values.KR_SLOTS, filled), form_values.MAX_KEY_RESULTS),
        periods=choosable,
        parents=parents,
        kinds={k.value: v for k, v in KIND_LABELS.items()},
        note=note,
        due_block=due_block,
    )
