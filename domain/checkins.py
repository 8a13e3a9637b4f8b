"""Check-ins: who is due, prompts and reminders sent through the ledger, answers, skip and pause."""

import logging
import time as clock_time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from domain import goals
from domain.cadence import Cadence, Frequency, Period, period_at
from domain.checkin_questions import DEFAULT_QUESTIONS, MOODS, Question, clean, validate
from domain.core import delivery
from domain.core.directory import person_for
from domain.core.refusals import NotAllowed, Refusal
from domain.core.services import Services
from domain.performance_file.entries import record
from message_templates.render import render_message
from storage import checkins as store
from storage import people, sends
from storage import reviews as review_store
from storage.models import Checkin, CheckinStatus, EntryKind, Person, SendKind, TeamCadence

log = logging.getLogger(__name__)

STALE_CLAIM = delivery.STALE_CLAIM
MAX_PAUSE = timedelta(days=366)


class CheckinError(Refusal):
    """Refused by this feature; the message is what the person reads."""


def cadence_of(row: TeamCadence | None) -> Cadence:
    if row is None:
        return Cadence()
    return Cadence(
        frequency=Frequency(row.frequency),
        weekday=row.weekday,
        at=time(row.at_minute // 60, row.at_minute % 60),
        first_reminder_after=timedelta(hours=row.first_reminder_hours),
        last_reminder_before=timedelta(hours=row.last_reminder_hours),
    )


def cadence_for(session: Session, team: str) -> Cadence:
    return cadence_of(store.cadences(session).get(team))


def local_day(person: Person, now: datetime) -> date:
    return now.astimezone(ZoneInfo(person.timezone)).date()


def is_quiet(person: Person, now: datetime, holidays: set[date]) -> bool:
    """Paused, or a company holiday where the person is: nothing is sent to them today."""
    today = local_day(person, now)
    return (person.paused_until is not None and today <= person.paused_until) or today in holidays


def gets_checkins(person: Person) -> bool:
    """Active people with a manager: a check-in is a conversation with someone."""
    return person.active and person.manager_id is not None


@dataclass(frozen=True)
class Due:
    person: Person
    period: Period
    kind: SendKind = SendKind.prompt


def due_prompts(
    session: Session, *, now: datetime, emails: Iterable[str] | None = None, send_now: bool = False
) -> list[Due]:
    """Everyone whose current period has opened and who has not had its prompt (nor skipped it).

    Someone who joined after their period opened missed nothing: their first prompt comes with the next
    period, unless an admin sends it now. The same goes after a change of their team's cadence.
    """
    wanted = {e.lower() for e in emails} if emails is not None else None
    cadences = store.cadences(session)
    holidays = store.holiday_days(session)
    candidates, joined_since = [], []
    for person in people.list_all(session, active_only=True):
        if not gets_checkins(person) or (wanted is not None and person.email not in wanted):
            continue
        if is_quiet(person, now, holidays):
            continue
        row = cadences.get(person.team)
        period = period_at(cadence_of(row), person.timezone, now)
        # A period that opened before they joined, or before their team's cadence changed, was not missed.
        since = max(person.created_at, row.updated_at) if row else person.created_at
        (candidates if send_now or since <= period.opens else joined_since).append(Due(person, period))
    # ...unless their prompt was sent anyway (`checkin send`) and failed: it is retried like anyone's.
    tried = sends.attempted(session, kind=SendKind.prompt, period_keys={d.period.key for d in joined_since})
    candidates += [d for d in joined_since if (d.person.id, d.period.key) in tried]
    keys = {d.period.key for d in candidates}
    settled = sends.settled(session, kind=SendKind.prompt, period_keys=keys)
    skipped = store.skipped(session, period_keys=keys)
    return [d for d in candidates if (d.person.id, d.period.key) not in settled | skipped]


def due_reminders(session: Session, *, now: datetime) -> list[Due]:
    """Open, unanswered check-ins past a reminder time. After downtime only the latest reminder goes.

    Reminders count from when the prompt actually went out: a prompt sent late is not chased at once.
    """
    cadences = store.cadences(session)
    holidays = store.holiday_days(session)
    open_checkins = store.unanswered_open(session, now=now)
    by_id = {p.id: p for p in people.list_all(session, active_only=True)}
    prompted = sends.sent_times(
        session, kind=SendKind.prompt, period_keys={c.period_key for c in open_checkins}
    )
    candidates = []
    for checkin in open_checkins:
        person = by_id.get(checkin.person_id)
        sent_at = prompted.get((checkin.person_id, checkin.period_key))
        if person is None or sent_at is None or not gets_checkins(person) or is_quiet(person, now, holidays):
            continue
        cadence = cadence_of(cadences.get(person.team))
        period = Period(key=checkin.period_key, opens=checkin.opens_at, closes=checkin.closes_at)
        first_at = max(period.first_reminder_at(cadence), sent_at + cadence.first_reminder_after)
        if now >= max(period.last_reminder_at(cadence), first_at):
            candidates.append(Due(person, period, SendKind.last_reminder))
        elif now >= first_at:
            candidates.append(Due(person, period, SendKind.first_reminder))
    done = {
        kind: sends.settled(session, kind=kind, period_keys={d.period.key for d in candidates})
        for kind in (SendKind.first_reminder, SendKind.last_reminder)
    }
    return [d for d in candidates if (d.person.id, d.period.key) not in done[d.kind]]


SEND_EVENT = delivery.SEND_EVENT


def send(services: Services, due: Due, *, now: datetime, clock: Callable[[], datetime] | None = None) -> bool:
    """A prompt or reminder, once (see domain.delivery): True when this call sent it."""
    person, period = due.person, due.period
    checkin_ids: list[int] = []

    def compose(session: Session) -> dict | None:
        checkin = _checkin_for(session, person, period)
        checkin_ids.append(checkin.id)
        # Answered or skipped meanwhile, or (for a prompt) already prompted: nothing to send.
        if checkin.status != CheckinStatus.prompted or (due.kind == SendKind.prompt and checkin.prompt_ts):
            return None
        template = "checkins/prompt.json.j2" if due.kind == SendKind.prompt else "checkins/reminder.json.j2"
        label = period_label(checkin, person)
        return render_message(template, person=person, checkin=checkin, label=label, kind=due.kind.value)

    sent = delivery.send_once(
        services,
        person=person,
        key=period.key,
        kind=due.kind,
        compose=compose,
        oldest=period.opens,
        now=now,
        clock=clock,
    )
    if sent is None:
        return False
    if due.kind == SendKind.prompt:
        with services.session() as session:
            checkin = store.get(session, checkin_id=checkin_ids[0])
            if not checkin.prompt_ts:  # the thread the conversation lives in never moves
                checkin.prompt_channel, checkin.prompt_ts = sent.posted.channel, sent.posted.ts
    return sent.new


def fan_out(services: Services, dues: list[Due], *, now: datetime, workers: int = 8) -> delivery.FanOut:
    """Sends in parallel; the gateway paces them to Slack's limits. One failure does not stop the rest."""
    started = clock_time.monotonic()

    def clock() -> datetime:
        return now + timedelta(seconds=clock_time.monotonic() - started)

    return delivery.fan_out(
        dues,
        lambda due: send(services, due, now=now, clock=clock),
        whom=lambda due: f"{due.person.email} ({due.kind})",
        workers=workers,
    )


def day_label(moment: datetime, timezone: str) -> str:
    local = moment.astimezone(ZoneInfo(timezone))
    return f"{local:%A} {local.day} {local:%B}"


def period_label(checkin: Checkin, person: Person) -> str:
    return day_label(checkin.opens_at, person.timezone)


def current_period(session: Session, person: Person, now: datetime) -> Period:
    return period_at(cadence_for(session, person.team), person.timezone, now)


def _checkin_for(session: Session, person: Person, period: Period) -> Checkin:
    assert person.id is not None
    return store.ensure(
        session, person_id=person.id, period_key=period.key, opens_at=period.opens, closes_at=period.closes
    )


# --- answering ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckinForm:
    checkin: Checkin
    person: Person
    label: str
    questions: tuple[Question, ...]
    answers: dict[str, str]
    moods: dict[int, str]
    editing: bool
    goals: list[goals.GoalView]
    # The improvement plan of the person's last agreed review: it comes up in every check-in.
    plan: list[str] = field(default_factory=list)


def form(session: Session, *, slack_user_id: str, checkin_id: int | None, now: datetime) -> CheckinForm:
    """The modal's content: the person's own check-in, pre-filled when they edit it."""
    person = person_for(session, slack_user_id)
    if checkin_id is None:
        period = current_period(session, person, now)
        checkin = _checkin_for(session, person, period)
    else:
        checkin = _own_checkin(session, person, checkin_id)
    if now >= checkin.closes_at:
        raise CheckinError("This check-in's period has closed; the next one will come on schedule.")
    return CheckinForm(
        checkin=checkin,
        person=person,
        label=period_label(checkin, person),
        questions=DEFAULT_QUESTIONS,
        answers={k: str(v) for k, v in checkin.answers.items()},
        moods=MOODS,
        editing=checkin.status == CheckinStatus.submitted,
        goals=goals.checkin_goals(session, person=person, on=local_day(person, now)),
        plan=review_store.agreed_plan(session, person_id=person.id),
    )


def _own_checkin(session: Session, person: Person, checkin_id: int) -> Checkin:
    checkin = store.get(session, checkin_id=checkin_id)
    if checkin is None or checkin.person_id != person.id:
        log.warning("%s tried to open check-in %s, which is not theirs", person.email, checkin_id)
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
    errors = validate(answers)
    if errors:
        return Submitted(errors=errors)
    if now >= checkin.closes_at:
        return Submitted(
            errors={"progress": "This check-in's period has closed; your answers were not saved."}
        )
    # Progress typed on goals is kept on them; a number that cannot be read keeps the whole check-in back.
    goal_errors = goals.checkin_progress(
        session, person=person, values=answers, on=local_day(person, now), now=now, checkin_id=checkin.id
    )
    if goal_errors:
        return Submitted(errors=goal_errors)
    answers = clean(answers)
    first = checkin.status != CheckinStatus.submitted
    changed = [k for k, v in answers.items() if checkin.answers.get(k, "") != v]
    checkin.answers, checkin.mood = answers, int(answers["mood"])
    checkin.status = CheckinStatus.submitted.value
    if first:
        checkin.submitted_at = now
    else:
        checkin.edited_at = now
    store.save(session, checkin=checkin)
    record(
        session,
        person=person,
        author=person,
        kind=EntryKind.checkin if first else EntryKind.checkin_edit,
        text=answers["progress"],
        data={"checkin_id": checkin.id, "period": checkin.period_key, "answers": answers, "changed": changed},
        channel=checkin.prompt_channel,
        ts=checkin.prompt_ts,
    )
    return Submitted(errors={}, checkin_id=checkin.id, first=first)


def share_with_manager(services: Services, *, checkin_id: int) -> None:
    """The manager gets the check-in (or its edit) in a DM; the employee's prompt shows it is done."""
    with services.session() as session:
        checkin = store.get(session, checkin_id=checkin_id)
        person = people.get(session, person_id=checkin.person_id)
        manager = people.get(session, person_id=person.manager_id) if person.manager_id else None
        label = period_label(checkin, person)
        context = {"checkin": checkin, "person": person, "label": label, "questions": DEFAULT_QUESTIONS}
        to_manager = render_message("checkins/to_manager.json.j2", moods=MOODS, **context)
        done = render_message("checkins/done.json.j2", **context)
    gateway = services.gateway
    if checkin.prompt_channel and checkin.prompt_ts:
        gateway.update(checkin.prompt_channel, checkin.prompt_ts, done)
    else:  # answered from /checkins before any prompt: the confirmation gets a message of its own
        posted = gateway.dm(person.slack_user_id, done)
        with services.session() as session:
            stored = store.get(session, checkin_id=checkin_id)
            stored.prompt_channel, stored.prompt_ts = posted.channel, posted.ts
    if manager is None or not manager.active:
        return
    if checkin.manager_id == manager.id and checkin.manager_channel and checkin.manager_ts:
        gateway.update(checkin.manager_channel, checkin.manager_ts, to_manager)
        return
    # First share, or the manager changed since: the current manager gets it; the former one nothing more.
    posted = gateway.dm(manager.slack_user_id, to_manager)
    with services.session() as session:
        stored = store.get(session, checkin_id=checkin_id)
        stored.manager_channel, stored.manager_ts, stored.manager_id = posted.channel, posted.ts, manager.id


# --- skip, pause, resume -----------------------------------------------------------------------------------


def skip(session: Session, *, slack_user_id: str, now: datetime) -> str:
    person = person_for(session, slack_user_id)
    period = current_period(session, person, now)
    checkin = _checkin_for(session, person, period)
    if checkin.status == CheckinStatus.submitted:
        raise CheckinError("You already checked in for this period; there is nothing to skip.")
    checkin.status = CheckinStatus.skipped.value
    store.save(session, checkin=checkin)
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
