"""A 1:1 series' rhythm, with no calendar: how it is written, and when the next meeting is. No I/O."""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

FREQUENCIES = {"weekly": 7, "biweekly": 14, "monthly": 0}  # days apart; monthly: the month's first weekday
ALIASES = {"every-two-weeks": "biweekly", "fortnightly": "biweekly", "2w": "biweekly"}
DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
FULL_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
TIME = re.compile(r"^([01]?\d|2[0-3])(?::?([0-5]\d))?$")
LABELS = {
    "weekly": "every week",
    "biweekly": "every two weeks",
    "monthly": "on the first {day} of each month",
}


class RhythmError(ValueError):
    """What the person wrote does not read as a rhythm; the message says what was expected."""


@dataclass(frozen=True)
class Rhythm:
    frequency: str
    weekday: int  # 0 = Monday
    at_minute: int  # after local midnight

    def label(self) -> str:
        day = FULL_DAYS[self.weekday]
        when = LABELS[self.frequency].format(day=day)
        clock = f"{self.at_minute // 60:02d}:{self.at_minute % 60:02d}"
        return f"{when}, {day} at {clock}" if self.frequency != "monthly" else f"{when} at {clock}"


def parse(words: list[str]) -> Rhythm:
    """`weekly tue 10:00`, `biweekly thursday 9`, `monthly mon 14:30` (the order of the three is free)."""
    frequency = weekday = minute = None
    for word in (w.lower().strip(",") for w in words):
        word = ALIASES.get(word, word)
        if word in FREQUENCIES:
            frequency = word
        elif word[:3] in DAYS and (
            len(word) == 3 or FULL_DAYS[DAYS.index(word[:3])].lower().startswith(word)
        ):
            weekday = DAYS.index(word[:3])
        elif match := TIME.match(word):
            minute = int(match.group(1)) * 60 + int(match.group(2) or 0)
        else:
            raise RhythmError(f"I could not read {word!r}: write e.g. `weekly tue 10:00`.")
    if frequency is None or weekday is None or minute is None:
        raise RhythmError("Say how often, which day and what time: e.g. `weekly tue 10:00`.")
    return Rhythm(frequency, weekday, minute)


def first_day(rhythm: Rhythm, *, tz: str, now: datetime) -> date:
    """The local day of the first meeting: the next one of the rhythm still ahead of `now`."""
    zone = ZoneInfo(tz)
    local = now.astimezone(zone)
    day = local.date()
    while True:
        if _on_rhythm(rhythm, day, start=None) and _at(rhythm, day, zone) > now:
            return day
        day += timedelta(days=1)


def _on_rhythm(rhythm: Rhythm, day: date, *, start: date | None) -> bool:
    if day.weekday() != rhythm.weekday:
        return False
    if rhythm.frequency == "monthly":
        return day.day <= 7
    if start is None:
        return True
    return (day - start).days % FREQUENCIES[rhythm.frequency] == 0


def _at(rhythm: Rhythm, day: date, zone: ZoneInfo) -> datetime:
    local = datetime.combine(day, time(rhythm.at_minute // 60, rhythm.at_minute % 60), tzinfo=zone)
    return local.astimezone(UTC)


def next_meeting(rhythm: Rhythm, *, tz: str, starts_on: date, after: datetime) -> datetime:
    """The first meeting (UTC) of the series that starts after `after`; never before `starts_on`."""
    zone = ZoneInfo(tz)
    day = max(starts_on, after.astimezone(zone).date() - timedelta(days=1))
    while True:
        if day >= starts_on and _on_rhythm(rhythm, day, start=starts_on):
            at = _at(rhythm, day, zone)
            if at > after:
                return at
        day += timedelta(days=1)


def previous_meeting(rhythm: Rhythm, *, tz: str, starts_on: date, before: datetime) -> datetime | None:
    """The last meeting (UTC) at or before `before`; None before the first."""
    zone = ZoneInfo(tz)
    day = before.astimezone(zone).date() + timedelta(days=1)
    while day >= starts_on:
        if _on_rhythm(rhythm, day, start=starts_on):
            at = _at(rhythm, day, zone)
            if at <= before:
                return at
        day -= timedelta(days=1)
    return None
