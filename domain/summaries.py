"""Cycle summaries: how each manager's team is doing, when a check-in period (and a month, a quarter) closes.

A manager's summary covers their direct reports: who answered, mood and its trend, blockers and help asked
for, check-ins still waiting for a reply, goal progress and goals at risk, proposals waiting for them, and
how much feedback the team received; for a manager of managers, each sub-team in aggregate. The HR summary
has the same figures per team and no individual answers. Each is sent once, through the send ledger.
"""

import calendar
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import Session

from domain.checkins.questions import DEFAULT_QUESTIONS
from domain.core import channels, delivery
from domain.core.services import Services
from domain.core.slack import SlackError
from domain.goals import reading as goal_reading
from domain.summary_chart import chart_png
from message_templates.render import render_message
from storage import app_settings, people
from storage import summaries as store
from storage.models import Checkin, CheckinStatus, GoalProposal, GoalStatus, Person

log = logging.getLogger(__name__)

SUMMARY = "summary"
HR_SUMMARY = "hr_summary"
HR_CHANNEL = "hr_summary_channel"
FRESH = timedelta(days=7)  # a cycle that closed longer ago than this gets no summary (e.g. on first start)
TREND = timedelta(weeks=12)  # how far back the mood trend looks
PROGRESS_LOOKBACK = timedelta(weeks=26)
MIN_ANSWERS = 3  # fewer answers than this, and a group's mood or blockers would be someone's own
BEFORE = timedelta(weeks=5)  # the period before a cycle, for "before:" (monthly cadences included)
ATTENTION = [q for q in DEFAULT_QUESTIONS if q.stands_out]


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


@dataclass(frozen=True)
class Line:
    person: Person
    status: str  # answered, skipped, missing (no answer), none (not asked in this cycle)
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

    @property
    def missing(self) -> list[Person]:
        return [line.person for line in self.lines if line.status == "missing"]

    @property
    def skipped(self) -> list[Person]:
        return [line.person for line in self.lines if line.status == "skipped"]

    @property
    def unreplied(self) -> list[Person]:
        return [line.person for line in self.lines if line.unreplied]

    @property
    def goal_progress(self) -> int | None:
        return round(sum(v.progress for _, v in self.goals) / len(self.goals)) if self.goals else None

    @property
    def at_risk(self) -> list[tuple[Person, goal_reading.GoalView]]:
        return [(p, v) for p, v in self.goals if v.goal.status == GoalStatus.at_risk]


def _mean(values: Iterable[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return round(sum(present) / len(present), 1) if present else None


def _in_cycle(checkin: Checkin, cycle: Cycle) -> bool:
    if cycle.kind == "period":
        return checkin.period_key == cycle.key
    return cycle.starts <= checkin.opens_at < cycle.ends


def _series(checkins: list[Checkin], until: datetime) -> list[tuple[str, float | None, datetime]]:
    """Average mood per check-in period, oldest first: (label, mood, when the period closed)."""
    by_period: dict[str, list[Checkin]] = defaultdict(list)
    for checkin in checkins:
        if checkin.opens_at < until:
            by_period[checkin.period_key].append(checkin)
    points = []
    for rows in sorted(by_period.values(), key=lambda rows: rows[0].opens_at):
        moods = [c.mood for c in rows if c.status == CheckinStatus.submitted and c.mood is not None]
        points.append((f"{rows[0].opens_at:%-d %b}", _mean(moods), max(c.closes_at for c in rows)))
    return points


def _figures(
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
        mood=None if hidden else _mean(c.mood for c in answered),
        blockers=None if hidden else sum(bool(c.answers.get("blockers")) for c in answered),
        help=None if hidden else sum(bool(c.answers.get("help")) for c in answered),
        at_risk=at_risk,
        feedback=sum(feedback.get(p.id, 0) for p in members),
    )


def build(session: Session, *, manager: Person, cycle: Cycle | None, now: datetime) -> Summary | None:
    """The manager's summary of a cycle (None when they have no reports). `cycle` None: the latest check-in
    period of their reports, even if it has not closed yet."""
    assert manager.id is not None
    reports = store.reports_of(session, manager_ids=[manager.id])[manager.id]
    if not reports:
        return None
    ids = [p.id for p in reports]
    horizon_end = cycle.ends if cycle else now
    # Twelve weeks of trend, or the whole cycle and the period before it when longer (a quarter).
    opened_from = horizon_end - TREND if cycle is None else min(horizon_end - TREND, cycle.starts - BEFORE)
    recent = list(
        store.checkins_of(session, person_ids=ids, opened_from=opened_from, opened_before=horizon_end)
    )
    if cycle is None:
        opened = [c for c in recent if c.opens_at <= now]
        if not opened:
            return None
        cycle = period_cycle(max(opened, key=lambda c: c.opens_at).period_key, recent)
    current = [c for c in recent if _in_cycle(c, cycle)]
    by_person: dict[int, list[Checkin]] = defaultdict(list)
    for checkin in current:
        by_person[checkin.person_id].append(checkin)

    lines = []
    for person in reports:
        mine = by_person.get(person.id, [])
        submitted = [c for c in mine if c.status == CheckinStatus.submitted]
        if not mine:
            status = "none"
        elif any(c.status == CheckinStatus.prompted for c in mine):
            status = "missing" if not submitted or len(submitted) < len(mine) else "answered"
        elif submitted:
            status = "answered"
        else:
            status = "skipped"
        lines.append(
            Line(
                person=person,
                status=status,
                mood=_mean(c.mood for c in submitted),
                unreplied=any(c.manager_replied_at is None for c in submitted),
            )
        )
    names = {p.id: p for p in reports}
    attention = [
        (names[c.person_id], q.label, c.answers[q.id])
        for c in current
        if c.status == CheckinStatus.submitted
        for q in ATTENTION
        if c.answers.get(q.id)
    ]
    start_day, end_day = cycle.starts.date(), (cycle.ends - timedelta(seconds=1)).date()
    goal_rows = list(store.goals_of(session, person_ids=ids, starting_by=end_day, ending_from=start_day))
    goal_views = goal_reading.views(session, goal_rows)
    team_goals = [(names[v.goal.person_id], v) for v in goal_views if v.agreed]
    pending = [
        (names[goal.person_id], proposal)
        for proposal, goal in store.open_proposals_for(session, person_ids=ids)
        if proposal.proposer_id == goal.person_id  # waiting for the manager, not for the report
    ]
    feedback = store.feedback_counts(session, person_ids=ids, since=cycle.starts, until=cycle.ends)
    points = _series(recent, cycle.ends)
    # Progress before the trend's window only gives its starting point: half a year back is plenty.
    entries = store.progress_entries(
        session, person_ids=ids, since=cycle.ends - TREND - PROGRESS_LOOKBACK, until=cycle.ends
    )
    agreed_ids = {v.goal.id for _, v in team_goals}
    summary = Summary(
        manager=manager,
        cycle=cycle,
        so_far=cycle.ends > now,
        lines=lines,
        figures=_figures(
            manager.team or manager.name,
            reports,
            current,
            sum(v.goal.status == GoalStatus.at_risk for _, v in team_goals),
            feedback,
        ),
        mood_before=_mood_before(points, cycle),
        mood_series=[(label, mood) for label, mood, _ in points],
        attention=attention,
        goals=team_goals,
        goal_series=_goal_series(entries, agreed_ids, [(label, closed) for label, _, closed in points]),
        pending=pending,
    )
    summary.sub_teams = _sub_teams(session, reports, cycle)
    return summary


def _mood_before(points: list[tuple[str, float | None, datetime]], cycle: Cycle) -> float | None:
    earlier = [mood for _, mood, closed in points if closed <= cycle.starts and mood is not None]
    return earlier[-1] if earlier else None


def _goal_series(
    entries, goal_ids: set[int], moments: list[tuple[str, datetime]]
) -> list[tuple[str, float | None]]:
    """The team's average goal progress at the close of each period, from the progress updates kept."""
    latest: dict[int, float] = {}
    series = []
    pending = iter(e for e in entries if e.data.get("goal_id") in goal_ids)
    entry = next(pending, None)
    for label, moment in moments:
        while entry is not None and entry.created_at <= moment:
            latest[entry.data["goal_id"]] = float(entry.data.get("progress", 0))
            entry = next(pending, None)
        series.append((label, _mean(latest.values())))
    return series


def _sub_teams(session: Session, reports: list[Person], cycle: Cycle) -> list[TeamFigures]:
    """For a manager of managers: each report's own team, in aggregate."""
    below = store.reports_of(session, manager_ids=[p.id for p in reports])
    members = [p for group in below.values() for p in group]
    if not members:
        return []
    checkins = store.checkins_of(
        session,
        person_ids=[p.id for p in members],
        opened_from=cycle.starts - timedelta(days=1),  # the cycle's own check-ins only (time zones aside)
        opened_before=cycle.ends,
    )

    def in_cycle(group: list[Person]) -> list[Checkin]:
        ids = {p.id for p in group}
        theirs = [c for c in checkins if c.person_id in ids]
        same = [c for c in theirs if _in_cycle(c, cycle)]
        # A sub-team on another cadence: what opened within this period counts.
        return same or [
            c for c in theirs if cycle.kind == "period" and cycle.starts <= c.opens_at < cycle.ends
        ]

    return [
        _figures(lead.name, below[lead.id], in_cycle(below[lead.id]), 0, {}, anonymous=True)
        for lead in reports
        if below.get(lead.id)
    ]


# -- sending ---------------------------------------------------------------------------------


@dataclass
class Sent:
    sent: int = 0
    failed: int = 0


def due(session: Session, *, now: datetime) -> list[tuple[Person, Cycle, str]]:
    """(manager, cycle, ledger key) of every summary due and not yet sent: the same few queries whatever
    the size of the org, since this runs every minute."""
    managers = {m.id: m for m in store.managers(session)}
    candidates = [
        (managers[manager_id], period_cycle_of(key, first_open, last_close))
        for manager_id, key, first_open, last_close in store.closed_periods(
            session, per_manager=True, closed_after=now - FRESH, now=now
        )
        if manager_id in managers
    ]
    today = now.date()
    if today.day <= FRESH.days:  # the month (and quarter) that just ended
        cycles = [month_cycle(today.replace(day=1) - timedelta(days=1))]
        if today.month in (1, 4, 7, 10):
            cycles.append(quarter_cycle(cycles[0].starts.date()))
        candidates += [(m, c) for m in managers.values() for c in cycles]
    sent = store.sent_keys(session, kind=SUMMARY, keys=[c.key for _, c in candidates])
    return [(m, c, c.key) for m, c in candidates if (m.id, c.key) not in sent]


def send_due(services: Services, *, now: datetime) -> Sent:
    with services.session() as session:
        todo = due(session, now=now)
    report = _send(services, todo, now=now)
    report.sent += send_hr_due(services, now=now)
    return report


def send_now(services: Services, *, now: datetime, emails: Iterable[str] = ()) -> Sent:
    """`checkins summary send`: each manager's latest check-in period so far. Once per period: its key is
    marked, so the summary sent when the period closes still comes."""
    wanted = {e.lower() for e in emails}
    todo = []
    with services.session() as session:
        for manager in store.managers(session):
            if wanted and manager.email not in wanted:
                continue
            summary = build(session, manager=manager, cycle=None, now=now)
            if summary is not None:
                todo.append((manager, summary.cycle, f"now:{summary.cycle.key}"[:16]))
    return _send(services, todo, now=now)


def _send(services: Services, todo: list[tuple[Person, Cycle, str]], *, now: datetime) -> Sent:
    report = Sent()
    for manager, cycle, key in todo:
        made: list[Summary] = []

        def compose(
            session: Session, manager_id: int = manager.id, cycle: Cycle = cycle, made: list = made
        ) -> dict | None:
            fresh = people.get(session, person_id=manager_id)
            summary = build(session, manager=fresh, cycle=cycle, now=now) if fresh and fresh.active else None
            if summary is None or not (summary.figures.asked or summary.goals or summary.pending):
                return None  # nothing happened in this cycle: no summary
            made.append(summary)
            return render_message("summaries/manager.json.j2", summary=summary)

        try:
            result = delivery.send_once(
                services, person=manager, key=key, kind=SUMMARY, compose=compose, oldest=now - FRESH, now=now
            )
        except delivery.DeliveryFailed:
            report.failed += 1
            continue
        if result is None or not result.new or not made:
            continue
        report.sent += 1
        _upload_chart(services, made[0], result.posted)
    return report


def _upload_chart(services: Services, summary: Summary, posted) -> None:
    png = chart_png(summary)
    if png is None:
        return
    try:
        services.gateway.upload_file(
            posted.channel,
            filename=f"summary-{summary.cycle.key.replace(':', '-')}.png",
            content=png,
            title=f"Mood and goal progress, {summary.cycle.label}",
            thread_ts=posted.ts,
        )
    except SlackError as err:  # the summary went out; the chart in its thread is a plus
        log.warning("summary chart for %s not uploaded: %s", summary.manager.email, err.code)


# -- the HR summary --------------------------------------------------------------------------


@dataclass(frozen=True)
class HrSummary:
    cycle: Cycle
    teams: list[TeamFigures]


def hr_summary(session: Session, *, teams: list[str], cycle: Cycle) -> HrSummary:
    """Figures per team: no names, no answers."""
    members = list(store.in_teams(session, teams=teams))
    ids = [p.id for p in members]
    checkins = [
        c
        for c in store.checkins_of(
            session, person_ids=ids, opened_from=cycle.starts, opened_before=cycle.ends
        )
        if _in_cycle(c, cycle)
    ]
    start_day, end_day = cycle.starts.date(), (cycle.ends - timedelta(seconds=1)).date()
    at_risk: dict[int, int] = defaultdict(int)
    for goal in store.goals_of(session, person_ids=ids, starting_by=end_day, ending_from=start_day):
        at_risk[goal.person_id] += goal.status == GoalStatus.at_risk
    feedback = store.feedback_counts(session, person_ids=ids, since=cycle.starts, until=cycle.ends)
    by_team: dict[str, list[Person]] = defaultdict(list)
    for person in members:
        by_team[person.team].append(person)
    figures = []
    for team in sorted(by_team):
        group = by_team[team]
        group_ids = {p.id for p in group}
        figures.append(
            _figures(
                team or "(no team)",
                group,
                [c for c in checkins if c.person_id in group_ids],
                sum(at_risk[i] for i in group_ids),
                feedback,
                anonymous=True,
            )
        )
    return HrSummary(cycle=cycle, teams=figures)


def send_hr_due(services: Services, *, now: datetime) -> int:
    """One post per closed check-in period, with every team on that cadence, in the HR channel."""
    with services.session() as session:
        channel = app_settings.setting(session, key=HR_CHANNEL)
        by = people.get(session, person_id=int(app_settings.setting(session, key=f"{HR_CHANNEL}_by") or 0))
        if not channel or by is None:
            return 0
        # A period key is shared by every team on that cadence, whatever its time zone: the post waits
        # until the period has closed for all of them.
        closed = store.closed_periods(session, per_manager=False, closed_after=now - FRESH, now=now)
        sent = store.sent_keys(session, kind=HR_SUMMARY, keys=[row[0] for row in closed], person_ids=[by.id])
        periods = {
            key: (first_open, last_close, store.teams_in_period(session, period_key=key))
            for key, first_open, last_close in closed
            if (by.id, key) not in sent
        }
    count = 0
    for key, (first_open, last_close, teams) in periods.items():
        cycle = period_cycle_of(key, first_open, last_close)

        def compose(session: Session, cycle: Cycle = cycle, teams: list[str] = teams) -> dict:
            return render_message(
                "summaries/hr.json.j2", summary=hr_summary(session, teams=teams, cycle=cycle)
            )

        try:
            result = delivery.send_once(
                services,
                person=by,
                key=key,
                kind=HR_SUMMARY,
                compose=compose,
                oldest=now - FRESH,
                now=now,
                channel=channel,
            )
        except delivery.DeliveryFailed:
            continue
        count += bool(result and result.new)
    return count


def set_hr_channel(session: Session, *, slack_user_id: str, channel_text: str) -> str:
    return channels.choose(
        session, slack_user_id=slack_user_id, channel_text=channel_text, key=HR_CHANNEL, what="HR summary"
    )
