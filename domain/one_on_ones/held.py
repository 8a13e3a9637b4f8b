"""Which 1:1s were held, for summaries: the app keeps no calendar, so a 1:1 counts as held on a day when
either side recorded it (a point marked discussed, a shared note, an action item), one a day per series, the
day taken in the series' time zone. Pure; counts only, never what was said."""

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

HELD = ("discussed", "note", "action")  # what a meeting leaves in the file ("action_done" may come later)


def held(records: Iterable[tuple[int, str, datetime]], zones: dict[int, str]) -> dict[int, int]:
    """1:1s held per series id, from (series id, what, when) of the 1:1 entries of the file."""
    days: dict[int, set] = defaultdict(set)
    for series_id, what, when in records:
        if what not in HELD or series_id not in zones:
            continue
        days[series_id].add(when.astimezone(ZoneInfo(zones[series_id])).date())
    return {series_id: len(found) for series_id, found in days.items()}
