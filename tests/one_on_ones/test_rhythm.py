"""The rhythm of a 1:1 series: how it is written, and when the next meeting is (no calendar)."""

from datetime import date

import pytest

from domain.one_on_ones.rhythm import Rhythm, RhythmError, first_day, next_meeting, parse, previous_meeting
from tests.support import utc


def test_a_rhythm_is_read_in_any_order_with_short_or_long_names():
    assert parse(["weekly", "tue", "10:00"]) == Rhythm("weekly", 1, 600)
    assert parse(["9:30", "Thursday", "biweekly"]) == Rhythm("biweekly", 3, 570)
    assert parse(["monthly", "mon", "14"]) == Rhythm("monthly", 0, 840)
    assert parse(["every-two-weeks", "fri", "0830"]) == Rhythm("biweekly", 4, 510)


@pytest.mark.parametrize(
    "words",
    [["weekly", "tue"], ["daily", "tue", "10:00"], ["weekly", "tue", "25:00"], ["weekly", "tuesdays", "9"]],
)
def test_what_is_not_a_rhythm_is_refused_with_an_example(words):
    with pytest.raises(RhythmError, match="weekly tue 10:00"):
        parse(words)


def test_the_first_meeting_is_the_next_on_the_rhythm_in_the_setters_time_zone():
    weekly = Rhythm("weekly", 1, 600)  # Tuesdays 10:00
    # Tuesday 1 Dec 2026, 09:00 in New York (14:00 UTC): today's 10:00 is still ahead
    assert first_day(weekly, tz="America/New_York", now=utc(2026, 12, 1, 14)) == date(2026, 12, 1)
    # 10:30 there: next week
    assert first_day(weekly, tz="America/New_York", now=utc(2026, 12, 1, 15, 30)) == date(2026, 12, 8)
    # the first Monday of the month, for a monthly one set up on 8 Dec, after the first (7 Dec)
    assert first_day(Rhythm("monthly", 0, 600), tz="UTC", now=utc(2026, 12, 8)) == date(2027, 1, 4)


def test_next_meeting_keeps_the_rhythm_from_the_first_day():
    start = date(2026, 12, 1)
    weekly, biweekly = Rhythm("weekly", 1, 600), Rhythm("biweekly", 1, 600)
    tz = "Europe/Paris"
    assert next_meeting(weekly, tz=tz, starts_on=start, after=utc(2026, 11, 20)) == utc(2026, 12, 1, 9)
    assert next_meeting(weekly, tz=tz, starts_on=start, after=utc(2026, 12, 1, 9)) == utc(2026, 12, 8, 9)
    assert next_meeting(biweekly, tz=tz, starts_on=start, after=utc(2026, 12, 1, 9)) == utc(2026, 12, 15, 9)
    assert next_meeting(biweekly, tz=tz, starts_on=start, after=utc(2026, 12, 9)) == utc(2026, 12, 15, 9)
    monthly = Rhythm("monthly", 0, 600)  # first Monday
    assert next_meeting(monthly, tz=tz, starts_on=date(2026, 12, 7), after=utc(2026, 12, 8)) == utc(
        2027, 1, 4, 9
    )


def test_local_time_holds_across_a_daylight_saving_change():
    weekly = Rhythm("weekly", 4, 600)  # Fridays 10:00 New York; clocks go forward on 14 March 2027
    start = date(2027, 3, 5)
    assert next_meeting(weekly, tz="America/New_York", starts_on=start, after=utc(2027, 3, 5)) == utc(
        2027, 3, 5, 15
    )
    assert next_meeting(weekly, tz="America/New_York", starts_on=start, after=utc(2027, 3, 13)) == utc(
        2027, 3, 19, 14
    )


def test_previous_meeting_is_none_before_the_first():
    weekly = Rhythm("weekly", 1, 600)
    start = date(2026, 12, 1)
    assert previous_meeting(weekly, tz="UTC", starts_on=start, before=utc(2026, 11, 30)) is None
    assert previous_meeting(weekly, tz="UTC", starts_on=start, before=utc(2026, 12, 9)) == utc(
        2026, 12, 8, 10
    )
