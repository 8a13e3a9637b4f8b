"""The reads behind cycle summaries: each takes a whole team at once, so a summary costs the same few
queries whatever the size of the org."""

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Session, func, select

from storage.models import (
    Checkin,
    Feedback,
    FileEntry,
    Goal,
    GoalProposal,
    GoalStatus,
    Person,
    ProposalStatus,
    Send,
    Visibility,
)


def managers(session: Session) -> Sequence[Person]:
    """Active people with at least one active report."""
    report = sa.orm.aliased(Person)
    has_reports = sa.exists().where(report.manager_id == Person.id, report.active)
    return session.exec(select(Person).where(Person.active, has_reports).order_by(Person.id)).all()


def reports_of(session: Session, *, manager_ids: Sequence[int]) -> dict[int, list[Person]]:
    found: dict[int, list[Person]] = {m: [] for m in manager_ids}
    if manager_ids:
        query = select(Person).where(Person.manager_id.in_(list(manager_ids)), Person.active)
        for person in session.exec(query.order_by(Person.name, Person.id)):
            found[person.manager_id].append(person)
    return found


def checkins_of(
    session: Session, *, person_ids: Sequence[int], opened_from: datetime, opened_before: datetime
) -> Sequence[Checkin]:
    if not person_ids:
        return []
    query = select(Checkin).where(
        Checkin.person_id.in_(list(person_ids)),
        Checkin.opens_at >= opened_from,
        Checkin.opens_at < opened_before,
    )
    return session.exec(query.order_by(Checkin.opens_at, Checkin.id)).all()


def closed_periods(
    session: Session, *, per_manager: bool, closed_after: datetime, now: datetime
) -> list[tuple]:
    """(manager id if per_manager, period key, first opening, last closing) of the check-in periods whose
    every check-in (of that manager's reports; else of everyone on that period) closed in (closed_after,
    now]: the summaries that may be due. One grouped query for the whole org."""
    groups = [Person.manager_id, Checkin.period_key] if per_manager else [Checkin.period_key]
    last_close = func.max(Checkin.closes_at)
    query = (
        select(*groups, func.min(Checkin.opens_at), last_close)
        .join(Person, Person.id == Checkin.person_id)
        .where(Person.manager_id.is_not(None), Checkin.closes_at > closed_after)
        .group_by(*groups)
        .having(last_close <= now)
    )
    return [tuple(row) for row in session.exec(query)]


def teams_in_period(session: Session, *, period_key: str) -> list[str]:
    query = (
        select(Person.team)
        .join(Checkin, Checkin.person_id == Person.id)
        .where(Checkin.period_key == period_key)
        .distinct()
    )
    return sorted(session.exec(query))


def in_teams(session: Session, *, teams: Sequence[str]) -> Sequence[Person]:
    if not teams:
        return []
    query = select(Person).where(Person.team.in_(list(teams)), Person.active, Person.manager_id.is_not(None))
    return session.exec(query.order_by(Person.team, Person.id)).all()


def sent_keys(
    session: Session, *, kind: str, keys: Sequence[str], person_ids: Sequence[int] | None = None
) -> set[tuple[int, str]]:
    """(person id, key) of the summaries of this kind, among these keys, already claimed or sent."""
    if not keys:
        return set()
    query = select(Send.person_id, Send.period_key).where(
        Send.kind == kind, Send.period_key.in_(sorted(set(keys))), Send.state != "failed"
    )
    if person_ids is not None:
        query = query.where(Send.person_id.in_(list(person_ids)))
    return {(p, k) for p, k in session.exec(query)}


def goals_of(
    session: Session, *, person_ids: Sequence[int], starting_by: date, ending_from: date
) -> Sequence[Goal]:
    """The people's goals running at some point of a cycle, dropped ones left out."""
    if not person_ids:
        return []
    query = select(Goal).where(
        Goal.person_id.in_(list(person_ids)),
        Goal.starts_on <= starting_by,
        Goal.due_on >= ending_from,
        Goal.status != GoalStatus.dropped.value,
    )
    return session.exec(query.order_by(Goal.person_id, Goal.id)).all()


def open_proposals_for(session: Session, *, person_ids: Sequence[int]) -> Sequence[tuple[GoalProposal, Goal]]:
    if not person_ids:
        return []
    query = (
        select(GoalProposal, Goal)
        .join(Goal, Goal.id == GoalProposal.goal_id)
        .where(Goal.person_id.in_(list(person_ids)), GoalProposal.status == ProposalStatus.open.value)
    )
    return session.exec(query.order_by(GoalProposal.id)).all()


def progress_entries(
    session: Session, *, person_ids: Sequence[int], since: datetime, until: datetime
) -> Sequence[FileEntry]:
    if not person_ids:
        return []
    query = select(FileEntry).where(
        FileEntry.person_id.in_(list(person_ids)),
        FileEntry.kind == "goal_progress",
        FileEntry.created_at >= since,
        FileEntry.created_at < until,
    )
    return session.exec(query.order_by(FileEntry.created_at, FileEntry.id)).all()


def feedback_counts(
    session: Session, *, person_ids: Sequence[int], since: datetime, until: datetime
) -> dict[int, int]:
    """Feedback each person received in the window; what was kept for their eyes only is not counted."""
    counts: dict[int, int] = defaultdict(int)
    if not person_ids:
        return counts
    query = (
        select(Feedback.recipient_id, func.count())
        .where(
            Feedback.recipient_id.in_(list(person_ids)),
            Feedback.created_at >= since,
            Feedback.created_at < until,
            Feedback.visibility != Visibility.recipient_only.value,
        )
        .group_by(Feedback.recipient_id)
    )
    for person_id, count in session.exec(query):
        counts[person_id] = count
    return counts


def shared_goals(
    session: Session, *, level: str, teams: Sequence[str], starting_by: date, ending_from: date
) -> Sequence[Goal]:
    """Agreed company goals (level "company", `teams` ignored) or these teams' goals running in a cycle."""
    query = select(Goal).where(
        Goal.level == level,
        Goal.starts_on <= starting_by,
        Goal.due_on >= ending_from,
        Goal.status.in_([GoalStatus.active.value, GoalStatus.at_risk.value, GoalStatus.done.value]),
    )
    if level != "company":
        if not teams:
            return []
        query = query.where(Goal.team.in_(list(teams)))
    return session.exec(query.order_by(Goal.team, Goal.starts_on, Goal.id)).all()
