"""What a summary says, and the rules that make its figures from check-ins: pure, no session.

A group's mood and blockers are left out for readers who may not see the answers when fewer than
MIN_ANSWERS people answered, since they would be someone's own.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from domain.goals import reading as goal_reading
from domain.summaries.cycles import Cycle, summary_key
from storage.models import Checkin, CheckinStatus, GoalProposal, GoalStatus, Person

MIN_ANSWERS = 3  # fewer answers than this, and a group's mood or blockers would be someone's own


@dataclass(frozen=True)
class Line:
    person: Person
    status: str  # answered, skipped, missing (no answer), none (not asked in this cycle), paused, on holiday
    mood: float | None
    unreplied: bool


@dataclass(frozen=True)
class TeamFigures:
    """What can be said of a group of people without quoting anyone."""

    name: str
    people: int
    asked: int
    answered: int
    mood: float | None
    blockers: int | None  # None: too few answers to tell without naming someone
    help: int | None
    at_risk: int
    feedback: int

    @property
    def response_rate(self) -> int | None:
        return round(100 * self.answered / self.asked) if self.asked else None


@dataclass
class Summary:
    manager: Person
    cycle: Cycle
    so_far: bool
    lines: list[Line]
    figures: TeamFigures
    mood_before: float | None
    mood_series: list[tuple[str, float | None]]
    attention: list[tuple[Person, str, str]]
    goals: list[tuple[Person, goal_reading.GoalView]]
    goal_series: list[tuple[str, float | None]]
    pending: list[tuple[Person, GoalProposal]]
    sub_teams: list[TeamFigures] = field(default_factory=list)
    # Anonymous questions' counts and averages (domain.checkins.anonymous.Figure), 3 answers or more only.
    anonymous: list = field(default_factory=list)

    @property
    def missing(self) -> list[Person]:
        return [line.person for line in self.lines if line.status == "missing"]

    @property
    def skipped(self) -> list[Person]:
        return [line.person for line in self.lines if line.status == "skipped"]

    @property
    def away(self) -> list[tuple[Person, str]]:
        """Paused or held back by a holiday: not counted as not answering."""
        return [(line.person, line.status) for line in self.lines if line.status in AWAY]

    @property
    def unreplied(self) -> list[Person]:
        return [line.person for line in self.lines if line.unreplied]

    @property
    def goal_progress(self) -> int | None:
        return round(sum(v.progress for _, v in self.goals) / len(self.goals)) if self.goals else None

    @property
    def at_risk(self) -> list[tuple[Person, goal_reading.GoalView]]:
        return [(p, v) for p, v in self.goals if v.goal.status == GoalStatus.at_risk]


@dataclass(frozen=True)
class HrSummary:
    cycle: Cycle
    teams: list[TeamFigures]


def mean(values: Iterable[float | None]) -> float | None:
    """To one decimal, of the values present; None when there are none."""
    present = [v for v in values if v is not None]
    return round(sum(present) / len(present), 1) if present else None


AWAY = ("paused", "on holiday")


def line(person: Person, mine: list[Checkin], away: str | None = None) -> Line:
    """A report's line from their check-ins of the cycle: a period may hold several (a daily cadence).
    `away`: paused (instead of missing or not asked) or on holiday (instead of not asked yet: the prompt is
    held until their next working day)."""
    submitted = [c for c in mine if c.status == CheckinStatus.submitted]
    if not mine:
        status = "none"
    elif any(c.status == CheckinStatus.prompted for c in mine):
        status = "missing" if not submitted or len(submitted) < len(mine) else "answered"
    elif submitted:
        status = "answered"
    else:
        status = "skipped"
    if (away == "paused" and status in ("missing", "none")) or (away == "on holiday" and status == "none"):
        status = away
    return Line(
        person=person,
        status=status,
        mood=mean(c.mood for c in submitted),
        unreplied=any(c.manager_replied_at is None for c in submitted),
    )


def series(checkins: list[Checkin], until: datetime) -> list[tuple[str, float | None, datetime]]:
    """Average mood per check-in period (a daily cadence's: per week), oldest first: (label, mood, when the
    period closed)."""
    by_period: dict[str, list[Checkin]] = defaultdict(list)
    for checkin in checkins:
        if checkin.opens_at < until:
            by_period[summary_key(checkin.period_key)].append(checkin)
    points = []
    for rows in sorted(by_period.values(), key=lambda rows: rows[0].opens_at):
        moods = [c.mood for c in rows if c.status == CheckinStatus.submitted and c.mood is not None]
        points.append((f"{rows[0].opens_at:%-d %b}", mean(moods), max(c.closes_at for c in rows)))
    return points


def figures(
    name: str,
    members: list[Person],
    checkins: list[Checkin],
    at_risk: int,
    feedback: dict[int, int],
    anonymous: bool = False,
) -> TeamFigures:
    """`anonymous`: for readers who may not see the answers. With fewer than MIN_ANSWERS answers a figure
    would be someone's own mood or blocker: those are left out."""
    answered = [c for c in checkins if c.status == CheckinStatus.submitted]
    hidden = anonymous and len(answered) < MIN_ANSWERS
    return TeamFigures(
        name=name,
        people=len(members),
        asked=len(checkins),
        answered=len(answered),
        mood=None if hidden else mean(c.mood for c in answered),
        blockers=None if hidden else sum(bool(c.answers.get("blockers")) for c in answered),
        help=None if hidden else sum(bool(c.answers.get("help")) for c in answered),
        at_risk=at_risk,
        feedback=sum(feedback.get(p.id, 0) for p in members),
    )


def mood_before(points: list[tuple[str, float | None, datetime]], cycle: Cycle) -> float | None:
    """The mood of the last period that closed before the cycle began."""
    earlier = [mood for _, mood, closed in points if closed <= cycle.starts and mood is not None]
    return earlier[-1] if earlier else None


def goal_series(
    entries, goal_ids: set[int], moments: list[tuple[str, datetime]]
) -> list[tuple[str, float | None]]:
    """The team's average goal progress at the close of each period, from the progress updates kept
    (`entries`: file entries oldest first, each with a goal_id and a progress)."""
    latest: dict[int, float] = {}
    points = []
    pending = iter(e for e in entries if e.data.get("goal_id") in goal_ids)
    entry = next(pending, None)
    for label, moment in moments:
        while entry is not None and entry.created_at <= moment:
            latest[entry.data["goal_id"]] = float(entry.data.get("progress", 0))
            entry = next(pending, None)
        points.append((label, mean(latest.values())))
    return points
