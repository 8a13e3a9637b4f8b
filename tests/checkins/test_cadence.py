"""A team's cadence: read from its stored row, and described to people (no database)."""

from datetime import time, timedelta

import pytest

from domain.checkins.cadence import WEEKDAYS, Cadence, Frequency, cadence_of
from storage.models import TeamCadence


def test_a_team_without_a_row_gets_the_default_weekly_friday_at_10():
    cadence = cadence_of(None)
    assert cadence == Cadence()
    assert (cadence.frequency, WEEKDAYS[cadence.weekday], cadence.at) == (Frequency.weekly, "fri", time(10))
    assert cadence.first_reminder_after == timedelta(hours=4)
    assert cadence.last_reminder_before == timedelta(hours=24)


def test_a_stored_row_becomes_its_cadence():
    row = TeamCadence(
        team="Platform",
        frequency="biweekly",
        weekday=0,
        at_minute=9 * 60 + 30,
        first_reminder_hours=8,
        last_reminder_hours=48,
    )
    assert cadence_of(row) == Cadence(
        frequency=Frequency.biweekly,
        weekday=0,
        at=time(9, 30),
        first_reminder_after=timedelta(hours=8),
        last_reminder_before=timedelta(days=2),
    )


def test_an_unknown_stored_frequency_is_an_error_not_a_silent_default():
    row = TeamCadence(
        team="x", frequency="hourly", weekday=0, at_minute=600, first_reminder_hours=4, last_reminder_hours=24
    )
    with pytest.raises(ValueError):
        cadence_of(row)


@pytest.mark.parametrize(
    ("cadence", "said"),
    [
        (Cadence(), "every Friday at 10:00 in each person's time zone"),
        (Cadence(Frequency.daily, 0, time(9)), "every working day at 09:00 in each person's time zone"),
        (
            Cadence(Frequency.biweekly, 0, time(9, 5)),
            "every other Monday at 09:05 in each person's time zone",
        ),
        (
            Cadence(Frequency.monthly, 6, time(20, 30)),
            "the first Sunday of each month at 20:30 in each person's time zone",
        ),
    ],
)
def test_a_cadence_is_described_in_words(cadence, said):
    assert cadence.describe() == said
