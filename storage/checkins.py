"""Queries on check-ins, cadences and holidays."""

import functools
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from storage.conflicts import insert_if_absent
from storage.models import (
    AnonymousAnswer,
    Checkin,
    CheckinStatus,
    CheckinTemplate,
    Holiday,
    TeamCadence,
    TeamChannel,
    TeamDigest,
    TeamTemplate,
)
from storage.types import utcnow


def get(session: Session, *, checkin_id: int) -> Checkin | None:
    return session.get(Checkin, checkin_id)


@functools.cache
def _set_prompt() -> sa.Update:
    """Built once: a prompt of a fan-out runs it."""
    c = Checkin.__table__.c
    return (
        sa.update(Checkin.__table__)
        .where(c.id == sa.bindparam("b_id"), sa.or_(c.prompt_ts.is_(None), c.prompt_ts == ""))
        .values(prompt_channel=sa.bindparam("b_channel"), prompt_ts=sa.bindparam("b_ts"))
        .returning(c.id)
    )


def set_prompt(session: Session, *, checkin_id: int, channel: str, ts: str) -> bool:
    """The check-in's prompt, unless it has one: True when set (the thread its conversation lives in)."""
    params = {"b_id": checkin_id, "b_channel": channel, "b_ts": ts}
    return session.execute(_set_prompt(), params).first() is not None


@functools.cache
def _get_for() -> Any:
    return select(Checkin).where(
        Checkin.person_id == sa.bindparam("b_person"), Checkin.period_key == sa.bindparam("b_key")
    )


def get_for(session: Session, *, person_id: int, period_key: str) -> Checkin | None:
    params = {"b_person": person_id, "b_key": period_key}
    return session.execute(_get_for(), params).scalars().first()


@functools.cache
def _ensure(postgres: bool) -> Any:
    insert = pg_insert if postgres else sqlite_insert
    values = ["person_id", "period_key", "opens_at", "closes_at", "status", "answers", "template_id"]
    return (
        insert(Checkin.__table__)
        .values({name: sa.bindparam(f"b_{name}") for name in values})
        .on_conflict_do_nothing(index_elements=["person_id", "period_key"])
    )


def ensure(
    session: Session,
    *,
    person_id: int,
    period_key: str,
    opens_at: datetime,
    closes_at: datetime,
    template_id: int | None = None,
) -> Checkin:
    """The person's check-in for the period, created if missing (two callers at once get the same row)."""
    values = {
        "b_person_id": person_id,
        "b_period_key": period_key,
        "b_opens_at": opens_at,
        "b_closes_at": closes_at,
        "b_status": CheckinStatus.prompted.value,
        "b_answers": {},
        "b_template_id": template_id,
    }
    session.execute(_ensure(session.get_bind().dialect.name == "postgresql"), values)
    checkin = get_for(session, person_id=person_id, period_key=period_key)
    assert checkin is not None
    return checkin


def save(session: Session, *, checkin: Checkin) -> Checkin:
    session.add(checkin)
    session.flush()
    return checkin


def by_prompt(session: Session, *, channel: str, ts: str) -> Checkin | None:
    query = select(Checkin).where(Checkin.prompt_channel == channel, Checkin.prompt_ts == ts)
    return session.exec(query).first()


def unanswered_open(session: Session, *, now: datetime) -> Sequence[Checkin]:
    query = select(Checkin).where(Checkin.status == CheckinStatus.prompted.value, Checkin.closes_at > now)
    return session.exec(query.order_by(Checkin.id)).all()


def close_open_checkins(session: Session, *, person_ids: list[int], now: datetime) -> int:
    statement = (
        sa.update(Checkin)
        .where(Checkin.person_id.in_(person_ids), Checkin.closes_at > now)
        .values(closes_at=now)
        .returning(Checkin.id)
    )
    return len(session.execute(statement).all())


def for_person(session: Session, *, person_id: int) -> Sequence[Checkin]:
    return session.exec(
        select(Checkin).where(Checkin.person_id == person_id).order_by(Checkin.opens_at)
    ).all()


# cadences
def cadences(session: Session) -> dict[str, TeamCadence]:
    return {c.team: c for c in session.exec(select(TeamCadence)).all()}


def save_cadence(session: Session, *, cadence: TeamCadence) -> TeamCadence:
    merged = session.merge(cadence)
    session.flush()
    return merged


# holidays
def holidays(session: Session) -> Sequence[Holiday]:
    return session.exec(select(Holiday).order_by(Holiday.day)).all()


def holiday_days(session: Session) -> set[date]:
    return {h.day for h in holidays(session)}


def add_holiday(session: Session, *, day: date, name: str) -> Holiday:
    return session.merge(Holiday(day=day, name=name))


def remove_holiday(session: Session, *, day: date) -> bool:
    holiday = session.get(Holiday, day)
    if holiday is None:
        return False
    session.delete(holiday)
    return True


def skipped(session: Session, *, period_keys: set[str]) -> set[tuple[int, str]]:
    query = select(Checkin.person_id, Checkin.period_key).where(
        Checkin.status == CheckinStatus.skipped.value, Checkin.period_key.in_(sorted(period_keys))
    )
    return {(p, k) for p, k in session.exec(query).all()}


def by_manager_thread(session: Session, *, channel: str, ts: str) -> Checkin | None:
    query = select(Checkin).where(Checkin.manager_channel == channel, Checkin.manager_ts == ts)
    return session.exec(query).first()


# templates: versions are inserted, never updated
def template(session: Session, *, template_id: int) -> CheckinTemplate | None:
    return session.get(CheckinTemplate, template_id)


def template_version(session: Session, *, slug: str, version: int) -> CheckinTemplate | None:
    query = select(CheckinTemplate).where(CheckinTemplate.slug == slug, CheckinTemplate.version == version)
    return session.exec(query).first()


@functools.cache
def _latest_template() -> Any:
    query = select(CheckinTemplate).where(CheckinTemplate.slug == sa.bindparam("b_slug"))
    return query.order_by(CheckinTemplate.version.desc()).limit(1)


def latest_template(session: Session, *, slug: str) -> CheckinTemplate | None:
    return session.execute(_latest_template(), {"b_slug": slug}).scalars().first()


def latest_templates(session: Session) -> list[CheckinTemplate]:
    newest: dict[str, CheckinTemplate] = {}
    for row in session.exec(select(CheckinTemplate).order_by(CheckinTemplate.version)).all():
        newest[row.slug] = row
    return list(newest.values())


def add_template_version(
    session: Session,
    *,
    slug: str,
    version: int,
    name: str,
    questions: list[dict],
    now: datetime | None = None,
    archived: bool = False,
) -> None:
    """Two callers adding the same version at once leave one row."""
    insert_if_absent(
        session,
        CheckinTemplate,
        {
            "slug": slug,
            "version": version,
            "name": name,
            "questions": questions,
            "archived": archived,
            "created_at": now or utcnow(),
        },
        key=["slug", "version"],
    )


def team_template(session: Session, *, team: str) -> TeamTemplate | None:
    return session.get(TeamTemplate, team)


def save_team_template(session: Session, *, team: str, slug: str, extra: list[dict], now: datetime) -> None:
    session.merge(TeamTemplate(team=team, slug=slug, extra=extra, updated_at=now))
    session.flush()


# the team digest
def team_channel(session: Session, *, team: str) -> TeamChannel | None:
    return session.get(TeamChannel, team)


def save_team_channel(session: Session, *, team: str, channel: str, now: datetime) -> None:
    session.merge(TeamChannel(team=team, channel=channel, updated_at=now))
    session.flush()


def claim_digest(session: Session, *, team: str, period_key: str, channel: str, poster_id: int) -> bool:
    """True for the one caller that creates the period's digest row; its message is posted under
    `poster_id`'s ledger row, by that caller or, if it dies first, by any later one."""
    values = {"team": team, "period_key": period_key, "channel": channel, "ts": None, "poster_id": poster_id}
    return insert_if_absent(session, TeamDigest, values, key=["team", "period_key"]) is not None


def digest(session: Session, *, team: str, period_key: str) -> TeamDigest | None:
    query = select(TeamDigest).where(TeamDigest.team == team, TeamDigest.period_key == period_key)
    return session.exec(query).first()


def _submitted(person_ids: list[int], period_key: str) -> list[sa.ColumnElement[bool]]:
    return [
        Checkin.person_id.in_(person_ids),
        Checkin.period_key == period_key,
        Checkin.status == CheckinStatus.submitted.value,
    ]


def submitted_in(session: Session, *, person_ids: list[int], period_key: str) -> int:
    return session.exec(select(sa.func.count()).where(*_submitted(person_ids, period_key))).one()


def submitted_of(session: Session, *, person_ids: list[int], period_key: str) -> list[tuple[int, int]]:
    """(check-in id, person id) of those submitted for the period."""
    query = select(Checkin.id, Checkin.person_id).where(*_submitted(person_ids, period_key))
    return [tuple(row) for row in session.exec(query.order_by(Checkin.id))]


# anonymous answers: nothing in them names a person
def add_anonymous(
    session: Session, *, team: str, period_key: str, template_id: int, answers: dict[str, str]
) -> None:
    for question_id, value in sorted(answers.items()):
        session.add(
            AnonymousAnswer(
                team=team,
                period_key=period_key,
                template_id=template_id,
                question_id=question_id,
                value=value,
            )
        )
    session.flush()


def anonymous(session: Session, *, teams: list[str], period_keys: list[str]) -> Sequence[AnonymousAnswer]:
    query = select(AnonymousAnswer).where(
        AnonymousAnswer.team.in_(sorted(teams)), AnonymousAnswer.period_key.in_(sorted(period_keys))
    )
    return session.exec(query).all()


def anonymous_period_keys(session: Session) -> set[str]:
    return set(session.exec(select(AnonymousAnswer.period_key).distinct()))


def delete_anonymous(session: Session, *, period_keys: Sequence[str]) -> int:
    if not period_keys:
        return 0
    statement = sa.delete(AnonymousAnswer).where(AnonymousAnswer.period_key.in_(sorted(period_keys)))
    return session.execute(statement).rowcount
