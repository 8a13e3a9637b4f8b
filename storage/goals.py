"""Queries on goals, their key results and proposals."""

from collections.abc import Sequence
from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Session, select

from storage.models import Goal, GoalLevel, GoalProposal, GoalStatus, KeyResult, ProposalStatus


def add(session: Session, *, goal: Goal) -> Goal:
    session.add(goal)
    session.flush()
    return goal


def get(session: Session, *, goal_id: int, lock: bool = False) -> Goal | None:
    """`lock`: held until commit (PostgreSQL), so a decision and an edit of one goal cannot interleave."""
    return session.get(Goal, goal_id, with_for_update=lock or None)


def get_many(session: Session, *, goal_ids: Sequence[int]) -> dict[int, Goal]:
    if not goal_ids:
        return {}
    return {g.id: g for g in session.exec(select(Goal).where(Goal.id.in_(sorted(set(goal_ids)))))}


def of_person(session: Session, *, person_id: int, ending_on_or_after: date) -> Sequence[Goal]:
    """A person's goals whose period has not ended, and those overdue but still open; not dropped ones."""
    still_open = [
        GoalStatus.draft.value,
        GoalStatus.pending.value,
        GoalStatus.active.value,
        GoalStatus.at_risk.value,
    ]
    query = select(Goal).where(
        Goal.person_id == person_id,
        sa.or_(Goal.due_on >= ending_on_or_after, Goal.status.in_(still_open)),
        Goal.status != GoalStatus.dropped.value,
    )
    return session.exec(query.order_by(Goal.starts_on, Goal.id)).all()


def running_of_person(session: Session, *, person_id: int, ending_on_or_after: date) -> Sequence[Goal]:
    """A person's agreed goals still running: what their shorter goals can break down."""
    query = select(Goal).where(
        Goal.person_id == person_id,
        Goal.due_on >= ending_on_or_after,
        Goal.status.in_([GoalStatus.active.value, GoalStatus.at_risk.value]),
    )
    return session.exec(query.order_by(Goal.starts_on, Goal.id)).all()


def active_of_person(session: Session, *, person_id: int, on: date) -> Sequence[Goal]:
    """Agreed goals in progress on a day, overdue ones included: the ones a check-in asks about."""
    query = select(Goal).where(
        Goal.person_id == person_id,
        Goal.status.in_([GoalStatus.active.value, GoalStatus.at_risk.value]),
        Goal.starts_on <= on,
    )
    return session.exec(query.order_by(Goal.starts_on, Goal.id)).all()


def shared(session: Session, *, team: str, ending_on_or_after: date) -> Sequence[Goal]:
    """Company goals and the team's goals still running: what a person's goals can align to."""
    query = select(Goal).where(
        sa.or_(
            Goal.level == GoalLevel.company.value,
            sa.and_(Goal.level == GoalLevel.team.value, Goal.team == team),
        ),
        Goal.due_on >= ending_on_or_after,
        Goal.status.in_([GoalStatus.active.value, GoalStatus.at_risk.value]),
    )
    return session.exec(query.order_by(Goal.level, Goal.starts_on, Goal.id)).all()


def in_tree(session: Session, *, ending_on_or_after: date) -> Sequence[Goal]:
    """The agreed goals of the goal tree (a few hundred in a company); drafts and proposals left out."""
    agreed = [GoalStatus.active.value, GoalStatus.at_risk.value, GoalStatus.done.value]
    query = select(Goal).where(Goal.status.in_(agreed), Goal.due_on >= ending_on_or_after)
    return session.exec(query.order_by(Goal.starts_on, Goal.id)).all()


def automatic_status(session: Session) -> Sequence[Goal]:
    """Running goals whose status follows the time elapsed (not set by hand): the daily refresh's."""
    query = select(Goal).where(
        Goal.status.in_([GoalStatus.active.value, GoalStatus.at_risk.value]),
        Goal.status_by_hand.is_(False),
    )
    return session.exec(query.order_by(Goal.id)).all()


def children(session: Session, *, goal_ids: Sequence[int]) -> dict[int, list[Goal]]:
    """The goals aligned to each of these, dropped ones included (callers choose what counts)."""
    found: dict[int, list[Goal]] = {goal_id: [] for goal_id in goal_ids}
    if goal_ids:
        query = select(Goal).where(Goal.parent_id.in_(list(goal_ids)))
        for goal in session.exec(query.order_by(Goal.starts_on, Goal.id)):
            found[goal.parent_id].append(goal)
    return found


def key_results(session: Session, *, goal_ids: Sequence[int]) -> dict[int, list[KeyResult]]:
    found: dict[int, list[KeyResult]] = {goal_id: [] for goal_id in goal_ids}
    if goal_ids:
        query = select(KeyResult).where(KeyResult.goal_id.in_(list(goal_ids)))
        for kr in session.exec(query.order_by(KeyResult.goal_id, KeyResult.position)):
            found[kr.goal_id].append(kr)
    return found


def replace_key_results(session: Session, *, goal_id: int, rows: Sequence[KeyResult]) -> None:
    for old in session.exec(select(KeyResult).where(KeyResult.goal_id == goal_id)):
        session.delete(old)
    session.flush()
    for row in rows:
        session.add(row)
    session.flush()


def add_proposal(session: Session, *, proposal: GoalProposal) -> GoalProposal:
    session.add(proposal)
    session.flush()
    return proposal


def get_proposal(session: Session, *, proposal_id: int) -> GoalProposal | None:
    return session.get(GoalProposal, proposal_id)


def open_proposals(session: Session, *, goal_ids: Sequence[int]) -> dict[int, GoalProposal]:
    """The open proposal of each goal that has one."""
    if not goal_ids:
        return {}
    query = select(GoalProposal).where(
        GoalProposal.goal_id.in_(list(goal_ids)), GoalProposal.status == ProposalStatus.open.value
    )
    return {p.goal_id: p for p in session.exec(query.order_by(GoalProposal.id))}


def supersede_open(session: Session, *, goal_id: int) -> None:
    session.execute(
        sa.update(GoalProposal)
        .where(GoalProposal.goal_id == goal_id, GoalProposal.status == ProposalStatus.open.value)
        .values(status=ProposalStatus.superseded.value)
    )


def settle(
    session: Session,
    *,
    proposal_id: int,
    status: ProposalStatus,
    decided_by_id: int,
    comment: str,
    now: datetime,
) -> bool:
    """Closes an open proposal; False when it was no longer open (a double click, a race)."""
    result = session.execute(
        sa.update(GoalProposal)
        .where(GoalProposal.id == proposal_id, GoalProposal.status == ProposalStatus.open.value)
        .values(status=status.value, decided_by_id=decided_by_id, comment=comment, decided_at=now)
    )
    return result.rowcount == 1
