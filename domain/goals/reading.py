"""Goals as people read them: with progress, open proposal and parent; a person's overview."""

import logging
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from domain.core.access import can_decide_for
from domain.core.clock import utcnow
from domain.core.directory import person_for
from domain.core.refusals import NotAllowed
from domain.goals import periods, rollup
from domain.goals.labels import STATUS_LABELS
from domain.goals.permissions import owns_shared
from domain.goals.progress import progress_of
from domain.goals.terms import AGREED
from storage import goals as store
from storage import people
from storage.models import Goal, GoalLevel, GoalProposal, KeyResult, Person

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class GoalView:
    goal: Goal
    key_results: list[KeyResult]
    progress: int  # percent
    proposal: GoalProposal | None
    parent: Goal | None
    period_label: str
    status_label: str

    @property
    def agreed(self) -> bool:
        return self.goal.status in AGREED


def views(session: Session, goals: list[Goal]) -> list[GoalView]:
    ids = [g.id for g in goals if g.id is not None]
    krs = store.key_results(session, goal_ids=ids)
    proposals = store.open_proposals(session, goal_ids=ids)
    parents = store.get_many(session, goal_ids=[g.parent_id for g in goals if g.parent_id])
    result, today = [], utcnow().date()
    for goal in goals:
        assert goal.id is not None
        period = periods.parse(goal.period)
        share = progress_of(goal, krs[goal.id])
        result.append(
            GoalView(
                goal=goal,
                key_results=krs[goal.id],
                progress=round(100 * share),
                proposal=proposals.get(goal.id),
                parent=parents.get(goal.parent_id) if goal.parent_id else None,
                period_label=period.label if period else goal.period,
                status_label=STATUS_LABELS[rollup.shown_status(goal, today, share)],
            )
        )
    return result


@dataclass(frozen=True)
class Overview:
    person: Person
    viewer: Person
    goals: list[GoalView]
    shared: list[GoalView]
    owned: frozenset[int] = frozenset()  # the shared goals the viewer may update: theirs to progress

    @property
    def own(self) -> bool:
        return self.person.id == self.viewer.id

    @property
    def total_weight(self) -> int:
        return sum(v.goal.weight for v in self.goals if v.agreed) or 1


def overview(session: Session, *, viewer_slack_id: str, person_slack_id: str | None, today: date) -> Overview:
    viewer = person_for(session, viewer_slack_id)
    person = viewer
    if person_slack_id and person_slack_id != viewer.slack_user_id:
        person = people.get_by_slack_id(session, slack_user_id=person_slack_id)
        if person is None or not can_decide_for(viewer, person):
            log.warning(
                "person %s asked for the goals of person %s", viewer.id, person.id if person else None
            )
            raise NotAllowed("Only their manager or an HR admin can see someone else's goals.")
    assert person.id is not None
    shared = list(store.shared(session, team=person.team, ending_on_or_after=today))
    return Overview(
        person=person,
        viewer=viewer,
        goals=views(session, list(store.of_person(session, person_id=person.id, ending_on_or_after=today))),
        shared=views(session, shared),
        owned=frozenset(g.id for g in shared if g.id is not None and owns_shared(viewer, g)),
    )


def parent_choices(
    session: Session,
    person: Person | None,
    today: date,
    keep: int | None = None,
    *,
    level: GoalLevel = GoalLevel.person,
    team: str = "",
) -> list[GoalView]:
    """What a goal may align to, still running: the company's goals; for a team's or a person's goal, the
    team's; for a person's goal, their own longer ones (a year broken into quarters). `keep`: the goal's
    current parent, kept even when it has ended since, so an edit does not drop it."""
    team = person.team if person else team
    rows = list(
        store.shared(session, team=team if level != GoalLevel.company else "", ending_on_or_after=today)
    )
    if level == GoalLevel.company:
        rows = [g for g in rows if g.level == GoalLevel.company]
    if person is not None and person.id is not None:
        rows += store.running_of_person(session, person_id=person.id, ending_on_or_after=today)
    if keep and keep not in {g.id for g in rows} and (kept := store.get(session, goal_id=keep)) is not None:
        rows.insert(0, kept)
    return views(session, rows)
