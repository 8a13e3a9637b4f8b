"""Queries for the Home tab's to-do list: what waits for one person, across features (read only)."""

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, select

from storage.models import Checkin, CheckinStatus, FeedbackRequest, Person, Review, ReviewStatus


def open_checkin(session: Session, *, person_id: int, now: datetime) -> Checkin | None:
    """The person's check-in open now and not answered yet."""
    query = select(Checkin).where(
        Checkin.person_id == person_id,
        Checkin.status == CheckinStatus.prompted.value,
        Checkin.opens_at <= now,
        Checkin.closes_at > now,
    )
    return session.exec(query.order_by(sa.desc(Checkin.opens_at))).first()


def feedback_requests_to_answer(session: Session, *, asked_id: int) -> Sequence[FeedbackRequest]:
    query = select(FeedbackRequest).where(
        FeedbackRequest.asked_id == asked_id, FeedbackRequest.answered_at.is_(None)
    )
    return session.exec(query.order_by(FeedbackRequest.created_at, FeedbackRequest.id)).all()


def own_review_steps(session: Session, *, person_id: int) -> Sequence[Review]:
    """The person's reviews waiting for them: a self-assessment, or an answer to the manager's."""
    waiting = (ReviewStatus.invited.value, ReviewStatus.assessed.value)
    query = select(Review).where(Review.person_id == person_id, Review.status.in_(waiting))
    return session.exec(query.order_by(Review.id)).all()


def reports_review_steps(session: Session, *, manager_id: int) -> Sequence[tuple[Review, Person]]:
    """Reports' reviews waiting for their manager's assessment (a first one, or a revision)."""
    waiting = (ReviewStatus.self_assessed.value, ReviewStatus.revising.value)
    query = (
        select(Review, Person)
        .join(Person, Person.id == Review.person_id)
        .where(Person.manager_id == manager_id, Person.active, Review.status.in_(waiting))
    )
    return session.exec(query.order_by(Review.id)).all()


def checkins_awaiting_reply(session: Session, *, manager_id: int) -> Sequence[tuple[Checkin, Person]]:
    """Check-ins sent to this manager, from people still reporting to them, not replied to yet."""
    query = (
        select(Checkin, Person)
        .join(Person, Person.id == Checkin.person_id)
        .where(
            Checkin.manager_id == manager_id,
            Person.manager_id == manager_id,
            Checkin.status == CheckinStatus.submitted.value,
            Checkin.manager_replied_at.is_(None),
        )
    )
    return session.exec(query.order_by(Checkin.submitted_at, Checkin.id)).all()
