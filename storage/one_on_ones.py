"""Queries on 1:1 series, their agenda points, action items and private notes."""

from collections.abc import Sequence
from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Session, select

from storage.models import (
    Checkin,
    CheckinStatus,
    EntryKind,
    Feedback,
    FileEntry,
    Goal,
    GoalStatus,
    OneOnOneAction,
    OneOnOnePoint,
    OneOnOnePrivateNote,
    OneOnOneSeries,
    Visibility,
)


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


def suggestion_keys(session: Session, *, series_id: int) -> set[str]:
    """Suggestions already accepted or dismissed in the series."""
    query = select(OneOnOnePoint.suggestion_key).where(
        OneOnOnePoint.series_id == series_id, OneOnOnePoint.suggestion_key.is_not(None)
    )
    return {key for key in session.exec(query).all() if key}


def submitted_checkins(session: Session, *, person_id: int, since: datetime) -> Sequence[Checkin]:
    query = select(Checkin).where(
        Checkin.person_id == person_id,
        Checkin.status == CheckinStatus.submitted.value,
        Checkin.submitted_at >= since,
    )
    return session.exec(query.order_by(Checkin.submitted_at, Checkin.id)).all()


def goals_at_risk(session: Session, *, person_id: int) -> Sequence[Goal]:
    query = select(Goal).where(Goal.person_id == person_id, Goal.status == GoalStatus.at_risk.value)
    return session.exec(query.order_by(Goal.id)).all()


def shared_feedback_since(session: Session, *, person_id: int, since: datetime) -> Sequence[Feedback]:
    """Feedback the person received that their manager may see too (never what its giver kept private)."""
    query = select(Feedback).where(
        Feedback.recipient_id == person_id,
        Feedback.visibility == Visibility.recipient_and_manager.value,
        Feedback.created_at >= since,
    )
    return session.exec(query.order_by(Feedback.id)).all()


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


def open_action_owner_ids(session: Session) -> list[int]:
    query = select(OneOnOneAction.owner_id).where(
        OneOnOneAction.done_at.is_(None), OneOnOneAction.owner_id.is_not(None)
    )
    return sorted({owner for owner in session.exec(query.distinct()).all() if owner is not None})


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


# --- for summaries: counts only, whole teams at once -------------------------------------------------------


def records_in(
    session: Session, *, person_ids: Sequence[int], since: datetime, until: datetime
) -> Sequence[FileEntry]:
    """The 1:1 entries (points discussed, shared notes, action items...) in these people's files, in the
    window, oldest first."""
    if not person_ids:
        return []
    query = select(FileEntry).where(
        FileEntry.person_id.in_(list(person_ids)),
        FileEntry.kind == EntryKind.one_on_one.value,
        FileEntry.created_at >= since,
        FileEntry.created_at < until,
    )
    return session.exec(query.order_by(FileEntry.created_at, FileEntry.id)).all()


def series_by_id(session: Session, *, series_ids: Sequence[int]) -> dict[int, OneOnOneSeries]:
    if not series_ids:
        return {}
    query = select(OneOnOneSeries).where(OneOnOneSeries.id.in_(sorted(set(series_ids))))
    return {s.id: s for s in session.exec(query) if s.id is not None}


def open_action_counts(session: Session, *, manager_id: int, today: date) -> tuple[int, int]:
    """(open, overdue) action items of the manager's running series, whoever owns them."""
    query = (
        select(OneOnOneAction.due_on)
        .join(OneOnOneSeries, OneOnOneSeries.id == OneOnOneAction.series_id)
        .where(
            OneOnOneSeries.manager_id == manager_id,
            OneOnOneSeries.ended_at.is_(None),
            OneOnOneAction.done_at.is_(None),
        )
    )
    due = list(session.exec(query))
    return len(due), sum(1 for day in due if day < today)
