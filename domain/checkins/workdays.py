"""Which days a person works: their weekend follows their time zone, the only place the app learns where
they are. Most of the world rests on Saturday and Sunday; a few countries on Friday and Saturday, or on
Friday alone. Company holidays and pauses are in `due.quiet_on`."""

from datetime import date, timedelta

SATURDAY_SUNDAY = frozenset({5, 6})  # Monday is 0
FRIDAY_SATURDAY = frozenset({4, 5})
_WEEKENDS = {
    **dict.fromkeys(
        (
            "Africa/Algiers",
            "Africa/Cairo",
            "Africa/Khartoum",
            "Africa/Tripoli",
            "Asia/Aden",
            "Asia/Amman",
            "Asia/Baghdad",
            "Asia/Bahrain",
            "Asia/Damascus",
            "Asia/Dhaka",
            "Asia/Jerusalem",
            "Asia/Kuwait",
            "Asia/Muscat",
            "Asia/Qatar",
            "Asia/Riyadh",
            "Asia/Tel_Aviv",
        ),
        FRIDAY_SATURDAY,
    ),
    "Asia/Tehran": frozenset({4}),
    "Asia/Kathmandu": frozenset({5}),
}


def weekend_of(timezone: str) -> frozenset[int]:
    return _WEEKENDS.get(timezone, SATURDAY_SUNDAY)


def working_day(day: date, offset: int, weekend: frozenset[int]) -> date:
    """The working day `offset` working days after the latest working day on or before `day`."""
    while day.weekday() in weekend:
        day -= timedelta(days=1)
    step = timedelta(days=1 if offset > 0 else -1)
    for _ in range(abs(offset)):
        day += step
        while day.weekday() in weekend:
            day += step
    return day
