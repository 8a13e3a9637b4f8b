"""Which 1:1s count as held in summaries: a day (in the series' time zone) on which either side recorded a
point discussed, a shared note or an action item; one a day per series (pure rule)."""

from domain.one_on_ones.held import held
from tests.support import utc


def test_a_one_on_one_is_held_on_each_local_day_with_a_record_of_it():
    records = [
        (1, "discussed", utc(2026, 11, 20, 15)),
        (1, "note", utc(2026, 11, 20, 15, 30)),  # same meeting
        (1, "action", utc(2026, 11, 27, 15)),  # the next week's
        (1, "action_done", utc(2026, 11, 29, 9)),  # done later: no meeting
        (2, "note", utc(2026, 11, 20, 23, 30)),  # 18:30 in New York ...
        (2, "discussed", utc(2026, 11, 21, 0, 30)),  # ... and 19:30: one evening, one meeting
        (3, "note", utc(2026, 11, 20)),  # a series not known (ended and gone): not counted
    ]
    zones = {1: "Europe/Lisbon", 2: "America/New_York"}
    assert held(records, zones) == {1: 2, 2: 1}


def test_nothing_recorded_is_nothing_held():
    assert held([], {1: "UTC"}) == {}
