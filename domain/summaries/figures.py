"""What a summary says, and the rules that make its figures from check-ins: pure, no session.

A group's mood and blockers are left out for readers who may not see the answers when fewer than
MIN_ANSWERS people answered, since they would be someone's own.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from domain.goals import reading as goal_reading
from domain.summaries.cycles import Cycle
from domain.summaries.flags import Flag, Period
from storage.models import Checkin, CheckinStatus, Goal, GoalProposal, GoalStatus, Person

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
    one_on_ones: int = 0  # 1:1s held in the cycle: a count, never what was said
    team_goals: int = 0
    team_goal_progress: int | None = None  # percent, on average

    @property
    def response_rate(self) -> int | None:
        return round(100 * self.answered / self.asked) if self.asked else None


@dataclass(frozen=True)
class SharedGoal:
    """A company or team goal as a summary shows it; `at_risk`: the goals under it at risk that the reader
    may see, each with its person (None for a team goal) and its progress."""

    goal: Goal
    progress: int  # percent
    status: GoalStatus
    at_risk: list[tuple[Goal, Person | None, int]] = field(default_factory=list)


@dataclass(frozen=True)
class OneOnOnes:
    held: int  # in the cycle, with the manager's reports
    open_actions: int  # now, in the manager's running series
    overdue: int


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
    # Each report's mood by period, aligned with mood_series: drawn as a line each, to the manager only.
    people_series: list[tuple[Person, list[float | None]]] = field(default_factory=list)
    flags: list[tuple[Person, Flag]] = field(default_factory=list)
    one_on_ones: OneOnOnes | None = None
    company_goals: list[SharedGoal] = field(default_factory=list)
    team_goals: list[SharedGoal] = field(default_factory=list)

    @property
    def chartable(self) -> bool:
        """Whether the chart has anything to draw: the message promises one only then."""
        return any(m is not None for _, m in self.mood_series) or any(
            p is not None for _, p in self.goal_series
        )

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
    company_goals: list[SharedGoal] = field(default_factory=list)


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


def _periods(checkins: list[Checkin], until: datetime) -> list[list[Checkin]]:
    """The check-ins opened before `until`, by period, oldest period first."""
    by_period: dict[str, list[Checkin]] = defaultdict(list)
    for checkin in checkins:
        if checkin.opens_at < until:
            by_period[checkin.period_key].append(checkin)
    return sorted(by_period.values(), key=lambda rows: rows[0].opens_at)


def series(checkins: list[Checkin], until: datetime) -> list[tuple[str, float | None, datetime]]:
    """Average mood per check-in period, oldest first: (label, mood, when the period closed)."""
    points = []
    for rows in _periods(checkins, until):
        moods = [c.mood for c in rows if c.status == CheckinStatus.submitted and c.mood is not None]
        points.append((f"{rows[0].opens_at:%-d %b}", mean(moods), max(c.closes_at for c in rows)))
    return points


def per_person(checkins: list[Checkin], until: datetime, person_ids: list[int]) -> dict[int, list[Period]]:
    """Each person's periods, aligned with `series` (a period they did not answer is an empty Period). The
    blockers question is the one with that id, where the template asks it (an anonymous one never reaches a
    check-in's answers)."""
    found: dict[int, list[Period]] = {person_id: [] for person_id in person_ids}
    for rows in _periods(checkins, until):
        submitted: dict[int, list[Checkin]] = defaultdict(list)
        for c in rows:
            if c.status == CheckinStatus.submitted:
                submitted[c.person_id].append(c)
        for person_id, periods in found.items():
            mine = submitted.get(person_id)
            periods.append(
                Period(
                    mood=mean(c.mood for c in mine),
                    blockers=any(bool(c.answers.get("blockers")) for c in mine),
                )
                if mine
                else Period()
            )
    return found


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
