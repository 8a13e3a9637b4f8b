"""Goals agreed between partners: the employee proposes, the manager agrees, and either may start.

A new goal, a change to an agreed goal's terms, or dropping it is a proposal. Until the other side agrees,
the agreed version stays in force. When the person proposes, their manager (or an HR admin) decides; when
their manager or an admin proposes, the person accepts or counters. Progress updates need no agreement.
Company and team goals, set by admins and managers, are what personal goals align to.
"""

import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlmodel import Session

from domain import goal_form, goal_periods
from domain.core import bounds
from domain.core.access import can_decide_for, is_admin
from domain.core.delivery import Post
from domain.core.directory import person_for
from domain.core.refusals import NotAllowed, Refusal
from domain.core.services import Services
from domain.performance_file.entries import record
from message_templates.render import render_message
from storage import goals as store
from storage import people
from storage.models import (
    EntryKind,
    Goal,
    GoalKind,
    GoalLevel,
    GoalProposal,
    GoalStatus,
    KeyResult,
    Person,
    ProposalStatus,
)

log = logging.getLogger(__name__)

MAX_COMMENT = 3000
KIND_LABELS = {
    GoalKind.result: "Result (KPI)",
    GoalKind.objective: "Objective with key results",
    GoalKind.process: "Process",
    GoalKind.growth: "Growth",
}
STATUS_LABELS = {
    GoalStatus.draft: "draft",
    GoalStatus.pending: "waiting for agreement",
    GoalStatus.active: "on track",
    GoalStatus.at_risk: "at risk",
    GoalStatus.done: "done",
    GoalStatus.dropped: "dropped",
}
FIELD_LABELS = {
    "title": "Title",
    "description": "Description",
    "kind": "Kind",
    "metric": "Metric",
    "baseline": "Baseline",
    "target": "Target",
    "weight": "Weight",
    "period": "Period",
    "due_on": "Due",
    "parent_id": "Aligned to",
    "key_results": "Key results",
}
AGREED = (GoalStatus.active, GoalStatus.at_risk, GoalStatus.done)


class GoalError(Refusal):
    """Refused by this feature; the message is what the person reads."""


# -- reading -------------------------------------------------------------------------------------


def terms_of(goal: Goal, key_results: list[KeyResult]) -> dict[str, Any]:
    """The agreed terms of a goal, in the shape a proposal carries."""
    return {
        "title": goal.title,
        "description": goal.description,
        "kind": goal.kind,
        "metric": goal.metric,
        "baseline": goal.baseline,
        "target": goal.target,
        "weight": goal.weight,
        "period": goal.period,
        "due_on": goal.due_on.isoformat(),
        "parent_id": goal.parent_id,
        "key_results": [{"title": kr.title, "target": kr.target} for kr in key_results],
    }


def progress_of(goal: Goal, key_results: list[KeyResult]) -> float:
    """0 to 1. From the key results where there are any; else from the goal's own value."""
    if goal.status == GoalStatus.done:
        return 1.0
    if key_results:
        return sum(_share(kr.current, 0.0, kr.target) for kr in key_results) / len(key_results)
    if goal.kind == GoalKind.result and goal.target is not None:
        baseline = goal.baseline or 0.0
        return _share(goal.current if goal.current is not None else baseline, baseline, goal.target)
    return _share(goal.current or 0.0, 0.0, 100.0)


def _share(current: float, start: float, target: float) -> float:
    if target == start:
        return 0.0
    return min(1.0, max(0.0, (current - start) / (target - start)))


@dataclass(frozen=True)
class GoalView:
    goal: Goal
    key_results: list[KeyResult]
    progress: int  # percent
    proposal: GoalProposal | None
    parent: Goal | None
    period_label: str
    status_label: str

    @property
    def agreed(self) -> bool:
        return self.goal.status in AGREED


def views(session: Session, goals: list[Goal]) -> list[GoalView]:
    ids = [g.id for g in goals if g.id is not None]
    krs = store.key_results(session, goal_ids=ids)
    proposals = store.open_proposals(session, goal_ids=ids)
    parents = store.get_many(session, goal_ids=[g.parent_id for g in goals if g.parent_id])
    result = []
    for goal in goals:
        assert goal.id is not None
        period = goal_periods.parse(goal.period)
        result.append(
            GoalView(
                goal=goal,
                key_results=krs[goal.id],
                progress=round(100 * progress_of(goal, krs[goal.id])),
                proposal=proposals.get(goal.id),
                parent=parents.get(goal.parent_id) if goal.parent_id else None,
                period_label=period.label if period else goal.period,
                status_label=STATUS_LABELS[GoalStatus(goal.status)],
            )
        )
    return result


@dataclass(frozen=True)
class Overview:
    person: Person
    viewer: Person
    goals: list[GoalView]
    shared: list[GoalView]

    @property
    def own(self) -> bool:
        return self.person.id == self.viewer.id

    @property
    def total_weight(self) -> int:
        return sum(v.goal.weight for v in self.goals if v.agreed) or 1


def _may_shape(actor: Person, person: Person) -> bool:
    """Who may propose or update a person's goals: they, their manager, an HR admin."""
    return actor.id == person.id or can_decide_for(actor, person)


def overview(session: Session, *, viewer_slack_id: str, person_slack_id: str | None, today: date) -> Overview:
    viewer = person_for(session, viewer_slack_id)
    person = viewer
    if person_slack_id and person_slack_id != viewer.slack_user_id:
        person = people.get_by_slack_id(session, slack_user_id=person_slack_id)
        if person is None or not can_decide_for(viewer, person):
            log.warning("%s asked for the goals of %s", viewer.email, person_slack_id)
            raise NotAllowed("Only their manager or an HR admin can see someone else's goals.")
    assert person.id is not None
    return Overview(
        person=person,
        viewer=viewer,
        goals=views(session, list(store.of_person(session, person_id=person.id, ending_on_or_after=today))),
        shared=views(session, list(store.shared(session, team=person.team, ending_on_or_after=today))),
    )


# -- the goal modal --------------------------------------------------------------------------


@dataclass(frozen=True)
class GoalForm:
    level: GoalLevel
    person: Person | None  # whose goal; None for team and company goals
    goal_id: int | None
    values: dict[str, str]
    periods: list[goal_periods.GoalPeriod]
    parents: list[GoalView]
    kinds: dict[str, str]
    note: str

    @property
    def metadata(self) -> str:
        return f"{self.level.value}:{self.goal_id or ''}:{self.person.id if self.person else ''}"


def _periods(today: date, keep: str | None = None) -> list[goal_periods.GoalPeriod]:
    options = goal_periods.options(today)
    current = goal_periods.parse(keep) if keep else None
    if current is not None and current.key not in {p.key for p in options}:
        options.insert(0, current)
    return options


def _parents(session: Session, person: Person | None, today: date, keep: int | None = None) -> list[GoalView]:
    """What a goal may align to: the company's goals, and (for a person's goal) their team's, still running.
    `keep`: the goal's current parent, kept even when it has ended since, so an edit does not drop it."""
    rows = list(store.shared(session, team=person.team if person else "", ending_on_or_after=today))
    if keep and keep not in {g.id for g in rows} and (kept := store.get(session, goal_id=keep)) is not None:
        rows.insert(0, kept)
    return views(session, rows)


def _may_set_shared(actor: Person, level: GoalLevel) -> bool:
    if level == GoalLevel.company:
        return is_admin(actor)
    return is_admin(actor) or actor.role in ("manager", "admin")


def form(
    session: Session,
    *,
    actor_slack_id: str,
    today: date,
    goal_id: int | None = None,
    person_slack_id: str | None = None,
    level: GoalLevel = GoalLevel.person,
    counter_proposal_id: int | None = None,
) -> GoalForm:
    """The goal modal: a new goal (mine, a report's, a team's or the company's), an edit, or a counter."""
    actor = person_for(session, actor_slack_id)
    if counter_proposal_id is not None:
        proposal, goal, person = _proposal_in_reach(session, actor, counter_proposal_id, decision="counter")
        values = goal_form.prefill(proposal.terms)
        note = "Change what you would rather agree to; it goes back to them for approval."
        return _goal_form(session, GoalLevel.person, person, goal, values, today, note)
    if goal_id is not None:
        goal = store.get(session, goal_id=goal_id)
        if goal is None:
            raise GoalError("That goal no longer exists.")
        person = _check_may_edit(session, actor, goal)
        krs = store.key_results(session, goal_ids=[goal_id])[goal_id]
        values = goal_form.prefill(terms_of(goal, krs))
        note = (
            "Changes to an agreed goal are proposed: the agreed version stays until they are approved."
            if goal.status in AGREED and person is not None
            else ""
        )
        return _goal_form(session, GoalLevel(goal.level), person, goal, values, today, note)
    if level != GoalLevel.person:
        if not _may_set_shared(actor, level):
            raise NotAllowed(
                f"Only {'HR admins' if level == GoalLevel.company else 'managers'} set {level} goals."
            )
        return _goal_form(session, level, None, None, {}, today, f"A {level} goal, shown to everyone.")
    person = actor
    if person_slack_id and person_slack_id != actor.slack_user_id:
        person = people.get_by_slack_id(session, slack_user_id=person_slack_id)
        if person is None or not person.active or not can_decide_for(actor, person):
            raise NotAllowed("You can propose goals to the people who report to you.")
    note = (
        "Your manager will be asked to agree."
        if person.id == actor.id
        else f"{person.name} will be asked to accept."
    )
    return _goal_form(session, GoalLevel.person, person, None, {}, today, note)


def _goal_form(session, level, person, goal, values, today, note) -> GoalForm:
    return GoalForm(
        level=level,
        person=person,
        goal_id=goal.id if goal else None,
        values=values,
        periods=_periods(today, goal.period if goal else None),
        parents=_parents(session, person, today, goal.parent_id if goal else None)
        if level != GoalLevel.company
        else [],
        kinds={k.value: v for k, v in KIND_LABELS.items()},
        note=note,
    )


def _check_may_edit(session: Session, actor: Person, goal: Goal) -> Person | None:
    """The goal's person (None for shared goals) when the actor may change it; NotAllowed otherwise."""
    if goal.status == GoalStatus.dropped:
        raise GoalError("That goal was dropped.")
    if goal.level != GoalLevel.person:
        if not (is_admin(actor) or goal.created_by_id == actor.id):
            raise NotAllowed("Only whoever set this goal, or an HR admin, can change it.")
        return None
    person = people.get(session, person_id=goal.person_id) if goal.person_id else None
    if person is None or not _may_shape(actor, person):
        log.warning("%s tried to change goal %s, not theirs to change", actor.email, goal.id)
        raise NotAllowed("Only the person, their manager or an HR admin can change this goal.")
    return person


# -- proposals -------------------------------------------------------------------------------


@dataclass
class Outcome:
    errors: dict[str, str] = field(default_factory=dict)
    notice: str = ""
    posts: list[Post] = field(default_factory=list)
    # A decision to ask for: (proposal id, decider's Slack id, message); its ts is kept to update it later.
    asks: list[tuple[int, str, dict]] = field(default_factory=list)
    updates: list[tuple[str, str, dict]] = field(default_factory=list)  # (channel, ts, message)


def save(
    session: Session, *, actor_slack_id: str, metadata: str, values: dict[str, str], now: datetime
) -> Outcome:
    """The goal modal's submission: a new goal, an edit, or a counter-proposal."""
    actor = person_for(session, actor_slack_id)
    level_text, goal_text, person_text = [*metadata.split(":"), "", ""][:3]
    level = GoalLevel(level_text) if level_text in GoalLevel.__members__ else GoalLevel.person
    today = now.date()
    goal_id = bounds.number(goal_text)
    goal = store.get(session, goal_id=goal_id, lock=True) if goal_id is not None else None
    if goal_text and goal is None:
        raise GoalError("That goal no longer exists.")
    if goal is not None:
        person = _check_may_edit(session, actor, goal)
        level = GoalLevel(goal.level)
    elif level != GoalLevel.person:
        if not _may_set_shared(actor, level):
            raise NotAllowed("Only managers set team goals, and HR admins company goals.")
        person = None
    else:
        person_id = bounds.number(person_text)
        person = people.get(session, person_id=person_id) if person_id is not None else actor
        if person is None or not person.active or not _may_shape(actor, person):
            log.warning("%s tried to set a goal for person %s", actor.email, person_text)
            raise NotAllowed("You can set goals for yourself, or propose them to people who report to you.")
    periods = [p.key for p in _periods(today, goal.period if goal else None)]
    keep = goal.parent_id if goal else None
    parents = (
        [] if level == GoalLevel.company else [v.goal.id for v in _parents(session, person, today, keep)]
    )
    parsed = goal_form.parse(values, periods=periods, parents=[p for p in parents if p != (goal and goal.id)])
    if parsed.errors:
        return Outcome(errors=parsed.errors)
    terms = parsed.terms
    if person is None:
        return _save_shared(session, actor, level, goal, terms, now)
    if goal is None:
        goal = store.add(
            session,
            goal=Goal(
                person_id=person.id, team=person.team, created_by_id=actor.id, created_at=now, **_row(terms)
            ),
        )
        _set_key_results(session, goal, terms)
        return _propose(session, actor, person, goal, "new", terms, {}, now)
    krs = store.key_results(session, goal_ids=[goal.id])[goal.id]
    if goal.status not in AGREED:  # never agreed yet: the proposal is the goal
        previous = terms_of(goal, krs)
        for key, value in _row(terms).items():
            setattr(goal, key, value)
        _set_key_results(session, goal, terms)
        return _propose(session, actor, person, goal, "new", terms, previous, now)
    previous = terms_of(goal, krs)
    if terms == previous:
        return Outcome(errors={"title": "Nothing changed: edit a field, or cancel."})
    return _propose(session, actor, person, goal, "change", terms, previous, now)


def _row(terms: dict[str, Any]) -> dict[str, Any]:
    """Goal columns from terms (key results live in their own table)."""
    period = goal_periods.parse(terms["period"])
    assert period is not None
    return {
        "title": terms["title"],
        "description": terms["description"],
        "kind": terms["kind"],
        "metric": terms["metric"],
        "baseline": terms["baseline"],
        "target": terms["target"],
        "weight": terms["weight"],
        "period": period.key,
        "starts_on": period.starts_on,
        "due_on": date.fromisoformat(terms["due_on"]),
        "parent_id": terms["parent_id"],
    }


def _set_key_results(session: Session, goal: Goal, terms: dict[str, Any]) -> None:
    """Replaces the key results, keeping the progress of those whose title stays."""
    assert goal.id is not None
    old = {kr.title: kr.current for kr in store.key_results(session, goal_ids=[goal.id])[goal.id]}
    rows = [
        KeyResult(
            goal_id=goal.id,
            position=n,
            title=kr["title"],
            target=kr["target"],
            current=old.get(kr["title"], 0.0),
        )
        for n, kr in enumerate(terms["key_results"])
    ]
    store.replace_key_results(session, goal_id=goal.id, rows=rows)


def _save_shared(session, actor, level, goal, terms, now) -> Outcome:
    """Team and company goals are set by whoever leads: no agreement asked."""
    if goal is None:
        goal = store.add(
            session,
            goal=Goal(
                level=level.value,
                team=actor.team if level == GoalLevel.team else "",
                created_by_id=actor.id,
                created_at=now,
                status=GoalStatus.active.value,
                version=1,
                **_row(terms),
            ),
        )
        verb = "set"
    else:
        for key, value in _row(terms).items():
            setattr(goal, key, value)
        goal.version += 1
        goal.updated_at = now
        verb = "changed"
    _set_key_results(session, goal, terms)
    record(
        session,
        person=actor,
        author=actor,
        kind=EntryKind.goal_decision,
        text=f"{level.value.title()} goal {verb}: {goal.title}",
        data={"goal_id": goal.id, "level": level.value, "terms": terms},
    )
    return Outcome(notice=f"{level.value.title()} goal {verb}: {goal.title}.")


def _decider(session: Session, proposer: Person, person: Person) -> Person | None:
    """Who agrees: the person when someone else proposes; when they propose, their manager, or an HR admin
    while their manager has left. None: nobody to agree with (no manager at all), so it stands agreed."""
    if proposer.id != person.id:
        return person
    if person.manager_id is None:
        return None
    manager = people.get(session, person_id=person.manager_id)
    if manager is not None and manager.active:
        return manager
    admins = [p for p in people.admins(session) if p.id != person.id]
    if not admins:
        raise GoalError("Your manager has left and there is no HR admin to agree with: ask HR to set one up.")
    return admins[0]


def _close_open(session: Session, actor: Person, person: Person, goal: Goal, verb: str) -> Outcome:
    """Supersedes the goal's open proposal, if any: its decision request loses its buttons, and whoever
    proposed it hears, if it was not them."""
    outcome = Outcome()
    assert goal.id is not None
    old = store.open_proposals(session, goal_ids=[goal.id]).get(goal.id)
    store.supersede_open(session, goal_id=goal.id)
    if old is None:
        return outcome
    proposer = people.get(session, person_id=old.proposer_id)
    if old.notice_channel and old.notice_ts:
        message = render_message(
            "goals/proposal.json.j2",
            proposal=old,
            goal=goal,
            person=person,
            proposer=proposer or actor,
            changes=describe_changes(session, old.previous, old.terms, old.action),
            by_person=old.proposer_id != person.id,
            decided={"by": actor, "verb": verb, "comment": ""},
        )
        outcome.updates.append((old.notice_channel, old.notice_ts, message))
    if proposer is not None and proposer.id != actor.id and proposer.active:
        message = render_message(
            "goals/decided.json.j2",
            proposal=old,
            goal=goal,
            person=person,
            decider=actor,
            verb=verb,
            what=_WHAT[old.action],
            comment="",
        )
        outcome.posts.append(Post(proposer.slack_user_id, None, message))
    return outcome


def _propose(session, actor, person, goal, action, terms, previous, now) -> Outcome:
    closed = _close_open(session, actor, person, goal, "replaced")
    proposal = store.add_proposal(
        session,
        proposal=GoalProposal(
            goal_id=goal.id,
            proposer_id=actor.id,
            action=action,
            base_version=goal.version,
            terms=terms,
            previous=previous,
            created_at=now,
        ),
    )
    if goal.status not in AGREED:
        goal.status = GoalStatus.pending.value
    goal.updated_at = now
    changes = describe_changes(session, previous, terms, action)
    record(
        session,
        person=person,
        author=actor,
        kind=EntryKind.goal_proposal,
        text=f"{_ACTION_TEXT[action]}: {terms['title']}",
        data={
            "goal_id": goal.id,
            "proposal_id": proposal.id,
            "action": action,
            "terms": terms,
            "previous": previous,
        },
    )
    decider = _decider(session, actor, person)
    if decider is None:  # nobody to agree with (no manager): agreed as proposed
        _apply(session, goal, proposal)
        store.settle(
            session,
            proposal_id=proposal.id,
            status=ProposalStatus.approved,
            decided_by_id=actor.id,
            comment="",
            now=now,
        )
        record(
            session,
            person=person,
            author=actor,
            kind=EntryKind.goal_decision,
            text=f"Agreed (no manager to ask): {goal.title}",
            data={"goal_id": goal.id, "proposal_id": proposal.id, "decision": "approve"},
        )
        return Outcome(
            notice=f"Goal {_ACTION_DONE[action]}: {goal.title}. You have no manager to agree it with.",
            posts=closed.posts,
            updates=closed.updates,
        )
    message = render_message(
        "goals/proposal.json.j2",
        proposal=proposal,
        goal=goal,
        person=person,
        proposer=actor,
        changes=changes,
        by_person=decider.id == person.id,
        decided=None,
    )
    whom = person.name if decider.id == person.id else "your manager"
    if decider.id not in (person.id, person.manager_id):
        whom = f"{decider.name} (HR admin), as your manager has left"
    until = "It counts once agreed." if action == "new" else "The agreed version stays in force until then."
    return Outcome(
        notice=f"Proposed to {whom}: {terms['title']}. {until}",
        asks=[(proposal.id, decider.slack_user_id, message)],
        posts=closed.posts,
        updates=closed.updates,
    )


_ACTION_TEXT = {"new": "New goal proposed", "change": "Change proposed", "drop": "Proposed to drop"}
_ACTION_DONE = {"new": "set", "change": "changed", "drop": "dropped"}


def propose_drop(session: Session, *, actor_slack_id: str, goal_id: int, now: datetime) -> Outcome:
    actor = person_for(session, actor_slack_id)
    goal = store.get(session, goal_id=goal_id, lock=True)
    if goal is None:
        raise GoalError("That goal no longer exists.")
    person = _check_may_edit(session, actor, goal)
    if person is None or goal.status not in AGREED:  # shared goals, and goals never agreed: dropped at once
        goal.status, goal.updated_at = GoalStatus.dropped.value, now
        closed = _close_open(session, actor, person, goal, "dropped") if person else Outcome()
        owner = person or actor
        record(
            session,
            person=owner,
            author=actor,
            kind=EntryKind.goal_decision,
            text=f"Dropped: {goal.title}",
            data={"goal_id": goal.id, "decision": "drop"},
        )
        closed.notice = f"Dropped: {goal.title}."
        return closed
    krs = store.key_results(session, goal_ids=[goal.id])[goal.id]
    terms = terms_of(goal, krs)
    return _propose(session, actor, person, goal, "drop", terms, terms, now)


def describe_changes(
    session: Session, previous: dict, terms: dict, action: str
) -> list[tuple[str, str, str]]:
    """(field, old, new) as people read them. A change shows what changes; a new goal every field set,
    with what changed since the version proposed before, if any."""
    rows = []
    for key, label in FIELD_LABELS.items():
        old, new = previous.get(key), terms.get(key)
        if action == "change" and old == new:
            continue
        shown_new = _show(session, key, new)
        if action != "change" and not shown_new:
            continue
        rows.append((label, _show(session, key, old) if previous and old != new else "", shown_new))
    return rows


def _show(session: Session, key: str, value: Any) -> str:
    if value is None or value == "" or value == []:
        return ""
    if key == "kind":
        return KIND_LABELS.get(value, value)
    if key == "period":
        period = goal_periods.parse(value)
        return period.label if period else value
    if key in ("baseline", "target"):
        return goal_form.show_number(value)
    if key == "parent_id":
        parent = store.get(session, goal_id=value)
        return parent.title if parent else f"goal {value}"
    if key == "key_results":
        return "; ".join(f"{kr['title']} → {goal_form.show_number(kr['target'])}" for kr in value)
    return str(value)


def _apply(session: Session, goal: Goal, proposal: GoalProposal) -> None:
    if proposal.action == "drop":
        goal.status = GoalStatus.dropped.value
    else:
        for key, value in _row(proposal.terms).items():
            setattr(goal, key, value)
        _set_key_results(session, goal, proposal.terms)
        if goal.status not in AGREED:
            goal.status = GoalStatus.active.value
    goal.version += 1


# -- decisions -------------------------------------------------------------------------------

DECISIONS = {
    "approve": "approved",
    "reject": "rejected",
    "changes": "asked for changes to",
    "accept": "accepted",
}
_STATUS_OF = {
    "approve": ProposalStatus.approved,
    "accept": ProposalStatus.approved,
    "reject": ProposalStatus.rejected,
    "changes": ProposalStatus.changes_requested,
}


def _proposal_in_reach(
    session: Session, actor: Person, proposal_id: int, *, decision: str
) -> tuple[GoalProposal, Goal, Person]:
    """The open proposal the actor may decide on; a clear refusal otherwise."""
    proposal = store.get_proposal(session, proposal_id=proposal_id)
    goal = store.get(session, goal_id=proposal.goal_id, lock=True) if proposal else None
    person = people.get(session, person_id=goal.person_id) if goal and goal.person_id else None
    if proposal is None or goal is None or person is None:
        raise GoalError("That proposal no longer exists.")
    by_person = proposal.proposer_id != person.id
    allowed = actor.id == person.id if by_person else can_decide_for(actor, person)
    if not allowed or (decision in ("accept", "counter")) != by_person:
        log.warning("%s tried to %s proposal %s, not theirs to decide", actor.email, decision, proposal_id)
        raise NotAllowed(
            f"Only {person.name} can answer this proposal."
            if by_person
            else f"Only {person.name}'s manager or an HR admin can decide on this proposal."
        )
    stale = proposal.status == ProposalStatus.open and proposal.base_version != goal.version
    if proposal.status == ProposalStatus.superseded or stale:
        raise GoalError(
            "This proposal was replaced by a newer one, or the goal changed since: nothing was changed."
        )
    if proposal.status != ProposalStatus.open:
        decider = people.get(session, person_id=proposal.decided_by_id) if proposal.decided_by_id else None
        raise GoalError(
            f"This proposal was already {proposal.status.replace('_', ' ')}"
            + (f" by {decider.name}" if decider else "")
            + ": nothing more to do."
        )
    return proposal, goal, person


@dataclass(frozen=True)
class DecisionForm:
    proposal: GoalProposal
    goal: Goal
    person: Person
    decision: str
    changes: list[tuple[str, str, str]]
    comment_required: bool

    @property
    def metadata(self) -> str:
        return f"{self.proposal.id}:{self.decision}"


def decision_form(session: Session, *, actor_slack_id: str, proposal_id: int, decision: str) -> DecisionForm:
    if decision not in DECISIONS:
        raise GoalError("Unknown decision.")
    actor = person_for(session, actor_slack_id)
    proposal, goal, person = _proposal_in_reach(session, actor, proposal_id, decision=decision)
    return DecisionForm(
        proposal=proposal,
        goal=goal,
        person=person,
        decision=decision,
        changes=describe_changes(session, proposal.previous, proposal.terms, proposal.action),
        comment_required=decision == "changes",
    )


def decide(session: Session, *, actor_slack_id: str, metadata: str, comment: str, now: datetime) -> Outcome:
    """Approve, reject, ask for changes, or accept. Once per proposal, whoever clicks twice."""
    proposal_text, _, decision = metadata.partition(":")
    proposal_id = bounds.number(proposal_text)
    if proposal_id is None or decision not in DECISIONS:
        raise GoalError("That decision could not be read; nothing was changed.")
    actor = person_for(session, actor_slack_id)
    proposal, goal, person = _proposal_in_reach(session, actor, proposal_id, decision=decision)
    comment = comment.strip()
    if decision == "changes" and not comment:
        return Outcome(errors={"comment": "Say what should change."})
    if len(comment) > MAX_COMMENT:
        return Outcome(
            errors={"comment": f"Keep it under {MAX_COMMENT} characters (this is {len(comment)})."}
        )
    status = _STATUS_OF[decision]
    if not store.settle(
        session, proposal_id=proposal.id, status=status, decided_by_id=actor.id, comment=comment, now=now
    ):
        raise GoalError("This proposal was already decided: nothing more to do.")
    if status == ProposalStatus.approved:
        _apply(session, goal, proposal)
    elif proposal.action == "new":
        goal.status = (GoalStatus.dropped if status == ProposalStatus.rejected else GoalStatus.draft).value
    goal.updated_at = now
    verb = DECISIONS[decision]
    record(
        session,
        person=person,
        author=actor,
        kind=EntryKind.goal_decision,
        text=f"{actor.name} {verb} {_WHAT[proposal.action]}: {proposal.terms['title']}"
        + (f"\n{comment}" if comment else ""),
        data={"goal_id": goal.id, "proposal_id": proposal.id, "decision": decision, "comment": comment},
    )
    proposer = people.get(session, person_id=proposal.proposer_id) if proposal.proposer_id else None
    outcome = Outcome(notice=f"You {verb} {_WHAT[proposal.action]}: {proposal.terms['title']}.")
    if proposer is not None and proposer.id != actor.id and proposer.active:
        message = render_message(
            "goals/decided.json.j2",
            proposal=proposal,
            goal=goal,
            person=person,
            decider=actor,
            verb=verb,
            what=_WHAT[proposal.action],
            comment=comment,
        )
        outcome.posts.append(Post(proposer.slack_user_id, None, message))
    if proposal.notice_channel and proposal.notice_ts:
        decided = {"by": actor, "verb": verb, "comment": comment}
        message = render_message(
            "goals/proposal.json.j2",
            proposal=proposal,
            goal=goal,
            person=person,
            proposer=proposer or actor,
            changes=describe_changes(session, proposal.previous, proposal.terms, proposal.action),
            by_person=proposal.proposer_id != person.id,
            decided=decided,
        )
        outcome.updates.append((proposal.notice_channel, proposal.notice_ts, message))
    return outcome


_WHAT = {"new": "the new goal", "change": "the change to", "drop": "dropping"}


def send(services: Services, outcome: Outcome) -> None:
    """Posts what a goal action produced; keeps where each decision request landed, to update it later."""
    gateway = services.gateway
    for proposal_id, user_id, message in outcome.asks:
        posted = gateway.dm(user_id, message)
        with services.session() as session:
            proposal = store.get_proposal(session, proposal_id=proposal_id)
            if proposal is not None:
                proposal.notice_channel, proposal.notice_ts = posted.channel, posted.ts
    for channel, ts, message in outcome.updates:
        gateway.update(channel, ts, message)
    for post in outcome.posts:
        gateway.post(post.channel, post.message, thread_ts=post.thread_ts)


# -- progress --------------------------------------------------------------------------------

PROGRESS_STATUSES = {
    GoalStatus.active.value: "On track",
    GoalStatus.at_risk.value: "At risk",
    GoalStatus.done.value: "Done",
}


@dataclass(frozen=True)
class ProgressForm:
    view: GoalView
    person: Person
    values: dict[str, str]
    statuses: dict[str, str]


def _agreed_goal_in_reach(session: Session, actor: Person, goal_id: int) -> tuple[Goal, Person]:
    goal = store.get(session, goal_id=goal_id, lock=True)
    if goal is None:
        raise GoalError("That goal no longer exists.")
    person = _check_may_edit(session, actor, goal)
    if goal.status not in AGREED:
        raise GoalError("Progress is tracked once a goal is agreed.")
    return goal, person or actor


def progress_form(session: Session, *, actor_slack_id: str, goal_id: int) -> ProgressForm:
    actor = person_for(session, actor_slack_id)
    goal, person = _agreed_goal_in_reach(session, actor, goal_id)
    (view,) = views(session, [goal])
    values = {"current": goal_form.show_number(goal.current), "status": goal.status}
    values.update({f"kr_{kr.id}": goal_form.show_number(kr.current) for kr in view.key_results})
    return ProgressForm(view=view, person=person, values=values, statuses=PROGRESS_STATUSES)


def update_progress(
    session: Session,
    *,
    actor_slack_id: str,
    goal_id: int,
    values: dict[str, str],
    now: datetime,
    source: str = "update",
) -> Outcome:
    actor = person_for(session, actor_slack_id)
    goal, person = _agreed_goal_in_reach(session, actor, goal_id)
    krs = store.key_results(session, goal_ids=[goal_id])[goal_id]
    updates, errors = _read_progress(goal, krs, values, prefix="")
    status = values.get("status") or goal.status
    if status not in PROGRESS_STATUSES:
        errors["status"] = "Pick how the goal is going."
    note = (values.get("note") or "").strip()
    if len(note) > MAX_COMMENT:
        errors["note"] = f"Keep it under {MAX_COMMENT} characters."
    if errors:
        return Outcome(errors=errors)
    for holder, value in updates:
        holder.current = value
    goal.status = status
    _record_progress(session, actor, person, goal, krs, note, source, now)
    return Outcome(notice=f"Progress on {goal.title}: {round(100 * progress_of(goal, krs))}%.")


def _read_progress(
    goal: Goal, krs: list[KeyResult], values: dict[str, str], *, prefix: str
) -> tuple[list[tuple[Goal | KeyResult, float]], dict[str, str]]:
    """The values typed (a blank leaves a value as it was), and errors by block id; nothing is set yet."""
    fields: list[tuple[str, Goal | KeyResult]] = (
        [(f"{prefix}kr_{kr.id}", kr) for kr in krs] if krs else [(f"{prefix}current", goal)]
    )
    updates, errors = [], {}
    for block_id, holder in fields:
        text = (values.get(block_id) or "").strip()
        if not text:
            continue
        value = goal_form.number(text)
        if value is None:
            errors[block_id] = goal_form.NOT_A_NUMBER
        elif value != holder.current:
            updates.append((holder, value))
    return updates, errors


def _record_progress(session, actor, person, goal, krs, note, source, now) -> None:
    goal.updated_at = now
    share = round(100 * progress_of(goal, krs))
    record(
        session,
        person=person,
        author=actor,
        kind=EntryKind.goal_progress,
        text=f"{goal.title}: {share}%, {STATUS_LABELS[GoalStatus(goal.status)]}"
        + (f"\n{note}" if note else ""),
        data={
            "goal_id": goal.id,
            "progress": share,
            "status": goal.status,
            "current": goal.current,
            "key_results": {kr.title: kr.current for kr in krs},
            "source": source,
        },
    )


# -- check-ins -------------------------------------------------------------------------------

MAX_CHECKIN_GOALS = 8


def checkin_goals(session: Session, *, person: Person, on: date) -> list[GoalView]:
    """The agreed goals a check-in asks progress on."""
    assert person.id is not None
    return views(
        session, list(store.active_of_person(session, person_id=person.id, on=on))[:MAX_CHECKIN_GOALS]
    )


def checkin_progress(
    session: Session, *, person: Person, values: dict[str, str], on: date, now: datetime, checkin_id: int
) -> dict[str, str]:
    """Progress typed in a check-in (blocks goal_<id>_current, goal_<id>_kr_<kr id>): recorded on each goal
    that changed. Errors by block id, and then nothing is kept."""
    errors: dict[str, str] = {}
    changed = []
    for view in checkin_goals(session, person=person, on=on):
        updates, problems = _read_progress(
            view.goal, view.key_results, values, prefix=f"goal_{view.goal.id}_"
        )
        errors.update(problems)
        if updates:
            changed.append((view, updates))
    if errors:
        return errors
    for view, updates in changed:
        for holder, value in updates:
            holder.current = value
        _record_progress(
            session, person, person, view.goal, view.key_results, "", f"checkin:{checkin_id}", now
        )
    return {}
