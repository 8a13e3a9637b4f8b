"""Queries on end-of-cycle reviews, and on the goals a review looks back on."""

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from storage.conflicts import insert_if_absent
from storage.models import Goal, GoalLevel, GoalStatus, Review, ReviewStatus

AGREED_GOALS = (GoalStatus.active.value, GoalStatus.at_risk.value, GoalStatus.done.value)


def ensure(
    session: Session, *, person_id: int, manager_id: int | None, cycle: str, now: datetime
) -> tuple[Review, bool]:
    """The person's review of a cycle, made if missing (the database decides who was first); True if new."""
    values = {
        "person_id": person_id,
        "manager_id": manager_id,
        "cycle": cycle,
        "status": ReviewStatus.invited.value,
        "version": 0,
        "self_assessment": {},
        "manager_assessment": {},
        "plan": [],
        "draft_goal_ids": [],
        "created_at": now,
        "updated_at": now,
    }
    new_id = insert_if_absent(session, Review, values, key=["person_id", "cycle"])
    review = get_for(session, person_id=person_id, cycle=cycle)
    assert review is not None
    return review, new_id is not None


def get(session: Session, *, review_id: int) -> Review | None:
    return session.get(Review, review_id)


def get_for(session: Session, *, person_id: int, cycle: str) -> Review | None:
    query = select(Review).where(Review.person_id == person_id, Review.cycle == cycle)
    return session.exec(query).first()


def advance(
    session: Session,
    *,
    review_id: int,
    statuses: Iterable[ReviewStatus],
    version: int,
    values: dict[str, Any],
) -> bool:
    """Moves a review on, only from one of `statuses` and at `version`: False when it had moved already (a
    double click, a stale modal, a race). The review in the session is refreshed either way."""
    result = session.execute(
        sa.update(Review)
        .where(
            Review.id == review_id,
            Review.status.in_([s.value for s in statuses]),
            Review.version == version,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    review = session.get(Review, review_id)
    if review is not None:
        session.refresh(review)
    return result.rowcount == 1


def cycle_goals(session: Session, *, person_id: int, starts_on: date, ends_on: date) -> Sequence[Goal]:
    """The person's agreed goals whose period overlaps the cycle: what their review looks back on."""
    query = select(Goal).where(
        Goal.level == GoalLevel.person.value,
        Goal.person_id == person_id,
        Goal.status.in_(AGREED_GOALS),
        Goal.starts_on <= ends_on,
        Goal.due_on >= starts_on,
    )
    return session.exec(query.order_by(Goal.starts_on, Goal.id)).all()


def latest_agreed(session: Session, *, person_id: int) -> Review | None:
    """The person's most recently agreed review: its plan comes up in their check-ins."""
    query = select(Review).where(Review.person_id == person_id, Review.status == ReviewStatus.agreed.value)
    return session.exec(query.order_by(Review.agreed_at.desc(), Review.id.desc())).first()


def agreed_plan(session: Session, *, person_id: int) -> list[str]:
    review = latest_agreed(session, person_id=person_id)
    return list(review.plan) if review else []


def of_person(session: Session, *, person_id: int) -> Sequence[Review]:
    return session.exec(select(Review).where(Review.person_id == person_id).order_by(Review.cycle)).all()


OPEN_STEPS = (
    ReviewStatus.invited.value,
    ReviewStatus.self_assessed.value,
    ReviewStatus.assessed.value,
    ReviewStatus.revising.value,
)


def open_steps(session: Session) -> Sequence[Review]:
    """Reviews waiting for someone: a self-assessment, a manager's assessment, or an answer to it."""
    return session.exec(select(Review).where(Review.status.in_(OPEN_STEPS)).order_by(Review.id)).all()


def of_cycle(session: Session, *, cycle: str) -> Sequence[Review]:
    return session.exec(select(Review).where(Review.cycle == cycle).order_by(Review.id)).all()


def latest_cycle(session: Session) -> str | None:
    """The newest cycle any review was opened for."""
    return session.exec(select(sa.func.max(Review.cycle))).first()
