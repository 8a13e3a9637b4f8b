"""What a manager is told of one person, by name, in their summary only: a mood that fell by 2 points or more
over the last 3 check-in periods, or blockers answered 3 periods running. Pure: a person's periods in, a flag
out (never in the HR post, nor in a manager of managers' view of a sub-team)."""

from collections.abc import Sequence
from dataclasses import dataclass

WINDOW = 3  # periods looked at, the latest last
DROP = 2.0  # points fallen within the window


@dataclass(frozen=True)
class Period:
    """One person's check-ins of one period: their mood (an average if the period held several) and whether
    they answered the blockers question; both None when they did not answer in that period."""

    mood: float | None = None
    blockers: bool | None = None


def mood_drop(periods: Sequence[Period]) -> tuple[float, float] | None:
    """(from, to) when the latest mood of the window is DROP or more below an earlier one in it."""
    moods = [p.mood for p in periods[-WINDOW:]]
    answered = [m for m in moods if m is not None]
    if len(answered) < 2:
        return None
    latest = answered[-1]
    highest = max(answered[:-1])
    return (highest, latest) if highest - latest >= DROP else None


def blocked_throughout(periods: Sequence[Period]) -> bool:
    """Blockers in each of the last WINDOW periods: a period not answered breaks the run."""
    window = periods[-WINDOW:]
    return len(window) == WINDOW and all(p.blockers for p in window)


@dataclass(frozen=True)
class Flag:
    person_id: int
    mood: tuple[float, float] | None  # (from, to)
    blockers: bool


def flags(by_person: dict[int, list[Period]]) -> list[Flag]:
    """Everyone with something to flag, in the order given."""
    found = []
    for person_id, periods in by_person.items():
        drop, blocked = mood_drop(periods), blocked_throughout(periods)
        if drop or blocked:
            found.append(Flag(person_id=person_id, mood=drop, blockers=blocked))
    return found
