"""A review's cycle keys: the quarter a day is in, the one before and after, across years (no database)."""

from datetime import date

import pytest

from domain.reviews.cycles import cycle_of, label, ledger_key, next_cycle, parse_cycle, previous_cycle


@pytest.mark.parametrize(
    ("day", "key"),
    [
        (date(2026, 1, 1), "2026-Q1"),
        (date(2026, 3, 31), "2026-Q1"),
        (date(2026, 4, 1), "2026-Q2"),
        (date(2026, 9, 30), "2026-Q3"),
        (date(2026, 12, 31), "2026-Q4"),
    ],
)
def test_a_day_is_in_its_quarter(day, key):
    assert cycle_of(day) == key


def test_the_previous_cycle_is_the_quarter_just_ended_even_across_a_year():
    assert previous_cycle(date(2026, 1, 1)) == "2025-Q4"
    assert previous_cycle(date(2026, 5, 17)) == "2026-Q1"
    assert previous_cycle(date(2026, 12, 31)) == "2026-Q3"


def test_the_next_cycle_follows_a_quarter_with_its_dates():
    following = next_cycle("2026-Q4")
    assert (following.key, following.starts_on, following.ends_on) == (
        "2027-Q1",
        date(2027, 1, 1),
        date(2027, 3, 31),
    )
    assert next_cycle("2027-Q4").ends_on == date(2028, 3, 31)
    assert next_cycle("2026-Q2").label == "Q3 2026"


@pytest.mark.parametrize("key", ["2026", "2026-11", "2026-Q5", "2026-Q0", "Q4", "", "2026-q4"])
def test_only_a_quarter_is_a_cycle(key):
    assert parse_cycle(key) is None


def test_a_cycle_reads_as_its_quarter_and_an_unknown_key_as_itself():
    assert label("2026-Q4") == "Q4 2026"
    assert label("2026-11") == "2026-11"
    period = parse_cycle("2024-Q1")
    assert period is not None and (period.starts_on, period.ends_on) == (date(2024, 1, 1), date(2024, 3, 31))


def test_the_invitation_is_keyed_by_its_cycle_in_the_ledger():
    assert ledger_key("2026-Q4") == "rv:2026-Q4"
