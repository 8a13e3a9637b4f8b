"""A cadence turned into periods in each person's own time zone, and how a period is named to people.

A period opens at its prompt moment (the cadence's weekday and time, local to the person; for a daily cadence
each of their working days) and closes at the next period's prompt moment: a Friday standup stays open until
Monday's. Moments are computed in local time and converted to UTC, so a 10:00 prompt stays
at 10:00 on both sides of a daylight-saving change.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from domain.checkins.cadence import Cadence, Frequency
from domain.checkins.workdays import weekend_of, working_day
from storage.models import Checkin, Person

# Biweekly periods count from this Monday, so every process agrees which weeks pair up.
_BIWEEKLY_ANCHOR = date(2024, 1, 1)


@dataclass(frozen=True)
class Period:
    key: str
    opens: datetime  # UTC
    closes: datetime  # UTC

    def first_reminder_at(self, cadence: Cadence) -> datetime:
        return self.opens + cadence.first_reminder_after

    def last_reminder_at(self, cadence: Cadence) -> datetime:
        return max(self.closes - cadence.last_reminder_before, self.first_reminder_at(cadence))


def _local_moment(day: date, at: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _start_day(cadence: Cadence, local_day: date, offset: int, weekend: frozenset[int]) -> date:
    """The prompt day `offset` periods after the period whose start day is on or before local_day."""
    if cadence.frequency is Frequency.daily:  # a working day's period lasts until the next working day's
        return working_day(local_day, offset, weekend)
    if cadence.frequency is Frequency.monthly:
        month = local_day.year * 12 + local_day.month - 1 + offset
        first = date(month // 12, month % 12 + 1, 1)
        return first + timedelta(days=(cadence.weekday - first.weekday()) % 7)
    weeks = 2 if cadence.frequency is Frequency.biweekly else 1
    monday = _monday(local_day)
    if weeks == 2:
        monday -= timedelta(weeks=((monday - _BIWEEKLY_ANCHOR).days // 7) % 2)
    return monday + timedelta(weeks=weeks * offset, days=cadence.weekday)


def _key(cadence: Cadence, start: date) -> str:
    """Names the cadence and the local start day: periods of different cadences never share a key."""
    prefix = {Frequency.daily: "d", Frequency.weekly: "w", Frequency.biweekly: "b", Frequency.monthly: "m"}[
        cadence.frequency
    ]
    return f"{prefix}:{start.isoformat()}"


# The longest a period of each cadence can last, in days: a daily one from Thursday to Sunday where the
# weekend is Friday and Saturday, a monthly one from the first Monday of a month to that of the next.
_LONGEST = {"d": 3, "w": 7, "b": 14, "m": 35}


def closed_by(key: str) -> date | None:
    """A day (UTC) by which the period of `key` has closed in every time zone; None for a key not of the
    form `_key` makes."""
    prefix, _, start = key.partition(":")
    try:
        return date.fromisoformat(start) + timedelta(days=_LONGEST[prefix] + 1)
    except (KeyError, ValueError):
        return None


def period_at(cadence: Cadence, timezone: str, now: datetime) -> Period:
    """The period open at `now` for someone in `timezone`: the latest prompt moment at or before now."""
    zone, weekend = ZoneInfo(timezone), weekend_of(timezone)
    local_day = now.astimezone(zone).date()
    for offset in (1, 0, -1, -2):
        start = _start_day(cadence, local_day, offset, weekend)
        opens = _local_moment(start, cadence.at, zone)
        if opens <= now:
            closes = _local_moment(_start_day(cadence, start, 1, weekend), cadence.at, zone)
            return Period(key=_key(cadence, start), opens=opens, closes=closes)
    raise AssertionError("unreachable: a period always opened within the last two")


def local_day(person: Person, now: datetime) -> date:
    return now.astimezone(ZoneInfo(person.timezone)).date()


def day_label(moment: datetime, timezone: str) -> str:
    local = moment.astimezone(ZoneInfo(timezone))
    return f"{local:%A} {local.day} {local:%B}"


def period_label(checkin: Checkin, person: Person) -> str:
    return day_label(checkin.opens_at, person.timezone)
