"""Period math: each person's own time zone, both sides of a daylight-saving change."""

from datetime import UTC, datetime, time, timedelta

import pytest

from domain.checkins.cadence import Cadence, Frequency
from domain.checkins.periods import period_at

WEEKLY = Cadence()  # Friday 10:00


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_weekly_period_opens_on_friday_10_local_and_closes_a_week_later():
    p = period_at(WEEKLY, "Europe/Paris", utc(2026, 11, 20, 9, 0))  # Fri 10:00 Paris = 09:00 UTC
    assert p.key == "w:2026-11-20"
    assert p.opens == utc(2026, 11, 20, 9, 0)
    assert p.closes == utc(2026, 11, 27, 9, 0)
    before = period_at(WEEKLY, "Europe/Paris", utc(2026, 11, 20, 8, 59))
    assert before.key == "w:2026-11-13" and before.closes == p.opens


@pytest.mark.parametrize(
    ("zone", "before_utc", "after_utc"),
    [
        # US clocks fall back on 2026-11-01: Friday 10:00 New York is 14:00 UTC before, 15:00 UTC after.
        ("America/New_York", utc(2026, 10, 30, 14, 0), utc(2026, 11, 6, 15, 0)),
        # Europe springs forward on 2026-03-29: Friday 10:00 Paris is 09:00 UTC before, 08:00 UTC after.
        ("Europe/Paris", utc(2026, 3, 27, 9, 0), utc(2026, 4, 3, 8, 0)),
    ],
)
def test_prompt_stays_at_local_10_across_daylight_saving(zone, before_utc, after_utc):
    first = period_at(WEEKLY, zone, before_utc + timedelta(minutes=1))
    second = period_at(WEEKLY, zone, after_utc + timedelta(minutes=1))
    assert first.opens == before_utc
    assert first.closes == after_utc == second.opens
    assert first.closes - first.opens != timedelta(days=7)  # 7 days of local time, not of UTC


def test_the_same_instant_is_a_different_period_in_different_zones():
    instant = utc(2026, 11, 20, 12, 0)  # Fri 21:00 Tokyo, Fri 07:00 New York
    assert period_at(WEEKLY, "Asia/Tokyo", instant).key == "w:2026-11-20"
    assert period_at(WEEKLY, "America/New_York", instant).key == "w:2026-11-13"


def test_biweekly_periods_pair_weeks_the_same_way_everywhere():
    cadence = Cadence(frequency=Frequency.biweekly, weekday=0, at=time(9, 0))
    start = period_at(cadence, "UTC", utc(2026, 1, 14)).opens
    keys = [period_at(cadence, "UTC", start + timedelta(days=d, hours=1)).key for d in range(28)]
    assert keys == [keys[0]] * 14 + [keys[14]] * 14 and keys[0] != keys[14]
    p = period_at(cadence, "UTC", start)
    assert p.closes - p.opens == timedelta(weeks=2)
    # every process pairs the same weeks: the opening depends on the date alone
    assert period_at(cadence, "Asia/Tokyo", start + timedelta(days=3)).opens.date() == start.date()


def test_monthly_period_opens_on_the_first_weekday_of_the_month():
    cadence = Cadence(frequency=Frequency.monthly, weekday=0, at=time(9, 0))  # first Monday
    p = period_at(cadence, "UTC", utc(2026, 11, 20))
    assert p.key == "m:2026-11-02"
    assert p.opens == utc(2026, 11, 2, 9, 0)
    assert p.closes == utc(2026, 12, 7, 9, 0)
    # before the first Monday of December, November's period is still open
    assert period_at(cadence, "UTC", utc(2026, 12, 3)).key == "m:2026-11-02"


def test_reminders_fall_inside_the_period():
    p = period_at(WEEKLY, "UTC", utc(2026, 11, 21))
    assert p.opens < p.first_reminder_at(WEEKLY) <= p.last_reminder_at(WEEKLY) < p.closes
