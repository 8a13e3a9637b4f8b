"""Queries on feedback and feedback requests."""

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, select

from storage.models import Feedback, FeedbackRequest


def add(session: Session, *, feedback: Feedback) -> Feedback:
    session.add(feedback)
    session.flush()
    return feedback


def received(session: Session, *, person_id: int, limit: int) -> Sequence[Feedback]:
    query = select(Feedback).where(Feedback.recipient_id == person_id)
    return session.exec(query.order_by(sa.desc(Feedback.created_at), sa.desc(Feedback.id)).limit(limit)).all()


def given(session: Session, *, person_id: int, limit: int) -> Sequence[Feedback]:
    query = select(Feedback).where(Feedback.giver_id == person_id)
    return session.exec(query.order_by(sa.desc(Feedback.created_at), sa.desc(Feedback.id)).limit(limit)).all()


def add_request(session: Session, *, request: FeedbackRequest) -> FeedbackRequest:
    session.add(request)
    session.flush()
    return request


def get_request(session: Session, *, request_id: int) -> FeedbackRequest | None:
    return session.get(FeedbackRequest, request_id)


def unanswered_requests(session: Session, *, asked_before: datetime) -> Sequence[FeedbackRequest]:
    query = select(FeedbackRequest).where(
        FeedbackRequest.answered_at.is_(None), FeedbackRequest.created_at <= asked_before
    )
    return session.exec(query.order_by(FeedbackRequest.id)).all()
