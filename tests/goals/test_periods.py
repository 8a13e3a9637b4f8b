"""Goal periods read from their keys, and the ones offered on a given day (no database)."""

from datetime import date

import pytest

from domain.goals import periods


@pytest.mark.parametrize(
    ("key", "label", "starts_on", "ends_on"),
    [
        ("2026", "2026", date(2026, 1, 1), date(2026, 12, 31)),
        ("2026-Q1", "Q1 2026", date(2026, 1, 1), date(2026, 3, 31)),
        ("2026-Q4", "Q4 2026", date(2026, 10, 1), date(2026, 12, 31)),
        ("2024-02", "February 2024", date(2024, 2, 1), date(2024, 2, 29)),  # a leap year
        ("2025-02", "February 2025", date(2025, 2, 1), date(2025, 2, 28)),
        ("2026-11", "November 2026", date(2026, 11, 1), date(2026, 11, 30)),
    ],
)
def test_a_key_reads_as_its_period(key, label, starts_on, ends_on):
    assert periods.parse(key) == periods.GoalPeriod(key, label, starts_on, ends_on)


@pytest.mark.parametrize(
    "key",
    ["", "0999", "999", "10000", "2026-Q0", "2026-Q5", "2026-q1", "2026-00", "2026-13", "2026-1", " 2026",
     "2026\n", "２０２６", "2026-Q1-01", "Q1 2026"],
)  # fmt: skip
def test_anything_but_a_key_is_no_period(key):
    assert periods.parse(key) is None


def test_the_options_are_this_and_next_quarter_month_and_year():
    assert [p.key for p in periods.options(date(2026, 5, 17))] == [
        "2026-Q2",
        "2026-Q3",
        "2026-05",
        "2026-06",
        "2026",
        "2027",
    ]


def test_in_december_the_next_quarter_and_month_are_next_years():
    assert [p.key for p in periods.options(date(2026, 12, 31))] == [
        "2026-Q4",
        "2027-Q1",
        "2026-12",
        "2027-01",
        "2026",
        "2027",
    ]


def test_a_goals_own_period_stays_choosable_after_it_is_no_longer_offered():
    today = date(2026, 5, 17)
    offered = [p.key for p in periods.options(today)]
    assert [p.key for p in periods.choosable(today)] == offered
    assert [p.key for p in periods.choosable(today, "2025-Q4")] == ["2025-Q4", *offered]
    assert [p.key for p in periods.choosable(today, "2026")] == offered  # offered already: not twice
    assert [p.key for p in periods.choosable(today, "not a key")] == offered
