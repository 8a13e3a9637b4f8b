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


_WEEK = "dw:"


def summary_key(period_key: str) -> str:
    """The period a summary covers: its own, but a daily check-in's week (a summary a day would be noise),
    named by its Monday."""
    if not period_key.startswith("d:"):
        return period_key
    day = date.fromisoformat(period_key[2:])
    return f"{_WEEK}{day - timedelta(days=day.weekday())}"


def sent_now_key(cycle_key: str) -> str:
    """The ledger key of a summary sent by hand (`checkins summary send`): apart from the one sent when the
    period closes, so that one still comes. The ledger keeps 16 characters: a daily team's week
    ("dw:2026-11-09") takes the short mark, which must not cut the key (two weeks would share it)."""
    key = f"now:{cycle_key}" if len(cycle_key) <= 12 else f"n:{cycle_key}"
    if len(key) > 16:
        raise ValueError(f"a summary's key is too long for the ledger: {cycle_key!r}")
    return key


def week_over(key: str, now: datetime) -> bool:
    """A daily team's week is summed up once each of its periods has closed in every time zone: Friday's
    (or, where the weekend is Friday and Saturday, Sunday's) closes at the next working day's prompt, by
    Tuesday 09:00 UTC whatever the time zone and prompt time. Other periods: when they close."""
    if not key.startswith(_WEEK):
        return True
    return now >= datetime.combine(date.fromisoformat(key[len(_WEEK) :]) + timedelta(days=8), time(9), UTC)


# A daily team's week is read this much further back than the summaries due: its Monday may have closed more
# than a week before the week is over everywhere (east of UTC: Tuesday 00:00 UTC in Tokyo).
WEEK_BACK = timedelta(days=7)


def by_summary(
    rows: Iterable[tuple], now: datetime, *, fresh_after: datetime
) -> dict[tuple, tuple[datetime, datetime, set[str]]]:
    """Closed periods, (group..., period key, first opening, last closing), read from WEEK_BACK before
    `fresh_after`, as the summaries they make: (group..., summary key) -> (first opening, last closing, its
    period keys); a week once it is over, all its days; only those whose last period closed after
    `fresh_after`."""
    merged: dict[tuple, tuple[datetime, datetime, set[str]]] = {}
    for *group, key, first_open, last_close in rows:
        at = (*group, summary_key(key))
        if at in merged:
            first, last, keys = merged[at]
            merged[at] = (min(first, first_open), max(last, last_close), keys | {key})
        else:
            merged[at] = (first_open, last_close, {key})
    return {at: value for at, value in merged.items() if week_over(at[-1], now) and value[1] > fresh_after}


def period_cycle_of(key: str, first_open: datetime, last_close: datetime) -> Cycle:
    if key.startswith(_WEEK):
        monday = date.fromisoformat(key[len(_WEEK) :])
        return Cycle(
            "period", key, f"daily check-ins of the week of {monday:%a %-d %b}", first_open, last_close
        )
    return Cycle("period", key, f"check-ins of {first_open:%a %-d %b}", first_open, last_close)


def period_cycle(period_key: str, checkins: Iterable[Checkin]) -> Cycle:
    key = summary_key(period_key)
    mine = [c for c in checkins if summary_key(c.period_key) == key]
    return period_cycle_of(key, min(c.opens_at for c in mine), max(c.closes_at for c in mine))


def in_cycle(checkin: Checkin, cycle: Cycle) -> bool:
    """A period's own check-ins (a daily cadence: its week's); a month's or a quarter's, those that opened
    within it."""
    if cycle.kind == "period":
        return summary_key(checkin.period_key) == cycle.key
    return cycle.starts <= checkin.opens_at < cycle.ends
