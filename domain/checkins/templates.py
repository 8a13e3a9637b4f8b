"""Check-in templates: the library shipped with the app, a team's choice, and the exact version each
check-in asks. Versions are rows never changed; a check-in points at the one it asked."""

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from domain.checkins.questions import DEFAULT_QUESTIONS, Question, scale
from storage import checkins as store
from storage.models import Checkin, CheckinTemplate

log = logging.getLogger(__name__)

DEFAULT = "weekly"
ENERGY = {1: "1 · drained", 2: "2 · low", 3: "3 · steady", 4: "4 · good", 5: "5 · energised"}
AGREE = {1: "1 · not at all", 2: "2 · a little", 3: "3 · somewhat", 4: "4 · mostly", 5: "5 · fully"}


@dataclass(frozen=True)
class Template:
    slug: str
    name: str
    questions: tuple[Question, ...]


LIBRARY: dict[str, Template] = {
    t.slug: t
    for t in (
        Template(DEFAULT, "Weekly check-in", DEFAULT_QUESTIONS),
        Template(
            "standup",
            "Daily standup",
            (
                Question(
                    "yesterday", "What did you get done yesterday?", "One or two lines", True, audience="team"
                ),
                Question("today", "What will you do today?", "Your focus for the day", True, audience="team"),
                Question(
                    "blockers",
                    "Anything blocking you?",
                    "Leave empty if not",
                    stands_out=True,
                    audience="team",
                ),
                Question("on_track", "On track for the week?", required=True, kind="yesno"),
            ),
        ),
        Template(
            "monthly",
            "Monthly reflection",
            (
                scale("mood", "How was this month for you?", ENERGY, hint="Pick one", required=True),
                Question("proud", "What are you most proud of this month?", "", True),
                Question("learned", "What did you learn?", ""),
                Question("change", "What would you change about how we work?", "", stands_out=True),
                Question(
                    "focus",
                    "Where will you focus next month?",
                    kind="choice",
                    options=(
                        ("delivery", "Delivery"),
                        ("growth", "Learning and growth"),
                        ("team", "The team"),
                    ),
                ),
                Question("one_on_one", "Topics for your next 1:1", "", kind="short"),
            ),
        ),
        Template(
            "retro",
            "Retro",
            (
                scale("goal_met", "Did we meet this period's goal?", AGREE, required=True),
                Question("went_well", "What went well?", "", True, audience="team"),
                Question("went_badly", "What did not go well?", "", stands_out=True, audience="team"),
                Question("try_next", "What should we try next time?", "", audience="team"),
                Question("hours_lost", "Hours lost to interruptions", "A number", kind="number"),
            ),
        ),
    )
}


def questions_of(row: CheckinTemplate) -> tuple[Question, ...]:
    return tuple(Question.from_json(q) for q in row.questions)


def latest(session: Session, slug: str) -> CheckinTemplate:
    """The newest version of template `slug`; a library template's first version is stored on first use."""
    row = store.latest_template(session, slug=slug)
    if row is None:
        shipped = LIBRARY.get(slug) or LIBRARY[DEFAULT]
        store.add_template_version(
            session,
            slug=shipped.slug,
            version=1,
            name=shipped.name,
            questions=[q.to_json() for q in shipped.questions],
        )
        row = store.latest_template(session, slug=shipped.slug)
        assert row is not None
    return row


def slug_for_team(session: Session, team: str) -> str:
    chosen = store.team_template(session, team=team)
    return chosen.slug if chosen is not None else DEFAULT


def for_team(session: Session, team: str) -> CheckinTemplate:
    return latest(session, slug_for_team(session, team))


def of_checkin(session: Session, checkin: Checkin) -> CheckinTemplate:
    """The version a check-in asks: fixed when it was created, so later edits change nothing of it."""
    if checkin.template_id is not None:
        row = store.template(session, template_id=checkin.template_id)
        if row is not None:
            return row
    return store.template_version(session, slug=DEFAULT, version=1) or latest(session, DEFAULT)


def choices(session: Session) -> list[tuple[str, str]]:
    """(slug, name) of the templates a manager may pick: the library's and those made since, not archived."""
    names = {slug: t.name for slug, t in LIBRARY.items()}
    for row in store.latest_templates(session):
        if row.archived:
            names.pop(row.slug, None)
        else:
            names[row.slug] = row.name
    return sorted(names.items(), key=lambda item: (item[0] != DEFAULT, item[1]))


def edit(session: Session, *, slug: str, name: str, questions: tuple[Question, ...], now: datetime) -> int:
    """A new version of `slug`; check-ins already made keep the version they asked."""
    current = store.latest_template(session, slug=slug)
    version = (current.version + 1) if current is not None else 1
    store.add_template_version(
        session, slug=slug, version=version, name=name, questions=[q.to_json() for q in questions], now=now
    )
    log.info("check-in template %s is now at version %d", slug, version)
    return version
