"""The goal tree: company → team → person goals, each under the goal it breaks down, with progress and owner.

Who sees what: company and team goals, everyone in the company; a person's goals, they, their management
chain and HR admins. Elsewhere in the tree a person's goals show as a count ("3 personal goals"), never by
title. Loaded in one pass (a few hundred goals), walked depth first, cut into pages.
"""

from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session

from domain.core.access import Operator, is_admin
from domain.core.directory import person_for
from domain.goals import periods, rollup
from domain.goals.errors import GoalError
from domain.goals.labels import STATUS_LABELS
from domain.goals.progress import progress_of
from storage import goals as store
from storage import people
from storage.models import Goal, GoalLevel, Person, Role

# Goals a page, and lines a section: a line is at most ~270 characters (title and owner clipped), so a
# section stays under Slack's 3,000 and a page at 8 blocks, far from a message's 50.
PAGE_SIZE = 50
LINES_A_SECTION = 10
MAX_INDENT = 6
SCOPES = ("company", "team", "person")


@dataclass(frozen=True)
class Node:
    goal: Goal
    depth: int
    progress: int  # percent
    owner: str
    period_label: str
    status_label: str
    hidden: int  # personal goals under it the viewer may not see


@dataclass
class Tree:
    scope: str  # company, team, person
    name: str  # the team's name, the person's Slack id, "" for the company
    title: str
    nodes: list[Node] = field(default_factory=list)
    hidden_roots: int = 0

    def page(self, number: int) -> list[Node]:
        return self.nodes[number * PAGE_SIZE : (number + 1) * PAGE_SIZE]

    @property
    def pages(self) -> int:
        return max(1, -(-len(self.nodes) // PAGE_SIZE))


def visible_people(viewer: Person, everyone: list[Person]) -> set[int] | None:
    """Whose personal goals the viewer sees: None for everyone's (HR admins); else themselves and everyone
    under them in the management chain."""
    if is_admin(viewer):
        return None
    reports: dict[int, list[int]] = {}
    for person in everyone:
        if person.manager_id is not None and person.id is not None:
            reports.setdefault(person.manager_id, []).append(person.id)
    seen, todo = set(), [viewer.id]
    while todo:
        current = todo.pop()
        if current is None or current in seen:
            continue
        seen.add(current)
        todo.extend(reports.get(current, []))
    return seen


def build(session: Session, *, viewer_slack_id: str, scope: str, name: str, today: date) -> Tree:
    """The tree for `scope`: "company" (every company goal and what breaks it down), "team" (team `name`'s
    goals and below) or "person" (the person `name`'s goals, their parents up to the company, their
    children)."""
    viewer = person_for(session, viewer_slack_id)
    return build_for(session, viewer=viewer, scope=scope, name=name, today=today)


def build_for(session: Session, *, viewer: Person | Operator, scope: str, name: str, today: date) -> Tree:
    """As `build`, for a person or for the operator (the CLI), who sees every goal."""
    everyone = list(people.list_all(session))
    by_id = {p.id: p for p in everyone}
    managers = {p.team: p for p in everyone if p.active and p.role == Role.manager}
    may_see = None if isinstance(viewer, Operator) else visible_people(viewer, everyone)
    goals = list(store.in_tree(session, ending_on_or_after=date(today.year, 1, 1)))  # this year's and on
    children: dict[int | None, list[Goal]] = {}
    ids = {g.id for g in goals}
    for goal in goals:
        children.setdefault(goal.parent_id if goal.parent_id in ids else None, []).append(goal)

    def visible(goal: Goal) -> bool:
        return goal.level != GoalLevel.person or may_see is None or goal.person_id in may_see

    if scope == "company":
        roots, keep, title = (
            [g for g in children.get(None, []) if g.level == GoalLevel.company],
            None,
            "Company",
        )
    elif scope == "team":
        team_goals = {g.id for g in goals if g.level == GoalLevel.team and g.team.lower() == name.lower()}
        if not team_goals and not any(p.team.lower() == name.lower() for p in everyone):
            raise GoalError(f"There is no team called {name}.")
        roots = [g for g in goals if g.id in team_goals and g.parent_id not in team_goals]
        keep, title = None, f"Team {name}"
    else:
        person = people.get_by_slack_id(session, slack_user_id=name)
        if person is None:
            raise GoalError("I don't know that person.")
        if may_see is not None and person.id not in may_see:
            raise GoalError(f"Only {person.name}, their managers and HR admins see their goals.")
        theirs = [g for g in goals if g.person_id == person.id and g.level == GoalLevel.person]
        keep = _with_ancestors(theirs, {g.id: g for g in goals}) | _descendants(theirs, children)
        roots = [g for g in children.get(None, []) if g.id in keep]
        title = f"Goals of {person.name}"
    tree = Tree(scope=scope, name=name, title=title)
    stack = [(goal, 0) for goal in reversed(_ordered(roots))]
    krs = store.key_results(session, goal_ids=[g.id for g in goals if g.id is not None])
    while stack:
        goal, depth = stack.pop()
        if not visible(goal):
            continue
        below = [c for c in children.get(goal.id, []) if keep is None or c.id in keep]
        shown = [c for c in below if visible(c)]
        tree.nodes.append(_node(goal, depth, krs[goal.id], by_id, managers, len(below) - len(shown), today))
        stack.extend((child, depth + 1) for child in reversed(_ordered(shown)))
    tree.hidden_roots = sum(1 for g in roots if not visible(g))
    return tree


def _ordered(goals: list[Goal]) -> list[Goal]:
    """Level by level: company, team, person; then by period start."""
    rank = {GoalLevel.company: 0, GoalLevel.team: 1, GoalLevel.person: 2}
    return sorted(goals, key=lambda g: (rank.get(GoalLevel(g.level), 3), g.starts_on, g.id or 0))


def _with_ancestors(goals: list[Goal], by_id: dict[int | None, Goal]) -> set[int | None]:
    found: set[int | None] = set()
    for goal in goals:
        current: Goal | None = goal
        while current is not None and current.id not in found:
            found.add(current.id)
            current = by_id.get(current.parent_id)
    return found


def _descendants(goals: list[Goal], children: dict[int | None, list[Goal]]) -> set[int | None]:
    found: set[int | None] = set()
    todo = list(goals)
    while todo:
        goal = todo.pop()
        for child in children.get(goal.id, []):
            if child.id not in found:
                found.add(child.id)
                todo.append(child)
    return found


def _node(goal: Goal, depth: int, krs, by_id: dict, managers: dict, hidden: int, today: date) -> Node:
    if goal.level == GoalLevel.person:
        owner = by_id[goal.person_id].name if goal.person_id in by_id else "someone who left"
    else:  # a team goal's owner is the team's manager; a company goal's, the HR admin who set it
        setter = managers.get(goal.team) if goal.level == GoalLevel.team else None
        setter = setter or by_id.get(goal.created_by_id)
        owner = (f"{goal.team}, " if goal.team else "") + (setter.name if setter else "HR")
    period = periods.parse(goal.period)
    share = progress_of(goal, krs)
    return Node(
        goal=goal,
        depth=depth,
        progress=round(100 * share),
        owner=owner,
        period_label=period.label if period else goal.period,
        status_label=STATUS_LABELS[rollup.shown_status(goal, today, share)],
        hidden=hidden,
    )


def read_scope(text: str) -> tuple[str, str]:
    """`/goals tree` words: "" or "company", "team NAME", or a mention (its Slack id, already read)."""
    words = text.split(maxsplit=1)
    if not words or words[0].lower() == "company":
        return "company", ""
    if words[0].lower() == "team" and len(words) == 2:
        return "team", words[1].strip()
    raise GoalError(
        "Say `/goals tree`, `/goals tree company`, `/goals tree team NAME` or `/goals tree @person`."
    )
