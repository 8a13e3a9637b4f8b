"""Who may see, shape, edit or decide on which goals; a refusal says why not."""

import logging

from sqlmodel import Session

from domain.core.access import can_decide_for, is_admin
from domain.core.refusals import NotAllowed
from domain.goals.errors import GoalError
from domain.goals.terms import AGREED
from storage import goals as store
from storage import people
from storage.models import Goal, GoalLevel, GoalProposal, GoalStatus, Person, ProposalStatus, Role

log = logging.getLogger(__name__)


def may_shape(actor: Person, person: Person) -> bool:
    """Who may propose or update a person's goals: they, their manager, an HR admin."""
    return actor.id == person.id or can_decide_for(actor, person)


def may_set_shared(actor: Person, level: GoalLevel) -> bool:
    if level == GoalLevel.company:
        return is_admin(actor)
    return is_admin(actor) or actor.role in ("manager", "admin")


def owns_shared(actor: Person, goal: Goal) -> bool:
    """A company goal is its HR admins'; a team goal its manager's (and whoever set it)."""
    if is_admin(actor) or goal.created_by_id == actor.id:
        return True
    return goal.level == GoalLevel.team and actor.role == Role.manager and actor.team == goal.team


def check_may_edit(session: Session, actor: Person, goal: Goal) -> Person | None:
    """The goal's person (None for shared goals) when the actor may change it; NotAllowed otherwise."""
    if goal.status == GoalStatus.dropped:
        raise GoalError("That goal was dropped.")
    if goal.level != GoalLevel.person:
        if not owns_shared(actor, goal):
            raise NotAllowed("Only whoever set this goal, the team's manager or an HR admin can change it.")
        return None
    person = people.get(session, person_id=goal.person_id) if goal.person_id else None
    if person is None or not may_shape(actor, person):
        log.warning("person %s tried to change goal %s, not theirs to change", actor.id, goal.id)
        raise NotAllowed("Only the person, their manager or an HR admin can change this goal.")
    return person


def proposal_in_reach(
    session: Session, actor: Person, proposal_id: int, *, decision: str
) -> tuple[GoalProposal, Goal, Person]:
    """The open proposal the actor may decide on; a clear refusal otherwise."""
    proposal = store.get_proposal(session, proposal_id=proposal_id)
    goal = store.get(session, goal_id=proposal.goal_id, lock=True) if proposal else None
    person = people.get(session, person_id=goal.person_id) if goal and goal.person_id else None
    if proposal is None or goal is None or person is None:
        raise GoalError("That proposal no longer exists.")
    by_person = proposal.proposer_id != person.id
    allowed = actor.id == person.id if by_person else can_decide_for(actor, person)
    if not allowed or (decision in ("accept", "counter")) != by_person:
        log.warning(
            "person %s tried to %s proposal %s, not theirs to decide", actor.id, decision, proposal_id
        )
        raise NotAllowed(
            f"Only {person.name} can answer this proposal."
            if by_person
            else f"Only {person.name}'s manager or an HR admin can decide on this proposal."
        )
    stale = proposal.status == ProposalStatus.open and proposal.base_version != goal.version
    if proposal.status == ProposalStatus.superseded or stale:
        raise GoalError(
            "This proposal was replaced by a newer one, or the goal changed since: nothing was changed."
        )
    if proposal.status != ProposalStatus.open:
        decider = people.get(session, person_id=proposal.decided_by_id) if proposal.decided_by_id else None
        raise GoalError(
            f"This proposal was already {proposal.status.replace('_', ' ')}"
            + (f" by {decider.name}" if decider else "")
            + ": nothing more to do."
        )
    return proposal, goal, person


def agreed_goal_in_reach(session: Session, actor: Person, goal_id: int) -> tuple[Goal, Person]:
    goal = store.get(session, goal_id=goal_id, lock=True)
    if goal is None:
        raise GoalError("That goal no longer exists.")
    person = check_may_edit(session, actor, goal)
    if goal.status not in AGREED:
        raise GoalError("Progress is tracked once a goal is agreed.")
    return goal, person or actor
