"""Check-in templates: the library shipped with the app, a team's choice, and the exact version each
check-in asks. Versions are rows never changed; a check-in points at the one it asked."""

import logging
import re
from dataclasses import dataclass, replace
from datetime import datetime

from sqlmodel import Session

from domain.checkins import template_text
from domain.checkins.questions import DEFAULT_QUESTIONS, Question, scale
from domain.core.access import is_admin
from domain.core.delivery import Outcome
from domain.core.directory import person_for
from domain.core.refusals import NotAllowed, Refusal
from storage import checkins as store
from storage.models import Checkin, CheckinTemplate, Person

log = logging.getLogger(__name__)

DEFAULT = "weekly"
ENERGY = {1: "1 · drained", 2: "2 · low", 3: "3 · steady", 4: "4 · good", 5: "5 · energised"}
AGREE = {1: "1 · not at all", 2: "2 · a little", 3: "3 · somewhat", 4: "4 · mostly", 5: "5 · fully"}


class TemplateError(Refusal):
    """Refused by this feature; the message is what the person reads."""


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


MAX_EXTRA = 3
OWN = "team:"  # the slug prefix of a team's template with its manager's own questions


def extra_for_team(session: Session, team: str) -> tuple[Question, ...]:
    chosen = store.team_template(session, team=team)
    return tuple(Question.from_json(q) for q in chosen.extra) if chosen is not None else ()


def for_team(session: Session, team: str) -> CheckinTemplate:
    """The version a team's next check-in asks: its template's latest, then its manager's own questions. Those
    together are a template of the team's own, versioned like any, so later edits rewrite nothing."""
    chosen = store.team_template(session, team=team)  # read once: none is the common case, and not cached
    base = latest(session, chosen.slug if chosen is not None else DEFAULT)
    extra = tuple(Question.from_json(q) for q in chosen.extra) if chosen is not None else ()
    if not extra:
        return base
    slug = f"{OWN}{team}"[:64]
    questions = [*base.questions, *(q.to_json() for q in extra)]
    own = store.latest_template(session, slug=slug)
    if own is None or own.questions != questions:
        version = own.version + 1 if own is not None else 1
        name = f"{base.name}, with {team}'s own questions"[:100]
        store.add_template_version(session, slug=slug, version=version, name=name, questions=questions)
        own = store.latest_template(session, slug=slug)
        assert own is not None
    return own


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
        if row.slug.startswith(OWN):
            continue
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


# --- HR admins managing templates from Slack ----------------------------------------------------------------


@dataclass(frozen=True)
class TemplateForm:
    slug: str  # the template edited; "+slug" for a copy of it, "" for a new one
    name: str
    text: str
    creating: bool
    source: str  # what it was copied from, for the modal's header


def _admin(session: Session, slack_user_id: str) -> Person:
    person = person_for(session, slack_user_id)
    if not is_admin(person):
        raise NotAllowed("Only HR admins manage check-in templates.")
    return person


def _existing(session: Session, slug: str) -> CheckinTemplate:
    if slug.startswith(OWN):
        raise TemplateError("A team's own questions are its manager's, in `/checkins settings`.")
    if slug not in LIBRARY and store.latest_template(session, slug=slug) is None:
        raise TemplateError(f"There is no template `{slug}`: `/checkins templates` lists them.")
    return latest(session, slug)


def listing(session: Session, *, slack_user_id: str) -> str:
    _admin(session, slack_user_id)
    stored = {row.slug: row for row in store.latest_templates(session)}
    lines = []
    for slug, name in choices(session):
        row = stored.get(slug)
        version = f"version {row.version}" if row else "as shipped"
        count = len(row.questions) if row else len(LIBRARY[slug].questions)
        lines.append(f"`{slug}` {name} ({version}, {count} questions)")
    archived = [f"`{row.slug}`" for row in stored.values() if row.archived and not row.slug.startswith(OWN)]
    if archived:
        lines.append("Archived: " + ", ".join(archived))
    return "Check-in templates:\n" + "\n".join(lines)


def form(session: Session, *, slack_user_id: str, action: str, slug: str, name: str) -> TemplateForm:
    """The modal to write a template: `new` (empty), `copy` (of `slug`, under `name`) or `edit` (`slug`)."""
    _admin(session, slack_user_id)
    if action not in ("new", "copy", "edit"):
        raise TemplateError(
            "Write `/checkins template new NAME`, `copy SLUG [NAME]`, `edit SLUG` or `archive SLUG`."
        )
    if action == "new":
        if not name:
            raise TemplateError("Give the new template a name: `/checkins template new NAME`.")
        return TemplateForm(slug="", name=name, text="long* | ", creating=True, source="")
    row = _existing(session, slug)
    text = template_text.write(questions_of(row))
    if action == "copy":
        # "+slug": a copy, whose questions keep the ids they have in the original
        return TemplateForm(
            slug=f"+{row.slug}", name=name or f"{row.name} (copy)", text=text, creating=True, source=row.name
        )
    return TemplateForm(slug=row.slug, name=row.name, text=text, creating=False, source="")


def save(session: Session, *, slack_user_id: str, slug: str, name: str, text: str, now: datetime) -> Outcome:
    """A new template, or the next version of `slug`: check-ins already made keep the version they asked."""
    admin = _admin(session, slack_user_id)
    name = " ".join(name.split())[:100]
    if not name:
        return Outcome(errors={"name": "Give the template a name."})
    current = questions_of(_existing(session, slug.removeprefix("+"))) if slug else ()
    slug = "" if slug.startswith("+") else slug
    questions, problems = template_text.parse(text, current)
    if problems:
        return Outcome(errors={"questions": " ".join(problems)[:1900]})
    if not slug:
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:60] or "template"
        if slug in LIBRARY or store.latest_template(session, slug=slug) is not None:
            return Outcome(errors={"name": f"There is a template `{slug}` already: pick another name."})
    version = edit(session, slug=slug, name=name, questions=questions, now=now)
    log.info("%s saved check-in template %s, version %d", admin.email, slug, version)
    return Outcome(
        notice=f"Template `{slug}` saved (version {version}). Managers pick it in `/checkins settings`."
    )


def archive(session: Session, *, slack_user_id: str, slug: str, now: datetime) -> str:
    """Archived templates are no longer offered; teams asking one keep it until their manager picks another.
    Editing it again brings it back."""
    admin = _admin(session, slack_user_id)
    if slug == DEFAULT:
        raise TemplateError("The weekly template is everyone's default: it cannot be archived.")
    row = _existing(session, slug)
    if row.archived:
        return f"Template `{slug}` was archived already."
    store.add_template_version(
        session,
        slug=slug,
        version=row.version + 1,
        name=row.name,
        questions=row.questions,
        now=now,
        archived=True,
    )
    log.info("%s archived check-in template %s", admin.email, slug)
    return (
        f"Template `{slug}` archived: managers can no longer pick it; teams asking it keep it until they do."
    )


def parse_extra(text: str, current: tuple[Question, ...]) -> tuple[tuple[Question, ...], str | None]:
    """A manager's own questions, as written in the settings modal: up to MAX_EXTRA, ids apart from any
    template's (own_…)."""
    if not text.strip():
        return (), None
    questions, problems = template_text.parse(text, current)
    if problems:
        return (), " ".join(problems)[:1900]
    if len(questions) > MAX_EXTRA:
        return (), f"Add {MAX_EXTRA} questions of your own at most (this has {len(questions)})."
    own = tuple(replace(q, id=q.id if q.id.startswith("own_") else f"own_{q.id}"[:48]) for q in questions)
    return own, None
