"""Who is due a prompt or a reminder, and when: the rules, then the queries that apply them to everyone."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from domain.checkins.cadence import Cadence, Frequency, cadence_of
from domain.checkins.periods import Period, local_day, period_at
from domain.checkins.workdays import weekend_of
from storage import checkins as store
from storage import people, sends
from storage.models import Person, SendKind, TeamCadence


def quiet_on(person: Person, day: date, holidays: set[date]) -> bool:
    """Paused that day, or a company holiday: nothing is sent to them."""
    return (person.paused_until is not None and day <= person.paused_until) or day in holidays


def is_quiet(person: Person, now: datetime, holidays: set[date], cadence: Cadence | None = None) -> bool:
    """`cadence` daily: their weekend is quiet too (a weekly team's prompt held on its day goes then)."""
    day = local_day(person, now)
    weekend = cadence is not None and cadence.frequency is Frequency.daily
    return quiet_on(person, day, holidays) or (weekend and day.weekday() in weekend_of(person.timezone))


def released_at(person: Person, cadence: Cadence, period: Period, holidays: set[date]) -> datetime:
    """When the period's prompt may go: when it opens, or, held back by a holiday or a pause on that day, at
    the team's prompt time on the person's next working day (not at midnight)."""
    zone = ZoneInfo(person.timezone)
    day = period.opens.astimezone(zone).date()
    if not quiet_on(person, day, holidays):
        return period.opens
    # A daily cadence asks on working days only; a team prompting on a working day does not work weekends.
    weekend = weekend_of(person.timezone)
    off = weekend if cadence.frequency is Frequency.daily or cadence.weekday not in weekend else frozenset()
    for _ in range(400):
        day += timedelta(days=1)
        if not quiet_on(person, day, holidays) and day.weekday() not in off:
            break
    return datetime.combine(day, cadence.at, tzinfo=zone).astimezone(UTC)


def too_late(period: Period, now: datetime) -> bool:
    """A period closing within a quarter of its length: a prompt now would arrive as it ends."""
    return period.closes - now < (period.closes - period.opens) / 4


def gets_checkins(person: Person) -> bool:
    """Active people with a manager: a check-in is a conversation with someone."""
    return person.active and person.manager_id is not None


@dataclass(frozen=True)
class Due:
    person: Person
    period: Period
    kind: SendKind = SendKind.prompt


def prompt_period(
    person: Person, row: TeamCadence | None, *, now: datetime, holidays: set[date], send_now: bool = False
) -> Period | None:
    """The period whose prompt the person is due, unless they get none today or joined after it opened.

    Someone who joined after their period opened missed nothing: their first prompt comes with the next
    period, unless an admin sends it now. The same goes after a change of their team's cadence.
    """
    cadence = cadence_of(row)
    if not gets_checkins(person) or is_quiet(person, now, holidays, cadence):
        return None
    period = period_at(cadence, person.timezone, now)
    if send_now:
        return period
    if now < released_at(person, cadence, period, holidays) or too_late(period, now):
        return None
    # A period that opened before they joined, or before their team's cadence changed, was not missed.
    since = max(person.created_at, row.updated_at) if row else person.created_at
    return period if since <= period.opens else None


def reminder_kind(cadence: Cadence, period: Period, *, sent_at: datetime, now: datetime) -> SendKind | None:
    """Which reminder is due for an unanswered check-in; after downtime only the latest.

    Reminders count from when the prompt actually went out: a prompt sent late is not chased at once. A
    daily check-in gets one reminder, the same day, never in the period's last quarter (overnight): the
    next working day's prompt is the next nudge.
    """
    first_at = max(period.first_reminder_at(cadence), sent_at + cadence.first_reminder_after)
    if cadence.frequency is Frequency.daily:
        return SendKind.first_reminder if first_at <= now and not too_late(period, now) else None
    if now >= max(period.last_reminder_at(cadence), first_at):
        return SendKind.last_reminder
    if now >= first_at:
        return SendKind.first_reminder
    return None


def due_prompts(
    session: Session, *, now: datetime, emails: Iterable[str] | None = None, send_now: bool = False
) -> list[Due]:
    """Everyone whose current period has opened and who has not had its prompt (nor skipped it)."""
    wanted = {e.lower() for e in emails} if emails is not None else None
    cadences = store.cadences(session)
    holidays = store.holiday_days(session)
    candidates, joined_since = [], []
    for person in people.list_all(session, active_only=True):
        if wanted is not None and person.email not in wanted:
            continue
        row = cadences.get(person.team)
        period = prompt_period(person, row, now=now, holidays=holidays, send_now=send_now)
        if period is not None:
            candidates.append(Due(person, period))
        elif (opened := prompt_period(person, row, now=now, holidays=holidays, send_now=True)) is not None:
            joined_since.append(Due(person, opened))
    # ...unless their prompt was sent anyway (`checkin send`) and failed: it is retried like anyone's.
    tried = sends.attempted(session, kind=SendKind.prompt, period_keys={d.period.key for d in joined_since})
    candidates += [d for d in joined_since if (d.person.id, d.period.key) in tried]
    keys = {d.period.key for d in candidates}
    settled = sends.settled(session, kind=SendKind.prompt, period_keys=keys)
    skipped = store.skipped(session, period_keys=keys)
    return [d for d in candidates if (d.person.id, d.period.key) not in settled | skipped]


def due_reminders(session: Session, *, now: datetime) -> list[Due]:
    """Open, unanswered check-ins past a reminder time, not yet reminded of it."""
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
        if person is None or sent_at is None or not gets_checkins(person):
            continue
        cadence = cadence_of(cadences.get(person.team))
        if is_quiet(person, now, holidays, cadence):
            continue
        period = Period(key=checkin.period_key, opens=checkin.opens_at, closes=checkin.closes_at)
        kind = reminder_kind(cadence, period, sent_at=sent_at, now=now)
        if kind is not None:
            candidates.append(Due(person, period, kind))
    done = {
        kind: sends.settled(session, kind=kind, period_keys={d.period.key for d in candidates})
        for kind in (SendKind.first_reminder, SendKind.last_reminder)
    }
    return [d for d in candidates if (d.person.id, d.period.key) not in done[d.kind]]
