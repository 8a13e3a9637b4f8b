"""What a summary covers: a check-in period, a month or a quarter, with its key in the send ledger."""

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from storage.models import Checkin


@dataclass(frozen=True)
class Cycle:
    kind: str  # period (a check-in period), month or quarter
    key: str  # its key in the send ledger
    label: str
    starts: datetime
    ends: datetime


def month_cycle(day: date) -> Cycle:
    starts = datetime.combine(day.replace(day=1), time(), UTC)
    last = calendar.monthrange(day.year, day.month)[1]
    ends = datetime.combine(day.replace(day=last), time(), UTC) + timedelta(days=1)
    return Cycle("month", f"m:{day:%Y-%m}", f"{day:%B %Y}", starts, ends)


def quarter_cycle(day: date) -> Cycle:
    quarter = (day.month - 1) // 3 + 1
    first = date(day.year, 3 * quarter - 2, 1)
    starts = datetime.combine(first, time(), UTC)
    ends = month_cycle(date(day.year, 3 * quarter, 1)).ends
    return Cycle("quarter", f"q:{day.year}-Q{quarter}", f"Q{quarter} {day.year}", starts, ends)


def period_cycle_of(key: str, first_open: datetime, last_close: datetime) -> Cycle:
    return Cycle("period", key, f"check-ins of {first_open:%a %-d %b}", first_open, last_close)


def period_cycle(period_key: str, checkins: Iterable[Checkin]) -> Cycle:
    mine = [c for c in checkins if c.period_key == period_key]
    return period_cycle_of(period_key, min(c.opens_at for c in mine), max(c.closes_at for c in mine))


def in_cycle(checkin: Checkin, cycle: Cycle) -> bool:
    """A period's own check-ins; a month's or a quarter's, those that opened within it."""
    if cycle.kind == "period":
        return checkin.period_key == cycle.key
    return cycle.starts <= checkin.opens_at < cycle.ends
