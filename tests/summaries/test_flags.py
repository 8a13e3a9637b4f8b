"""What a summary flags by name to the manager: a mood drop of 2 or more over 3 periods, blockers 3 periods
running (pure rules, no database)."""

import pytest

from domain.summaries.flags import Period, blocked_throughout, flags, mood_drop


def moods(*values):
    return [Period(mood=v, blockers=False if v is not None else None) for v in values]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ((4, 3, 2), (4, 2)),  # two points over three periods
        ((5, 5, 4, 3, 2), (4, 2)),  # only the last three count: 5 fell out of the window
        ((4, None, 2), (4, 2)),  # a period not answered is passed over
        ((3, 4, 2), (4, 2)),  # from the highest in the window
        ((4, 2.5), None),  # 1.5 points: not yet
        ((4, 3, 2.5), None),
        ((2, 3, 4), None),  # rising
        ((4, 2, 4), None),  # fell and came back: the latest counts
        ((4,), None),
        ((None, None, 1), None),  # one answer is no trend
        ((), None),
    ],
)
def test_a_mood_drop_is_two_points_or_more_within_the_last_three_periods(values, expected):
    assert mood_drop(moods(*values)) == expected


def blockers(*answers):
    return [Period(mood=3.0 if a is not None else None, blockers=a) for a in answers]


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ((True, True, True), True),
        ((False, True, True, True), True),
        ((True, True, True, False), False),  # this period none: the run is over
        ((True, None, True), False),  # a period not answered breaks the run
        ((True, True), False),  # two periods are not three
        ((True, False, True), False),
    ],
)
def test_blockers_three_periods_running(answers, expected):
    assert blocked_throughout(blockers(*answers)) is expected


def test_flags_name_each_person_once_with_what_was_seen_in_the_order_given():
    found = flags(
        {
            7: [Period(4, True), Period(3, True), Period(2, True)],
            8: [Period(4, False), Period(4, False), Period(4, False)],
            9: [Period(5, False), Period(2, False)],
        }
    )
    assert [(f.person_id, f.mood, f.blockers) for f in found] == [(7, (4, 2), True), (9, (5, 2), False)]
