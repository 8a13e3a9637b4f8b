"""Nesting in time and roll-up, as rules (no database): periods inside a parent's, the checks, the expected
share of the time elapsed, the status it gives, children weighted."""

from datetime import date

import pytest

from domain.goals import nesting, periods, rollup
from storage.models import Goal, GoalStatus
from tests.support import utc


def goal(period="2027", weight=10, progress=0.0, **more) -> Goal:
    p = periods.parse(period)
    return Goal(
        id=1,
        title="A goal",
        kind="process",
        period=p.key,
        starts_on=p.starts_on,
        due_on=p.ends_on,
        weight=weight,
        progress=progress,
        created_at=utc(2026, 12, 1),
        **more,
    )


def test_under_a_yearly_goal_its_quarters_and_months_are_offered_not_those_over():
    offered = [p.key for p in nesting.offered(date(2027, 5, 10), None, goal("2027"))]
    assert offered[:4] == ["2027", "2027-Q2", "2027-Q3", "2027-Q4"]
    assert "2027-Q1" not in offered and "2027-04" not in offered and "2027-05" in offered
    assert [p.key for p in nesting.offered(date(2026, 12, 2), None, goal("2027-Q1"))] == [
        "2027-Q1",
        "2027-01",
        "2027-02",
        "2027-03",
    ]


def test_a_child_lies_within_its_parents_period_and_is_due_by_its_due_day():
    parent = goal("2027-Q1")
    assert nesting.errors(periods.parse("2027-02"), date(2027, 2, 28), parent) == {}
    assert "within Q1 2027" in nesting.errors(periods.parse("2027-04"), None, parent)["period"]
    assert "within Q1 2027" in nesting.errors(periods.parse("2027"), None, parent)["period"]
    parent.due_on = date(2027, 3, 15)
    assert nesting.errors(periods.parse("2027-03"), date(2027, 3, 31), parent) == {
        "due": "Pick a day by 2027-03-15, when the goal it is aligned to is due."
    }
    assert nesting.errors(periods.parse("2027-03"), None, None) == {}


@pytest.mark.parametrize(
    ("today", "share"),
    [(date(2026, 11, 1), 0.0), (date(2027, 1, 1), 0.0), (date(2027, 7, 2), 0.5), (date(2028, 3, 1), 1.0)],
)
def test_the_share_the_elapsed_time_calls_for(today, share):
    assert rollup.expected_share(goal("2027"), today) == pytest.approx(share, abs=0.01)


def test_a_goal_set_late_counts_from_the_day_it_was_set():
    late = goal("2026-Q4")  # set on 2026-12-01, two months into its quarter
    assert rollup.expected_share(late, date(2026, 12, 1)) == 0.0


@pytest.mark.parametrize(
    ("progress", "expected", "status"),
    [
        (0.5, 0.5, GoalStatus.active),
        (0.4, 0.5, GoalStatus.active),  # within the margin
        (0.3, 0.5, GoalStatus.at_risk),
        (1.0, 0.2, GoalStatus.done),
        (0.0, 0.0, GoalStatus.active),
    ],
)
def test_status_from_progress_against_the_time_elapsed(progress, expected, status):
    assert rollup.status_for(progress, expected) == status


def test_children_count_by_their_weights():
    children = [goal(weight=30, progress=0.5), goal(weight=10, progress=0.0)]
    assert rollup.weighted(children) == pytest.approx(0.375)
    assert rollup.weighted([]) == 0.0


def test_an_automatic_status_is_read_afresh_as_time_passes_one_set_by_hand_is_kept():
    running = goal("2027", status=GoalStatus.active.value)
    assert rollup.shown_status(running, date(2027, 1, 10), 0.1) == GoalStatus.active
    assert rollup.shown_status(running, date(2027, 9, 1), 0.1) == GoalStatus.at_risk  # nobody updated it
    by_hand = goal("2027", status=GoalStatus.active.value, status_by_hand=True)
    assert rollup.shown_status(by_hand, date(2027, 9, 1), 0.1) == GoalStatus.active
    pending = goal("2027", status=GoalStatus.pending.value)
    assert rollup.shown_status(pending, date(2027, 9, 1), 0.0) == GoalStatus.pending
