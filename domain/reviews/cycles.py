"""A review's cycle is a quarter, keyed `2026-Q4`: the one a day is in, the one before, the one after."""

from datetime import date, timedelta

from domain.goals import periods as goal_periods


def cycle_of(day: date) -> str:
    """The quarter a day is in, as a key: 2026-Q4."""
    return f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}"


def previous_cycle(day: date) -> str:
    """The quarter before the one a day is in: the one just ended."""
    period = parse_cycle(cycle_of(day))
    assert period is not None
    return cycle_of(period.starts_on - timedelta(days=1))


def parse_cycle(key: str) -> goal_periods.GoalPeriod | None:
    """A quarter's period, or None when the key is not a quarter."""
    return goal_periods.parse(key) if "-Q" in key else None


def next_cycle(key: str) -> goal_periods.GoalPeriod:
    period = parse_cycle(key)
    assert period is not None
    following = parse_cycle(cycle_of(period.ends_on + timedelta(days=1)))
    assert following is not None
    return following


def label(key: str) -> str:
    period = parse_cycle(key)
    return period.label if period else key


# A cycle's reviews are due this long after its quarter ends (the schedule invites for 30 days).
REVIEW_TIME = timedelta(days=42)


def deadline(key: str) -> date:
    """The last day of a cycle's reviews."""
    period = parse_cycle(key)
    assert period is not None
    return period.ends_on + REVIEW_TIME


def ledger_key(cycle: str) -> str:
    """The invitation's key in the send ledger."""
    return f"rv:{cycle}"
