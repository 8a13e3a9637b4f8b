"""The periods goals are set for: a year, a quarter or a month, named by keys like 2026, 2026-Q4, 2026-11."""

import calendar
import re
from dataclasses import dataclass
from datetime import date

# Years 1000-9999 in ASCII digits: a date has no year 0, and `\d` or `$` would take more than keys.
_YEAR = re.compile(r"([1-9][0-9]{3})")
_QUARTER = re.compile(r"([1-9][0-9]{3})-Q([1-4])")
_MONTH = re.compile(r"([1-9][0-9]{3})-(0[1-9]|1[0-2])")


@dataclass(frozen=True)
class GoalPeriod:
    key: str
    label: str
    starts_on: date
    ends_on: date


def parse(key: str) -> GoalPeriod | None:
    if match := _YEAR.fullmatch(key):
        year = int(match.group(1))
        return GoalPeriod(key, str(year), date(year, 1, 1), date(year, 12, 31))
    if match := _QUARTER.fullmatch(key):
        year, quarter = int(match.group(1)), int(match.group(2))
        first = 3 * quarter - 2
        last_day = calendar.monthrange(year, first + 2)[1]
        return GoalPeriod(key, f"Q{quarter} {year}", date(year, first, 1), date(year, first + 2, last_day))
    if match := _MONTH.fullmatch(key):
        year, month = int(match.group(1)), int(match.group(2))
        last_day = calendar.monthrange(year, month)[1]
        return GoalPeriod(
            key, f"{calendar.month_name[month]} {year}", date(year, month, 1), date(year, month, last_day)
        )
    return None


def _next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def options(today: date) -> list[GoalPeriod]:
    """What a new goal can be set for: this and next year, quarter and month."""
    quarter = (today.month - 1) // 3 + 1
    next_quarter = (today.year + 1, 1) if quarter == 4 else (today.year, quarter + 1)
    next_month = _next_month(today.year, today.month)
    keys = [
        f"{today.year:04d}-Q{quarter}",
        f"{next_quarter[0]:04d}-Q{next_quarter[1]}",
        f"{today.year:04d}-{today.month:02d}",
        f"{next_month[0]:04d}-{next_month[1]:02d}",
        f"{today.year:04d}",
        f"{today.year + 1:04d}",
    ]
    return [p for p in map(parse, keys) if p is not None]


def choosable(today: date, keep: str | None = None) -> list[GoalPeriod]:
    """What a goal can be set for; `keep`: its current period, kept even when no longer offered."""
    choices = options(today)
    current = parse(keep) if keep else None
    if current is not None and current.key not in {p.key for p in choices}:
        choices.insert(0, current)
    return choices


def within(outer: GoalPeriod) -> list[GoalPeriod]:
    """The periods a goal for `outer` breaks down into: itself, then its quarters, then its months."""
    found = [outer]
    if outer.key == str(outer.starts_on.year):
        found += [p for q in range(1, 5) if (p := parse(f"{outer.key}-Q{q}")) is not None]
    if "-" not in outer.key or "-Q" in outer.key:
        month, year = outer.starts_on.month, outer.starts_on.year
        while (p := parse(f"{year:04d}-{month:02d}")) is not None and p.ends_on <= outer.ends_on:
            found.append(p)
            year, month = _next_month(year, month)
    return found


def nests(inner: GoalPeriod, outer: GoalPeriod) -> bool:
    """A child's period lies within its parent's (the same period too: company → team → person)."""
    return outer.starts_on <= inner.starts_on and inner.ends_on <= outer.ends_on
