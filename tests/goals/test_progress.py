"""How far a goal has come, and progress as typed, read before anything is set (no database)."""

from datetime import date

import pytest

from domain.goals.form_values import NOT_A_NUMBER
from domain.goals.progress import progress_of, read_progress
from storage.models import Goal, GoalKind, GoalStatus, KeyResult


def goal(kind=GoalKind.process, status=GoalStatus.active, **more) -> Goal:
    return Goal(
        id=1,
        title="A goal",
        kind=kind.value,
        status=status.value,
        period="2026-Q2",
        starts_on=date(2026, 4, 1),
        due_on=date(2026, 6, 30),
        **more,
    )


def kr(kr_id: int, current: float, target: float, baseline: float = 0.0) -> KeyResult:
    return KeyResult(
        id=kr_id,
        goal_id=1,
        position=kr_id,
        title=f"KR {kr_id}",
        baseline=baseline,
        target=target,
        current=current,
    )


@pytest.mark.parametrize(
    ("more", "share"),
    [
        ({"baseline": 100.0, "target": 150.0, "current": 125.0}, 0.5),
        ({"baseline": 100.0, "target": 150.0}, 0.0),  # nothing reported yet: at the baseline
        ({"baseline": 100.0, "target": 150.0, "current": 90.0}, 0.0),  # below the baseline: not negative
        ({"baseline": 100.0, "target": 150.0, "current": 200.0}, 1.0),  # beyond the target: capped
        ({"baseline": 100.0, "target": 50.0, "current": 75.0}, 0.5),  # a target below: going down is progress
        ({"target": 40.0, "current": 10.0}, 0.25),  # no baseline: from zero
    ],
)
def test_a_result_goal_moves_from_its_baseline_to_its_target(more, share):
    assert progress_of(goal(GoalKind.result, **more), []) == share


def test_the_key_results_count_equally_each_capped_and_over_the_goals_own_value():
    krs = [kr(1, 5.0, 10.0), kr(2, 30.0, 10.0), kr(3, 0.0, 4.0)]
    assert progress_of(goal(GoalKind.objective, current=99.0), krs) == pytest.approx(0.5)


def test_other_goals_count_their_own_value_as_a_percentage():
    assert progress_of(goal(current=40.0), []) == 0.4
    assert progress_of(goal(), []) == 0.0
    assert progress_of(goal(current=140.0), []) == 1.0


def test_a_done_goal_is_complete_whatever_its_numbers():
    assert (
        progress_of(goal(GoalKind.result, GoalStatus.done, baseline=0.0, target=10.0, current=1.0), []) == 1.0
    )


def test_a_target_equal_to_the_start_counts_as_no_progress_rather_than_dividing_by_zero():
    assert progress_of(goal(GoalKind.result, baseline=5.0, target=5.0, current=9.0), []) == 0.0
    assert progress_of(goal(GoalKind.objective), [kr(1, 3.0, 0.0)]) == 0.0


def test_progress_typed_for_a_goal_is_read_from_its_current_block():
    g = goal(GoalKind.result, baseline=0.0, target=5000.0, current=10.0)
    assert read_progress(g, [], {"current": " 1,200 "}, prefix="") == ([(g, 1200.0)], {})


def test_a_blank_or_an_unchanged_value_changes_nothing():
    g = goal(current=10.0)
    assert read_progress(g, [], {"current": "  "}, prefix="") == ([], {})
    assert read_progress(g, [], {}, prefix="") == ([], {})
    assert read_progress(g, [], {"current": "10"}, prefix="") == ([], {})


def test_with_key_results_only_their_blocks_are_read_and_errors_name_the_block():
    g, krs = goal(GoalKind.objective, current=1.0), [kr(7, 1.0, 10.0), kr(9, 2.0, 10.0)]
    values = {"goal_1_current": "5", "goal_1_kr_7": "4", "goal_1_kr_9": "a few"}
    assert read_progress(g, krs, values, prefix="goal_1_") == ([(krs[0], 4.0)], {"goal_1_kr_9": NOT_A_NUMBER})


def test_reading_progress_sets_nothing():
    g, krs = goal(GoalKind.objective), [kr(7, 1.0, 10.0)]
    read_progress(g, krs, {"kr_7": "8"}, prefix="")
    assert krs[0].current == 1.0


def test_a_key_result_moves_from_its_baseline():
    assert progress_of(goal(GoalKind.objective), [kr(1, 30.0, 40.0, baseline=20.0)]) == 0.5


@pytest.mark.parametrize("typed", ["250", "-5", "100.5"])
def test_a_share_out_of_range_is_refused_never_clamped(typed):
    g = goal(current=10.0)
    assert read_progress(g, [], {"current": typed}, prefix="") == ([], {"current": "Between 0 and 100 (%)."})


def test_a_measured_value_may_pass_its_target():
    g = goal(GoalKind.result, baseline=0.0, target=10.0, current=1.0)
    assert read_progress(g, [], {"current": "12"}, prefix="") == ([(g, 12.0)], {})
