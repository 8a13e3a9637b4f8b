"""What a summary covers: months, quarters and check-in periods, and which check-ins fall in them."""

from datetime import date, datetime, timedelta

import pytest

from domain.summaries.cycles import (
    Cycle,
    in_cycle,
    month_cycle,
    period_cycle,
    period_cycle_of,
    quarter_cycle,
    sent_now_key,
)
from storage.models import Checkin
from tests.support import utc


def checkin(key: str, opens: datetime, closes: datetime) -> Checkin:
    return Checkin(person_id=1, period_key=key, opens_at=opens, closes_at=closes)


def test_a_month_runs_from_its_first_day_to_the_next_months():
    assert month_cycle(date(2026, 2, 14)) == Cycle(
        "month", "m:2026-02", "February 2026", utc(2026, 2, 1), utc(2026, 3, 1)
    )
    assert month_cycle(date(2028, 2, 29)).ends == utc(2028, 3, 1)  # a leap year
    assert month_cycle(date(2026, 12, 31)).ends == utc(2027, 1, 1)


@pytest.mark.parametrize(
    ("day", "key", "label", "starts", "ends"),
    [
        (date(2026, 1, 1), "q:2026-Q1", "Q1 2026", utc(2026, 1, 1), utc(2026, 4, 1)),
        (date(2026, 6, 30), "q:2026-Q2", "Q2 2026", utc(2026, 4, 1), utc(2026, 7, 1)),
        (date(2026, 11, 5), "q:2026-Q4", "Q4 2026", utc(2026, 10, 1), utc(2027, 1, 1)),
    ],
)
def test_a_quarter_holds_its_three_months(day, key, label, starts, ends):
    assert quarter_cycle(day) == Cycle("quarter", key, label, starts, ends)


def test_a_period_spans_its_check_ins_across_time_zones():
    rows = [
        checkin("2026-W47", utc(2026, 11, 20, 1), utc(2026, 11, 23, 1)),
        checkin("2026-W47", utc(2026, 11, 20, 15), utc(2026, 11, 23, 15)),
        checkin("2026-W48", utc(2026, 11, 27, 1), utc(2026, 11, 30, 1)),
    ]
    cycle = period_cycle("2026-W47", rows)
    assert cycle == Cycle(
        "period", "2026-W47", "check-ins of Fri 20 Nov", utc(2026, 11, 20, 1), utc(2026, 11, 23, 15)
    )
    assert cycle == period_cycle_of("2026-W47", utc(2026, 11, 20, 1), utc(2026, 11, 23, 15))


def test_a_period_holds_its_own_check_ins_and_a_month_those_opened_within_it():
    week = period_cycle_of("2026-W47", utc(2026, 11, 20), utc(2026, 11, 23))
    november = month_cycle(date(2026, 11, 1))
    ours = checkin("2026-W47", utc(2026, 11, 20, 9), utc(2026, 11, 23, 9))
    late_zone = checkin("2026-W47", utc(2026, 11, 30, 23), utc(2026, 12, 3))  # same key, other dates
    december = checkin("2026-W49", utc(2026, 12, 1), utc(2026, 12, 4))
    assert in_cycle(ours, week) and in_cycle(late_zone, week) and not in_cycle(december, week)
    assert in_cycle(ours, november) and in_cycle(late_zone, november) and not in_cycle(december, november)


def test_daily_check_ins_are_summed_up_by_their_week_once_it_is_over_everywhere():
    from domain.summaries.cycles import by_summary, summary_key

    assert summary_key("d:2026-11-20") == summary_key("d:2026-11-16") == "dw:2026-11-16"
    assert summary_key("d:2026-11-22") == "dw:2026-11-16"  # a Sunday where the weekend is Friday-Saturday
    assert summary_key("w:2026-11-20") == "w:2026-11-20"
    rows = [
        (7, "d:2026-11-16", utc(2026, 11, 16, 9), utc(2026, 11, 17, 9)),
        (7, "d:2026-11-20", utc(2026, 11, 20, 9), utc(2026, 11, 23, 9)),
        (7, "w:2026-11-20", utc(2026, 11, 20, 10), utc(2026, 11, 27, 10)),
    ]
    early, over = utc(2026, 11, 24, 8, 59), utc(2026, 11, 24, 9)
    assert set(by_summary(rows, early, fresh_after=early - timedelta(days=7))) == {(7, "w:2026-11-20")}
    summed = by_summary(rows, over, fresh_after=over - timedelta(days=7))  # Monday closed before: still in
    assert summed[(7, "dw:2026-11-16")] == (
        utc(2026, 11, 16, 9),
        utc(2026, 11, 23, 9),
        {"d:2026-11-16", "d:2026-11-20"},
    )
    assert (7, "dw:2026-11-16") not in by_summary(rows, over, fresh_after=utc(2026, 11, 23, 9))  # not fresh
    cycle = period_cycle_of("dw:2026-11-16", utc(2026, 11, 16, 9), utc(2026, 11, 23, 9))
    assert cycle.label == "daily check-ins of the week of Mon 16 Nov"
    assert in_cycle(checkin("d:2026-11-18", utc(2026, 11, 18, 9), utc(2026, 11, 19, 9)), cycle)
    assert not in_cycle(checkin("d:2026-11-23", utc(2026, 11, 23, 9), utc(2026, 11, 24, 9)), cycle)
    assert (
        period_cycle(
            "d:2026-11-18", [checkin("d:2026-11-18", utc(2026, 11, 18, 9), utc(2026, 11, 19, 9))]
        ).key
        == "dw:2026-11-16"
    )


def test_a_summary_sent_by_hand_has_a_ledger_key_of_its_own_for_every_cycle():
    assert sent_now_key("2026-W47") == "now:2026-W47"  # as before, so one sent already is not sent again
    weeks = [sent_now_key("dw:2026-11-02"), sent_now_key("dw:2026-11-09")]
    assert len(set(weeks)) == 2 and all(len(k) <= 16 for k in weeks)
    assert sent_now_key("m:2026-11") != "m:2026-11"
