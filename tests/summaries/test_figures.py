"""A summary's figures from check-ins: lines, mood, the trend, and what stays anonymous (no database)."""

from types import SimpleNamespace

import pytest

from domain.summaries import figures
from domain.summaries.cycles import period_cycle_of
from storage.models import Checkin, CheckinStatus, Person
from tests.support import utc

ANA = Person(id=1, slack_user_id="UANA", email="ana@acme.test", name="Ana")
BO = Person(id=2, slack_user_id="UBO", email="bo@acme.test", name="Bo")


def checkin(status=CheckinStatus.submitted, mood=None, person=1, key="2026-W47", day=20, **more) -> Checkin:
    return Checkin(
        person_id=person,
        period_key=key,
        opens_at=utc(2026, 11, day, 9),
        closes_at=utc(2026, 11, day + 3, 9),
        status=status.value,
        mood=mood,
        **more,
    )


def test_mean_to_one_decimal_of_what_is_there():
    assert figures.mean([3, 4, 4]) == 3.7
    assert figures.mean([None, 2, None]) == 2.0
    assert figures.mean([None]) is None
    assert figures.mean([]) is None


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ([], "none"),
        ([CheckinStatus.submitted], "answered"),
        ([CheckinStatus.skipped], "skipped"),
        ([CheckinStatus.prompted], "missing"),
        ([CheckinStatus.submitted, CheckinStatus.prompted], "missing"),  # a daily cadence, one not answered
        ([CheckinStatus.submitted, CheckinStatus.skipped], "answered"),
    ],
)
def test_a_reports_line_says_whether_they_answered(statuses, expected):
    assert figures.line(ANA, [checkin(status=s) for s in statuses]).status == expected


def test_a_line_has_the_mood_answered_and_whether_a_reply_is_owed():
    line = figures.line(
        ANA,
        [
            checkin(mood=2, manager_replied_at=utc(2026, 11, 21)),
            checkin(mood=4),
            checkin(status=CheckinStatus.skipped, mood=1),
        ],
    )
    assert (line.mood, line.unreplied) == (3.0, True)
    replied = figures.line(ANA, [checkin(mood=5, manager_replied_at=utc(2026, 11, 21))])
    assert (replied.mood, replied.unreplied) == (5.0, False)


def test_team_figures_count_answers_blockers_help_and_feedback():
    rows = [
        checkin(mood=3, answers={"blockers": "DBA access"}),
        checkin(mood=4, person=2, answers={"help": "review my PR"}),
        checkin(status=CheckinStatus.prompted, person=2),
    ]
    team = figures.figures("Platform", [ANA, BO], rows, at_risk=1, feedback={1: 2, 2: 1, 9: 5})
    assert (team.people, team.asked, team.answered, team.response_rate) == (2, 3, 2, 67)
    assert (team.mood, team.blockers, team.help, team.at_risk, team.feedback) == (3.5, 1, 1, 1, 3)


def test_fewer_than_three_answers_hide_mood_and_blockers_from_anonymous_readers():
    rows = [checkin(mood=1, answers={"blockers": "x"}), checkin(mood=2, person=2)]
    hidden = figures.figures("Platform", [ANA, BO], rows, 0, {}, anonymous=True)
    assert (hidden.mood, hidden.blockers, hidden.help, hidden.answered) == (None, None, None, 2)
    shown = figures.figures("Platform", [ANA, BO], [*rows, checkin(mood=3)], 0, {}, anonymous=True)
    assert (shown.mood, shown.blockers, shown.help) == (2.0, 1, 0)


def test_no_one_asked_has_no_response_rate():
    assert figures.figures("Empty", [], [], 0, {}).response_rate is None


def test_the_mood_series_is_per_period_oldest_first_and_stops_at_the_cycle_end():
    rows = [
        checkin(mood=4, key="2026-W47", day=20),
        checkin(mood=2, key="2026-W46", day=13),
        checkin(mood=4, key="2026-W46", day=13, person=2),
        checkin(status=CheckinStatus.prompted, key="2026-W46", day=13),
        checkin(mood=1, key="2026-W48", day=27),  # after `until`
    ]
    assert figures.series(rows, until=utc(2026, 11, 27)) == [
        ("13 Nov", 3.0, utc(2026, 11, 16, 9)),
        ("20 Nov", 4.0, utc(2026, 11, 23, 9)),
    ]


def test_mood_before_is_the_last_period_closed_before_the_cycle():
    points = [
        ("6 Nov", 2.0, utc(2026, 11, 9)),
        ("13 Nov", None, utc(2026, 11, 16)),
        ("20 Nov", 4.0, utc(2026, 11, 23)),
    ]
    cycle = period_cycle_of("2026-W47", utc(2026, 11, 20), utc(2026, 11, 23))
    assert figures.mood_before(points, cycle) == 2.0  # the period with no mood is passed over
    assert figures.mood_before(points[2:], cycle) is None


def test_goal_progress_at_each_close_carries_the_latest_update_forward():
    def entry(goal_id, progress, day):
        return SimpleNamespace(data={"goal_id": goal_id, "progress": progress}, created_at=utc(2026, 11, day))

    entries = [entry(1, 10, 2), entry(2, 50, 3), entry(9, 100, 4), entry(1, 30, 10), entry(2, 70, 20)]
    moments = [("1 Nov", utc(2026, 11, 1)), ("6 Nov", utc(2026, 11, 6)), ("13 Nov", utc(2026, 11, 13))]
    assert figures.goal_series(entries, {1, 2}, moments) == [
        ("1 Nov", None),
        ("6 Nov", 30.0),
        ("13 Nov", 40.0),
    ]


def test_each_persons_periods_are_aligned_with_the_teams_and_know_their_blockers():
    rows = [
        checkin(mood=4, key="2026-W46", day=13, answers={"blockers": "DBA access"}),
        checkin(mood=2, key="2026-W46", day=13, person=2),
        checkin(status=CheckinStatus.prompted, key="2026-W47", day=20),
        checkin(mood=3, key="2026-W47", day=20, person=2, answers={"blockers": ""}),
        checkin(mood=1, key="2026-W48", day=27),  # after `until`
    ]
    periods = figures.per_person(rows, until=utc(2026, 11, 27), person_ids=[1, 2, 3])
    assert periods[1] == [figures.Period(4.0, True), figures.Period()]  # W47 asked, not answered
    assert periods[2] == [figures.Period(2.0, False), figures.Period(3.0, False)]
    assert periods[3] == [figures.Period(), figures.Period()]  # nobody by that id: nothing to draw
