"""Building summaries from the database, and which are due: the same few queries whatever the size of the
org (each read takes a whole team at once, see storage/summaries.py). Functions taking `session`."""

from collections import defaultdict
from dataclasses import replace
from datetime import datetime, timedelta

from sqlmodel import Session

from domain.checkins import anonymous, templates
from domain.core import channels
from domain.core.slack import Slack
from domain.goals import reading as goal_reading
from domain.summaries import figures as rules
from domain.summaries import flags as flag_rules
from domain.summaries import goals as shared_goals
from domain.summaries import meetings
from domain.summaries.cycles import (
    WEEK_BACK,
    Cycle,
    by_summary,
    in_cycle,
    month_cycle,
    period_cycle,
    period_cycle_of,
    quarter_cycle,
)
from domain.summaries.figures import HrSummary, Summary, TeamFigures
from storage import checkins as checkin_store
from storage import summaries as store
from storage.models import Checkin, CheckinStatus, GoalLevel, GoalStatus, Person

SUMMARY = "summary"  # kinds in the send ledger
HR_SUMMARY = "hr_summary"
HR_CHANNEL = "hr_summary_channel"
FRESH = timedelta(days=7)  # a cycle that closed longer ago than this gets no summary (e.g. on first start)
TREND = timedelta(weeks=12)  # how far back the mood trend looks
PROGRESS_LOOKBACK = timedelta(weeks=26)
BEFORE = timedelta(weeks=5)  # the period before a cycle, for "before:" (monthly cadences included)


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
    current = [c for c in recent if in_cycle(c, cycle)]
    by_person: dict[int, list[Checkin]] = defaultdict(list)
    for checkin in current:
        by_person[checkin.person_id].append(checkin)

    away = _away(session, reports, cycle, now)
    lines = [rules.line(person, by_person.get(person.id, []), away.get(person.id)) for person in reports]
    names = {p.id: p for p in reports}
    asked: dict[int | None, tuple] = {}  # each template version's questions, read once
    attention = []
    for c in current:
        if c.status != CheckinStatus.submitted:
            continue
        if c.template_id not in asked:
            asked[c.template_id] = templates.questions_of(templates.of_checkin(session, c))
        # The question as it was asked, whatever its template says now.
        attention += [
            (names[c.person_id], q.label, c.answers[q.id])
            for q in asked[c.template_id]
            if q.stands_out and c.answers.get(q.id)
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
    # The trend ends with the cycle's own period: the next one, opened before this one closed everywhere, is
    # not part of it (it would read as "no answers", and break a run of three).
    trend = [c for c in recent if in_cycle(c, cycle) or c.opens_at < cycle.starts]
    points = rules.series(trend, cycle.ends)
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
        figures=rules.figures(
            manager.team or manager.name,
            reports,
            current,
            sum(v.goal.status == GoalStatus.at_risk for _, v in team_goals),
            feedback,
        ),
        mood_before=rules.mood_before(points, cycle),
        mood_series=[(label, mood) for label, mood, _ in points],
        attention=attention,
        goals=team_goals,
        goal_series=rules.goal_series(entries, agreed_ids, [(label, closed) for label, _, closed in points]),
        pending=pending,
    )
    summary.sub_teams = _sub_teams(session, reports, cycle)
    summary.anonymous = _anonymous(session, reports, current)
    _people(summary, trend, reports)
    day = shared_goals.day_of(cycle, now.date())
    summary.one_on_ones = meetings.of_manager(
        session, manager=manager, reports=reports, cycle=cycle, today=day
    )
    summary.company_goals = shared_goals.shared(
        session, cycle=cycle, day=day, level=GoalLevel.company, teams=[]
    )
    team = shared_goals.shared(session, cycle=cycle, day=day, level=GoalLevel.team, teams=[manager.team])
    summary.team_goals = shared_goals.with_risks(session, manager, team, day)
    return summary


def _people(summary: Summary, recent: list[Checkin], reports: list[Person]) -> None:
    """Each report's mood line for the chart, and what to flag by name: for the manager's eyes only."""
    periods = rules.per_person(recent, summary.cycle.ends, [p.id for p in reports if p.id is not None])
    summary.people_series = [(p, [period.mood for period in periods[p.id]]) for p in reports]
    names = {p.id: p for p in reports}
    summary.flags = [(names[f.person_id], f) for f in flag_rules.flags(periods)]


def _anonymous(session: Session, reports: list[Person], current: list[Checkin]) -> list:
    """The team's anonymous answers of the cycle, as counts and averages only (domain.checkins.anonymous)."""
    rows = checkin_store.anonymous(
        session,
        teams=sorted({p.team for p in reports if p.team}),
        period_keys=sorted({c.period_key for c in current}),
    )
    asked = {}
    for template_id in {r.template_id for r in rows}:
        version = checkin_store.template(session, template_id=template_id)
        if version is not None:
            asked[template_id] = templates.questions_of(version)
    return anonymous.figures(rows, asked)


def _away(session: Session, reports: list[Person], cycle: Cycle, now: datetime) -> dict[int, str]:
    """Who was paused during the cycle, or held back by a company holiday in it so far."""
    first, last = cycle.starts.date(), min(now, cycle.ends).date()
    holiday = any(first <= day <= last for day in checkin_store.holiday_days(session))
    away = {}
    for person in reports:
        if person.paused_until is not None and person.paused_until >= first:
            away[person.id] = "paused"
        elif holiday:
            away[person.id] = "on holiday"
    return away


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

    def of_group(group: list[Person]) -> list[Checkin]:
        ids = {p.id for p in group}
        theirs = [c for c in checkins if c.person_id in ids]
        same = [c for c in theirs if in_cycle(c, cycle)]
        # A sub-team on another cadence: what opened within this period counts.
        return same or [
            c for c in theirs if cycle.kind == "period" and cycle.starts <= c.opens_at < cycle.ends
        ]

    return [
        rules.figures(lead.name, below[lead.id], of_group(below[lead.id]), 0, {}, anonymous=True)
        for lead in reports
        if below.get(lead.id)
    ]


def due(session: Session, *, now: datetime) -> list[tuple[Person, Cycle, str]]:
    """(manager, cycle, ledger key) of every summary due and not yet sent: the same few queries whatever
    the size of the org, since this runs every minute."""
    managers = {m.id: m for m in store.managers(session)}
    closed = store.closed_periods(session, per_manager=True, closed_after=now - FRESH - WEEK_BACK, now=now)
    candidates = [
        (managers[manager_id], period_cycle_of(key, first_open, last_close))
        for (manager_id, key), (first_open, last_close, _) in by_summary(
            closed, now, fresh_after=now - FRESH
        ).items()
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


def hr_summary(session: Session, *, teams: list[str], cycle: Cycle, now: datetime | None = None) -> HrSummary:
    """Figures per team: no names, no answers; 1:1s held as a count; goals read as of `now` (else the
    cycle's last day)."""
    members = list(store.in_teams(session, teams=teams))
    ids = [p.id for p in members]
    checkins = [
        c
        for c in store.checkins_of(
            session, person_ids=ids, opened_from=cycle.starts, opened_before=cycle.ends
        )
        if in_cycle(c, cycle)
    ]
    start_day, end_day = cycle.starts.date(), (cycle.ends - timedelta(seconds=1)).date()
    at_risk: dict[int, int] = defaultdict(int)
    for goal in store.goals_of(session, person_ids=ids, starting_by=end_day, ending_from=start_day):
        at_risk[goal.person_id] += goal.status == GoalStatus.at_risk
    feedback = store.feedback_counts(session, person_ids=ids, since=cycle.starts, until=cycle.ends)
    held = meetings.per_team(session, members=members, cycle=cycle)
    day = shared_goals.day_of(cycle, now.date()) if now else shared_goals.last_day(cycle)
    team_goals: dict[str, list] = defaultdict(list)
    for goal in shared_goals.shared(session, cycle=cycle, day=day, level=GoalLevel.team, teams=teams):
        team_goals[goal.goal.team].append(goal)
    by_team: dict[str, list[Person]] = defaultdict(list)
    for person in members:
        by_team[person.team].append(person)
    teams_figures = []
    for team in sorted(by_team):
        group = by_team[team]
        group_ids = {p.id for p in group}
        figures = rules.figures(
            team or "(no team)",
            group,
            [c for c in checkins if c.person_id in group_ids],
            sum(at_risk[i] for i in group_ids),
            feedback,
            anonymous=True,
        )
        goals = team_goals.get(team, [])
        teams_figures.append(
            replace(
                figures,
                one_on_ones=held.get(team, 0),
                team_goals=len(goals),
                team_goal_progress=round(sum(g.progress for g in goals) / len(goals)) if goals else None,
            )
        )
    company = shared_goals.shared(session, cycle=cycle, day=day, level=GoalLevel.company, teams=[])
    return HrSummary(cycle=cycle, teams=teams_figures, company_goals=company)


def set_hr_channel(session: Session, gateway: Slack, *, slack_user_id: str, channel_text: str) -> str:
    return channels.choose(
        session,
        gateway,
        slack_user_id=slack_user_id,
        channel_text=channel_text,
        key=HR_CHANNEL,
        what="HR summary",
    )
