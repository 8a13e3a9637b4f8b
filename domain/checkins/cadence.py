"""When check-ins happen: a team's cadence (how often, which day, what time, when reminders go).

The periods it makes, in each person's own time zone, are in `periods`.
"""

from dataclasses import dataclass
from datetime import time, timedelta
from enum import StrEnum

from storage.models import TeamCadence

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Frequency(StrEnum):
    daily = "daily"  # each working day (see workdays): a standup
    weekly = "weekly"
    biweekly = "biweekly"
    monthly = "monthly"


@dataclass(frozen=True)
class Cadence:
    frequency: Frequency = Frequency.weekly
    weekday: int = 4  # Monday is 0: Friday
    at: time = time(10, 0)
    first_reminder_after: timedelta = timedelta(hours=4)
    last_reminder_before: timedelta = timedelta(hours=24)

    def describe(self) -> str:
        day = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")[self.weekday]
        when = {
            Frequency.daily: "every working day",
            Frequency.weekly: f"every {day}",
            Frequency.biweekly: f"every other {day}",
            Frequency.monthly: f"the first {day} of each month",
        }[self.frequency]
        return f"{when} at {self.at:%H:%M} in each person's time zone"


def cadence_of(row: TeamCadence | None) -> Cadence:
    """A team's stored cadence; a team that never set one gets the default."""
    if row is None:
        return Cadence()
    return Cadence(
        frequency=Frequency(row.frequency),
        weekday=row.weekday,
        at=time(row.at_minute // 60, row.at_minute % 60),
        first_reminder_after=timedelta(hours=row.first_reminder_hours),
        last_reminder_before=timedelta(hours=row.last_reminder_hours),
    )
