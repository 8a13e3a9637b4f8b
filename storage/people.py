"""Queries on people."""

from collections.abc import Iterable, Sequence

from sqlmodel import Session, select

from storage.models import Person, Role


def get(session: Session, *, person_id: int | None) -> Person | None:
    """None for None: references to a person erased by `checkins file delete` are cleared to NULL."""
    return session.get(Person, person_id) if person_id is not None else None


def by_ids(session: Session, *, ids: Iterable[int]) -> Sequence[Person]:
    wanted = sorted(set(ids))
    if not wanted:
        return []
    return session.exec(select(Person).where(Person.id.in_(wanted))).all()


def get_by_slack_id(session: Session, *, slack_user_id: str) -> Person | None:
    return session.exec(select(Person).where(Person.slack_user_id == slack_user_id)).first()


def get_by_email(session: Session, *, email: str) -> Person | None:
    return session.exec(select(Person).where(Person.email == email.lower())).first()


def list_all(session: Session, *, active_only: bool = False) -> Sequence[Person]:
    query = select(Person).order_by(Person.id)
    if active_only:
        query = query.where(Person.active)
    return session.exec(query).all()


def reports_of(session: Session, *, manager_id: int, active_only: bool = True) -> Sequence[Person]:
    query = select(Person).where(Person.manager_id == manager_id).order_by(Person.name, Person.id)
    if active_only:
        query = query.where(Person.active)
    return session.exec(query).all()


def save(session: Session, *, person: Person) -> Person:
    session.add(person)
    session.flush()
    return person


def save_all(session: Session, persons: Iterable[Person]) -> None:
    """Many at once: one flush, which SQLAlchemy sends as batched INSERTs and UPDATEs."""
    session.add_all(list(persons))
    session.flush()


def in_team(session: Session, *, team: str) -> Sequence[Person]:
    return session.exec(select(Person).where(Person.team == team).order_by(Person.id)).all()


def admins(session: Session) -> Sequence[Person]:
    """Active HR admins, oldest first."""
    query = select(Person).where(Person.role == Role.admin.value, Person.active).order_by(Person.id)
    return session.exec(query).all()
