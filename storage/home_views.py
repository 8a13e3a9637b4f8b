"""Queries for the Home tab's state (storage.models.HomeView): what a person chose to see, which render
of it Slack has, and the short lease that lets one publisher at a time send it."""

import functools
from collections.abc import Iterable
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session

from storage.models import HomeView

LEASE = timedelta(seconds=30)  # longer than a render and a views.publish; a dead publisher's runs out


def get(session: Session, *, person_id: int) -> HomeView | None:
    return session.get(HomeView, person_id)


def choose(
    session: Session,
    *,
    person_id: int,
    subject_id: int | None,
    page: int,
    as_of: int | None,
    refusal: str | None,
    at: int,
) -> bool:
    """What the person asked to see, at Slack's time `at`: kept unless a later request chose already.
    True when it is now the wanted view (a new render is then wanted)."""
    row = session.get(HomeView, person_id, with_for_update=True)
    if row is None:
        row = HomeView(person_id=person_id)
    elif at <= row.chosen_at:
        return False
    row.subject_id, row.page, row.as_of, row.refusal, row.chosen_at = subject_id, page, as_of, refusal, at
    row.wanted += 1
    session.add(row)
    return True


def want_again(session: Session, *, person_ids: Iterable[int]) -> list[int]:
    """A new render of their own Home for those who have one (something on it changed); whom it concerns."""
    ids = list(set(person_ids))
    if not ids:
        return []
    statement = (
        sa.update(HomeView)
        .where(HomeView.person_id.in_(ids), HomeView.subject_id.is_(None))
        .values(wanted=HomeView.wanted + 1)
        .returning(HomeView.person_id)
    )
    return [row[0] for row in session.execute(statement).all()]


def shown_own(session: Session, *, person_ids: Iterable[int]) -> list[int]:
    """Who of these has a Home showing their own file (the to-do list is on it)."""
    ids = list(set(person_ids))
    if not ids:
        return []
    return list(session.execute(_shown_own(), {"b_ids": ids}).scalars())


@functools.cache
def _shown_own() -> sa.Select:
    """Built once: every change to someone's to-do list (each prompt of a fan-out) runs it."""
    c = HomeView.__table__.c
    return sa.select(c.person_id).where(
        c.person_id.in_(sa.bindparam("b_ids", expanding=True)), c.subject_id.is_(None)
    )


def start_publishing(session: Session, *, person_id: int, now: datetime) -> HomeView | None:
    """The lease to publish this person's Home, when nobody holds it and a render is wanted."""
    statement = (
        sa.update(HomeView)
        .where(
            HomeView.person_id == person_id,
            HomeView.published < HomeView.wanted,
            sa.or_(HomeView.publishing_until.is_(None), HomeView.publishing_until < now),
        )
        .values(publishing_until=now + LEASE)
        .returning(HomeView.person_id)
    )
    if session.execute(statement).first() is None:
        return None
    row = session.get(HomeView, person_id)
    if row is not None:
        session.refresh(row)
    return row


def done_publishing(session: Session, *, person_id: int, version: int) -> bool:
    """Slack has render `version`; the lease is let go. True when a newer render was asked for meanwhile."""
    statement = (
        sa.update(HomeView)
        .where(HomeView.person_id == person_id)
        .values(published=version, publishing_until=None)
        .returning(HomeView.wanted)
    )
    row = session.execute(statement).first()
    return row is not None and row[0] > version


def stop_publishing(session: Session, *, person_id: int) -> None:
    """The lease let go after a failed publish: the job's next try, or the next request, publishes."""
    session.execute(sa.update(HomeView).where(HomeView.person_id == person_id).values(publishing_until=None))
