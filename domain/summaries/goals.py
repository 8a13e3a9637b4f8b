"""Company and team goals in summaries: their progress, and the goals at risk under a manager's team goals.

Company and team goals are everyone's to see. A person's goal at risk under a team goal is named only to
someone who may see it in the goal tree (their management chain, HR admins); the others are left out, not
counted, as the HR post names no one. Status is read as of the summary's day (domain.goals.rollup), since
time passes without anyone updating a goal.
"""

from collections import defaultdict
from datetime import date, timedelta

from sqlmodel import Session

from domain.core.access import is_admin
from domain.goals import rollup
from domain.goals.progress import progress_of
from domain.summaries.cycles import Cycle
from domain.summaries.figures import SharedGoal
from storage import goals as goal_store
from storage import people
from storage import summaries as store
from storage.models import Goal, GoalLevel, GoalStatus, Person

MAX_DEPTH = 6  # year → quarter → month, company → team → person: deeper is stored nonsense


def last_day(cycle: Cycle) -> date:
    return (cycle.ends - timedelta(seconds=1)).date()


def day_of(cycle: Cycle, today: date) -> date:
    """The day a summary reads statuses on: today, or the cycle's last day once it has closed."""
    return min(today, last_day(cycle))


def _read(session: Session, goals: list[Goal], day: date) -> list[tuple[Goal, int, GoalStatus]]:
    krs = goal_store.key_results(session, goal_ids=[g.id for g in goals if g.id is not None])
    read = []
    for goal in goals:
        share = progress_of(goal, krs[goal.id])
        read.append((goal, round(100 * share), rollup.shown_status(goal, day, share)))
    return read


def shared(
    session: Session, *, cycle: Cycle, day: date, level: GoalLevel, teams: list[str]
) -> list[SharedGoal]:
    """The company's goals (level company) or these teams' goals running in the cycle, agreed ones."""
    rows = store.shared_goals(
        session,
        level=level.value,
        teams=teams,
        starting_by=last_day(cycle),
        ending_from=cycle.starts.date(),
    )
    return [SharedGoal(goal=g, progress=p, status=s) for g, p, s in _read(session, list(rows), day)]


def with_risks(session: Session, reader: Person, team_goals: list[SharedGoal], day: date) -> list[SharedGoal]:
    """Each team goal with the goals at risk under it (at any depth) that `reader` may see."""
    below: dict[int, list[Goal]] = defaultdict(list)  # team goal id -> its descendants
    frontier = {g.goal.id: g.goal.id for g in team_goals if g.goal.id is not None}  # goal -> its team goal
    for _ in range(MAX_DEPTH):
        if not frontier:
            break
        children = goal_store.children(session, goal_ids=list(frontier))
        found = {}
        for parent_id, kids in children.items():
            for kid in kids:
                if kid.status in rollup.RUNNING and kid.id not in found:
                    below[frontier[parent_id]].append(kid)
                    found[kid.id] = frontier[parent_id]
        frontier = found
    everyone_below = [g for goals in below.values() for g in goals]
    statuses = {g.id: (p, s) for g, p, s in _read(session, everyone_below, day)}
    visible = _visible_people(session, reader, {g.person_id for g in everyone_below if g.person_id})
    result = []
    for shared_goal in team_goals:
        risks = []
        for goal in below.get(shared_goal.goal.id, []):
            progress, status = statuses[goal.id]
            if status != GoalStatus.at_risk:
                continue
            if goal.level == GoalLevel.person and goal.person_id not in visible:
                continue
            person = people.get(session, person_id=goal.person_id) if goal.person_id else None
            risks.append((goal, person, progress))
        result.append(SharedGoal(shared_goal.goal, shared_goal.progress, shared_goal.status, risks))
    return result


def _visible_people(session: Session, reader: Person, person_ids: set[int]) -> set[int]:
    """Those of `person_ids` whose goals the reader may see: HR admins everyone's; else their own and those
    of everyone under them in the management chain."""
    if is_admin(reader):
        return set(person_ids)
    seen = set()
    for person_id in person_ids:
        current, steps = people.get(session, person_id=person_id), 0
        while current is not None and steps < 50:
            if current.id == reader.id:
                seen.add(person_id)
                break
            current = people.get(session, person_id=current.manager_id) if current.manager_id else None
            steps += 1
    return seen
