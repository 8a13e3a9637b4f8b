"""The goal modal: what it offers (periods, what to align to, kinds) and what it shows pre-filled."""

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from domain.core.access import can_decide_for
from domain.core.directory import person_for
from domain.core.refusals import NotAllowed
from domain.goals import form_values, periods
from domain.goals.errors import GoalError
from domain.goals.labels import KIND_LABELS
from domain.goals.periods import GoalPeriod
from domain.goals.permissions import check_may_edit, may_set_shared, proposal_in_reach
from domain.goals.reading import GoalView, parent_choices
from domain.goals.terms import AGREED, terms_of
from storage import goals as store
from storage import people
from storage.models import GoalLevel, Person


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

    @property
    def metadata(self) -> str:
        return f"{self.level.value}:{self.goal_id or ''}:{self.person.id if self.person else ''}"


def form(
    session: Session,
    *,
    actor_slack_id: str,
    today: date,
    goal_id: int | None = None,
    person_slack_id: str | None = None,
    level: GoalLevel | str = GoalLevel.person,
    counter_proposal_id: int | None = None,
) -> GoalForm:
    """The goal modal: a new goal (mine, a report's, a team's or the company's), an edit, or a counter.
    `level` may come as the word a person typed ("team", "company")."""
    level = GoalLevel(level)
    actor = person_for(session, actor_slack_id)
    if counter_proposal_id is not None:
        proposal, goal, person = proposal_in_reach(session, actor, counter_proposal_id, decision="counter")
        values = form_values.prefill(proposal.terms)
        note = "Change what you would rather agree to; it goes back to them for approval."
        return _goal_form(session, GoalLevel.person, person, goal, values, today, note)
    if goal_id is not None:
        goal = store.get(session, goal_id=goal_id)
        if goal is None:
            raise GoalError("That goal no longer exists.")
        person = check_may_edit(session, actor, goal)
        krs = store.key_results(session, goal_ids=[goal_id])[goal_id]
        values = form_values.prefill(terms_of(goal, krs))
        note = (
            "Changes to an agreed goal are proposed: the agreed version stays until they are approved."
            if goal.status in AGREED and person is not None
            else ""
        )
        return _goal_form(session, GoalLevel(goal.level), person, goal, values, today, note)
    if level != GoalLevel.person:
        if not may_set_shared(actor, level):
            raise NotAllowed(
                f"Only {'HR admins' if level == GoalLevel.company else 'managers'} set {level} goals."
            )
        return _goal_form(session, level, None, None, {}, today, f"A {level} goal, shown to everyone.")
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
    return _goal_form(session, GoalLevel.person, person, None, {}, today, note)


def _goal_form(session, level, person, goal, values, today, note) -> GoalForm:
    return GoalForm(
        level=level,
        person=person,
        goal_id=goal.id if goal else None,
        values=values,
        periods=periods.choosable(today, goal.period if goal else None),
        parents=parent_choices(session, person, today, goal.parent_id if goal else None)
        if level != GoalLevel.company
        else [],
        kinds={k.value: v for k, v in KIND_LABELS.items()},
        note=note,
    )
