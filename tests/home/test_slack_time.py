"""Slack's request times read for ordering Home requests: both shapes Slack sends, and nonsense."""

import pytest

from domain.core.clock import utcnow
from domain.home.publish import slack_time


@pytest.mark.parametrize(
    ("ts", "micros"),
    [
        ("1515449522.000016", 1515449522000016),
        ("1548426417.840180", 1548426417840180),
        ("1515449522000016", 1515449522000016),  # app_home_opened's event_ts, as Slack's docs show it
        ("1515449522", 1515449522000000),
    ],
)
def test_slack_times_in_microseconds(ts, micros):
    assert slack_time(ts) == micros


@pytest.mark.parametrize("ts", [None, "", "soon", "NaN", "-Infinity", "-5", "0"])
def test_a_missing_or_unreadable_time_is_now(ts):
    now = int(utcnow().timestamp() * 1_000_000)
    assert abs(slack_time(ts) - now) < 5_000_000
