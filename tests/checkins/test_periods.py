"""Period math: each person's own time zone, both sides of a daylight-saving change."""

from datetime import time, timedelta

import pytest

from domain.checkins.cadence import Cadence, Frequency
from domain.checkins.periods import Period, day_label, local_day, period_at, period_label
from storage.models import Checkin, Person
from tests.support import utc

WEEKLY = Cadence()  # Friday 10:00


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


def test_the_last_reminder_never_comes_before_the_first():
    # A short period (a cadence just changed) with a long last call: both reminders at the first one's time.
    p = Period(key="w:2026-11-20", opens=utc(2026, 11, 20, 10), closes=utc(2026, 11, 21, 8))
    cadence = Cadence(first_reminder_after=timedelta(hours=8), last_reminder_before=timedelta(hours=48))
    assert p.first_reminder_at(cadence) == p.last_reminder_at(cadence) == utc(2026, 11, 20, 18)


def test_a_monthly_period_whose_weekday_is_the_first_of_the_month_opens_that_day():
    cadence = Cadence(frequency=Frequency.monthly, weekday=1, at=time(9, 0))  # 2026-12-01 is a Tuesday
    p = period_at(cadence, "UTC", utc(2026, 12, 1, 9, 0))
    assert (p.key, p.opens, p.closes) == ("m:2026-12-01", utc(2026, 12, 1, 9), utc(2027, 1, 5, 9))


def test_period_keys_name_the_cadence_so_two_cadences_never_share_one():
    at = utc(2026, 11, 23, 12, 0)  # a Monday
    keys = {period_at(Cadence(frequency=f, weekday=0), "UTC", at).key for f in Frequency}
    assert {k[:2] for k in keys} == {"d:", "w:", "b:", "m:"}


def test_a_persons_day_and_the_periods_label_are_in_their_own_time_zone():
    tokyo = Person(slack_user_id="U1", email="a@acme.test", timezone="Asia/Tokyo")
    late_thursday_utc = utc(2026, 11, 19, 20, 0)  # already Friday 05:00 in Tokyo
    assert local_day(tokyo, late_thursday_utc).isoformat() == "2026-11-20"
    assert day_label(late_thursday_utc, "America/New_York") == "Thursday 19 November"
    checkin = Checkin(
        person_id=1, period_key="w:2026-11-20", opens_at=late_thursday_utc, closes_at=utc(2026, 11, 27)
    )
    assert period_label(checkin, tokyo) == "Friday 20 November"


DAILY = Cadence(frequency=Frequency.daily, at=time(9, 30))


def test_a_daily_period_lasts_from_one_working_days_prompt_to_the_next():
    p = period_at(DAILY, "Europe/Paris", utc(2026, 11, 24, 8, 30))  # Tuesday 09:30 in Paris
    assert (p.key, p.opens, p.closes) == ("d:2026-11-24", utc(2026, 11, 24, 8, 30), utc(2026, 11, 25, 8, 30))
    assert period_at(DAILY, "Europe/Paris", utc(2026, 11, 24, 8, 29)).key == "d:2026-11-23"


@pytest.mark.parametrize(
    "now", [utc(2026, 11, 20, 18, 0), utc(2026, 11, 21, 12, 0), utc(2026, 11, 23, 9, 29)], ids=str
)
def test_fridays_daily_period_stays_open_over_the_weekend_until_mondays_prompt(now):
    p = period_at(DAILY, "UTC", now)
    assert (p.key, p.opens, p.closes) == ("d:2026-11-20", utc(2026, 11, 20, 9, 30), utc(2026, 11, 23, 9, 30))


def test_where_the_weekend_is_friday_and_saturday_thursdays_period_runs_to_sunday():
    p = period_at(DAILY, "Asia/Riyadh", utc(2026, 11, 20, 12, 0))  # Friday 15:00 in Riyadh
    assert p.key == "d:2026-11-19"
    assert p.closes == utc(2026, 11, 22, 6, 30)  # Sunday 09:30 in Riyadh
    sunday = period_at(DAILY, "Asia/Riyadh", utc(2026, 11, 22, 7, 0))
    assert sunday.key == "d:2026-11-22"


def test_a_period_key_tells_by_when_it_closed_everywhere():
    from datetime import date

    from domain.checkins.periods import closed_by

    assert closed_by("d:2026-11-19") == date(2026, 11, 23)  # Thursday, to Sunday where that is the weekend
    assert closed_by("w:2026-11-20") == date(2026, 11, 28)
    assert closed_by("m:2026-11-02") == date(2026, 12, 8)
    assert closed_by("w:old") is None and closed_by("x:2026-11-20") is None and closed_by("junk") is None
