"""Check-ins, one unit of work each: the modal's content, an answer kept, skip, pause, resume, and what
`/checkins` shows."""

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlmodel import Session

from domain.checkins import anonymous, templates
from domain.checkins.cadence import Cadence, cadence_of
from domain.checkins.due import gets_checkins
from domain.checkins.periods import Period, day_label, local_day, period_at, period_label
from domain.checkins.questions import GIVEN, Question, clean, forged, headline, mood_of, validate
from domain.core import delivery
from domain.core.directory import person_for
from domain.core.refusals import NotAllowed, Refusal
from domain.goals import reading as goal_reading
from domain.goals import tracking as goal_tracking
from domain.home.refresh import changed as home_changed
from domain.one_on_ones import reading as one_on_one_reading
from domain.one_on_ones import service as one_on_ones
from domain.performance_file.entries import record
from storage import checkins as store
from storage import people
from storage import reviews as review_store
from storage.models import Checkin, CheckinStatus, EntryKind, OneOnOneAction, Person

log = logging.getLogger(__name__)

# The check-in form's block of open 1:1 action items (Slack shows 10 checkboxes at most).
ACTION_ITEMS, ACTION_ITEMS_SHOWN = "oo_actions_done", 10

MAX_PAUSE = timedelta(days=366)


class CheckinError(Refusal):
    """Refused by this feature; the message is what the person reads."""


def cadence_for(session: Session, team: str) -> Cadence:
    return cadence_of(store.cadences(session).get(team))


def current_period(session: Session, person: Person, now: datetime) -> Period:
    return period_at(cadence_for(session, person.team), person.timezone, now)


def checkin_for(session: Session, person: Person, period: Period) -> Checkin:
    assert person.id is not None
    existing = store.get_for(session, person_id=person.id, period_key=period.key)
    if existing is not None:
        return existing
    return store.ensure(
        session,
        person_id=person.id,
        period_key=period.key,
        opens_at=period.opens,
        closes_at=period.closes,
        template_id=templates.for_team(session, person.team).id,
    )


# --- answering ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckinForm:
    checkin: Checkin
    person: Person
    label: str
    questions: tuple[Question, ...]
    answers: dict[str, str]
    editing: bool
    goals: list[goal_reading.GoalView]
    # The improvement plan of the person's last agreed review: it comes up in every check-in.
    plan: list[str] = field(default_factory=list)
    # The team has a digest channel: its *team* questions' answers go there too.
    team_channel: bool = False
    # Open 1:1 action items the person owns, each with the other side: ticked in the form, they are done.
    actions: list[tuple[OneOnOneAction, Person | None]] = field(default_factory=list)


def form(session: Session, *, slack_user_id: str, checkin_id: int | None, now: datetime) -> CheckinForm:
    """The modal's content: the person's own check-in, pre-filled when they edit it."""
    person = person_for(session, slack_user_id)
    if checkin_id is None:
        period = current_period(session, person, now)
        checkin = checkin_for(session, person, period)
    else:
        checkin = _own_checkin(session, person, checkin_id)
    if now >= checkin.closes_at:
        raise CheckinError("This check-in's period has closed; the next one will come on schedule.")
    return CheckinForm(
        checkin=checkin,
        person=person,
        label=period_label(checkin, person),
        questions=anonymous.still_asked(
            templates.questions_of(templates.of_checkin(session, checkin)), checkin.answers
        ),
        answers={k: str(v) for k, v in checkin.answers.items()},
        editing=checkin.status == CheckinStatus.submitted,
        goals=goal_tracking.checkin_goals(session, person=person, on=local_day(person, now)),
        plan=review_store.agreed_plan(session, person_id=person.id),
        team_channel=bool(person.team and store.team_channel(session, team=person.team)),
        actions=one_on_one_reading.open_actions_of(session, person.id)[:ACTION_ITEMS_SHOWN],
    )


def early(session: Session, *, slack_user_id: str, now: datetime) -> int:
    """The check-in `/checkins now` opens: this period's, or once that one is answered or skipped, the next
    one's, before its prompt (say, the evening before a day off). Its prompt is then not sent."""
    person = person_for(session, slack_user_id)
    if not gets_checkins(person):
        raise CheckinError("You have no check-ins: they come to people who have a manager in the app.")
    cadence = cadence_for(session, person.team)
    period = period_at(cadence, person.timezone, now)
    checkin = checkin_for(session, person, period)
    if checkin.status != CheckinStatus.prompted:
        checkin = checkin_for(session, person, period_at(cadence, person.timezone, period.closes))
    home_changed(session, person)
    return checkin.id


def _own_checkin(session: Session, person: Person, checkin_id: int) -> Checkin:
    checkin = store.get(session, checkin_id=checkin_id)
    if checkin is None or checkin.person_id != person.id:
        log.warning("person %s tried to open check-in %s, which is not theirs", person.id, checkin_id)
        raise NotAllowed("That check-in is not yours.")
    return checkin


@dataclass
class Submitted(delivery.Outcome):
    checkin_id: int | None = None
    first: bool = False


def submit(
    session: Session, *, slack_user_id: str, checkin_id: int, answers: dict[str, str], now: datetime
) -> Submitted:
    person = person_for(session, slack_user_id)
    checkin = _own_checkin(session, person, checkin_id)
    answers = dict(answers)
    ticked = one_on_ones.ticked_in_checkin(session, owner=person, value=answers.pop(ACTION_ITEMS, ""))
    if ticked is None:
        return Submitted(
            errors={ACTION_ITEMS: "Only your own action items can be ticked; nothing was saved."}
        )
    version = templates.of_checkin(session, checkin)
    questions = anonymous.still_asked(templates.questions_of(version), checkin.answers)
    first_block = questions[0].id
    if extra := forged(answers, questions):
        log.warning(
            "%s sent answers to questions check-in %s does not ask: %s", person.email, checkin.id, extra
        )
        return Submitted(errors={first_block: "This check-in does not ask that; nothing was saved."})
    errors = validate(answers, questions)
    if errors:
        return Submitted(errors=errors)
    if now >= checkin.closes_at:
        return Submitted(
            errors={first_block: "This check-in's period has closed; your answers were not saved."}
        )
    # Progress typed on goals is kept on them; a number that cannot be read keeps the whole check-in back.
    goal_errors = goal_tracking.checkin_progress(
        session, person=person, values=answers, on=local_day(person, now), now=now, checkin_id=checkin.id
    )
    if goal_errors:
        return Submitted(errors=goal_errors)
    answers, counted = anonymous.split(clean(answers, questions), questions, checkin.answers)
    if counted:  # kept apart, naming nobody
        store.add_anonymous(
            session,
            team=person.team or "",
            period_key=checkin.period_key,
            template_id=version.id,
            answers=counted,
        )
    first = checkin.status != CheckinStatus.submitted
    changed = [k for k, v in answers.items() if k != GIVEN and checkin.answers.get(k, "") != v]
    checkin.answers, checkin.mood = answers, mood_of(answers, questions)
    checkin.status = CheckinStatus.submitted.value
    if first:
        checkin.submitted_at = now
    else:
        checkin.edited_at = now
    store.save(session, checkin=checkin)
    one_on_ones.done_in_checkin(session, owner=person, actions=ticked, now=now)
    home_changed(session, person, checkin.manager_id)
    record(
        session,
        person=person,
        author=person,
        kind=EntryKind.checkin if first else EntryKind.checkin_edit,
        text=headline(answers, questions),
        data={
            "checkin_id": checkin.id,
            "period": checkin.period_key,
            "answers": answers,
            "changed": changed,
            # The questions as asked: the file shows them so, whatever the template becomes.
            "questions": {q.id: q.label for q in questions},
        },
        channel=checkin.prompt_channel,
        ts=checkin.prompt_ts,
    )
    return Submitted(errors={}, checkin_id=checkin.id, first=first)


# --- skip, pause, resume -----------------------------------------------------------------------------------


def skip(session: Session, *, slack_user_id: str, now: datetime) -> str:
    person = person_for(session, slack_user_id)
    period = current_period(session, person, now)
    checkin = checkin_for(session, person, period)
    if checkin.status == CheckinStatus.submitted:
        raise CheckinError("You already checked in for this period; there is nothing to skip.")
    checkin.status = CheckinStatus.skipped.value
    store.save(session, checkin=checkin)
    home_changed(session, person)
    label = period_label(checkin, person)
    record(
        session, person=person, author=person, kind=EntryKind.note, text=f"Skipped the check-in of {label}."
    )
    return label


def pause(session: Session, *, slack_user_id: str, until: date, now: datetime) -> None:
    person = person_for(session, slack_user_id)
    today = local_day(person, now)
    if until < today:
        raise CheckinError(f"{until:%Y-%m-%d} has passed; give a date from today on.")
    if until > today + MAX_PAUSE:
        raise CheckinError("Pauses last a year at most.")
    person.paused_until = until
    people.save(session, person=person)
    record(
        session, person=person, author=person, kind=EntryKind.note, text=f"Paused check-ins until {until}."
    )


def resume(session: Session, *, slack_user_id: str) -> bool:
    person = person_for(session, slack_user_id)
    if person.paused_until is None:
        return False
    person.paused_until = None
    people.save(session, person=person)
    record(session, person=person, author=person, kind=EntryKind.note, text="Resumed check-ins.")
    return True


# --- what /checkins shows ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Overview:
    person: Person
    manager: Person | None
    reports: int
    cadence: str
    label: str
    status: str  # not_due, waiting, submitted, skipped
    closes_at: datetime
    paused_until: date | None


def overview(session: Session, *, slack_user_id: str, now: datetime) -> Overview:
    person = person_for(session, slack_user_id)
    manager = people.get(session, person_id=person.manager_id) if person.manager_id else None
    cadence = cadence_for(session, person.team)
    period = period_at(cadence, person.timezone, now)
    checkin = store.get_for(session, person_id=person.id, period_key=period.key)
    if not gets_checkins(person):
        status = "not_due"
    elif checkin is None or checkin.status == CheckinStatus.prompted:
        status = "waiting"
    else:
        status = checkin.status
    return Overview(
        person=person,
        manager=manager,
        reports=len(people.reports_of(session, manager_id=person.id)),
        cadence=cadence.describe(),
        label=day_label(period.opens, person.timezone),
        status=status,
        closes_at=period.closes,
        paused_until=person.paused_until,
    )
