"""Queries on 1:1 series, their agenda points, action items and private notes."""

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, select

from storage.models import OneOnOneAction, OneOnOnePoint, OneOnOnePrivateNote, OneOnOneSeries


def add(session: Session, row):
    session.add(row)
    session.flush()
    return row


def get_series(session: Session, *, series_id: int) -> OneOnOneSeries | None:
    return session.get(OneOnOneSeries, series_id)


def active_series_of(session: Session, *, person_id: int) -> Sequence[OneOnOneSeries]:
    """The person's running series, as manager or as report, oldest first."""
    query = select(OneOnOneSeries).where(
        OneOnOneSeries.ended_at.is_(None),
        sa.or_(OneOnOneSeries.manager_id == person_id, OneOnOneSeries.report_id == person_id),
    )
    return session.exec(query.order_by(OneOnOneSeries.id)).all()


def active_series(session: Session) -> Sequence[OneOnOneSeries]:
    query = select(OneOnOneSeries).where(OneOnOneSeries.ended_at.is_(None))
    return session.exec(query.order_by(OneOnOneSeries.id)).all()


def get_point(session: Session, *, point_id: int) -> OneOnOnePoint | None:
    return session.get(OneOnOnePoint, point_id)


def open_points(session: Session, *, series_id: int) -> Sequence[OneOnOnePoint]:
    query = select(OneOnOnePoint).where(
        OneOnOnePoint.series_id == series_id, OneOnOnePoint.discussed_at.is_(None)
    )
    return session.exec(query.order_by(OneOnOnePoint.created_at, OneOnOnePoint.id)).all()


def get_action(session: Session, *, action_id: int) -> OneOnOneAction | None:
    return session.get(OneOnOneAction, action_id)


def open_actions(session: Session, *, series_id: int) -> Sequence[OneOnOneAction]:
    query = select(OneOnOneAction).where(
        OneOnOneAction.series_id == series_id, OneOnOneAction.done_at.is_(None)
    )
    return session.exec(query.order_by(OneOnOneAction.due_on, OneOnOneAction.id)).all()


def open_actions_owned(session: Session, *, owner_id: int) -> Sequence[OneOnOneAction]:
    query = select(OneOnOneAction).where(
        OneOnOneAction.owner_id == owner_id, OneOnOneAction.done_at.is_(None)
    )
    return session.exec(query.order_by(OneOnOneAction.due_on, OneOnOneAction.id)).all()


def private_notes(session: Session, *, series_id: int, author_id: int) -> Sequence[OneOnOnePrivateNote]:
    """Only ever asked for with the author who reads them: there is no query for anyone else's."""
    query = select(OneOnOnePrivateNote).where(
        OneOnOnePrivateNote.series_id == series_id, OneOnOnePrivateNote.author_id == author_id
    )
    return session.exec(query.order_by(OneOnOnePrivateNote.created_at, OneOnOnePrivateNote.id)).all()


def end(session: Session, *, series: OneOnOneSeries, reason: str, now: datetime) -> None:
    series.ended_at = now
    series.end_reason = reason
    session.add(series)
    session.flush()
