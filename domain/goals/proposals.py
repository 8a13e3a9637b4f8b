"""Proposing a goal, a change to its terms, or dropping it; team and company goals set at once.

A proposal waits for the other side (see `decisions`); until then the agreed version stays in force.
"""

import logging
from datetime import date, datetime
from typing import Any

from sqlmodel import Session

from domain.core import bounds
from domain.core.delivery import Post
from domain.core.directory import person_for
from domain.core.refusals import NotAllowed
from domain.goals import form_values, nesting, periods, rollup
from domain.goals.errors import GoalError
from domain.goals.labels import FIELD_LABELS, KIND_LABELS, WHAT
from domain.goals.modal import read_metadata
from domain.goals.outcome import Outcome
from domain.goals.permissions import check_may_edit, may_set_shared, may_shape
from domain.goals.reading import parent_choices
from domain.goals.terms import AGREED, apply, row, set_key_results, terms_of
from domain.home.refresh import changed as home_changed
from domain.performance_file.entries import record
from message_templates.render import render_message
from storage import goals as store
from storage import people
from storage.models import EntryKind, Goal, GoalLevel, GoalProposal, GoalStatus, Person, ProposalStatus

log = logging.getLogger(__name__)


def save(
    session: Session, *, actor_slack_id: str, metadata: str, values: dict[str, str], now: datetime
) -> Outcome:
    """The goal modal's submission: a new goal, an edit, or a counter-proposal."""
    actor = person_for(session, actor_slack_id)
    level, goal_id, person_id = read_metadata(metadata)
    today = now.date()
    goal = store.get(session, goal_id=goal_id, lock=True) if goal_id is not None else None
    if goal_id is not None and goal is None:
        raise GoalError("That goal no longer exists.")
    if goal is not None:
        person = check_may_edit(session, actor, goal)
        level = GoalLevel(goal.level)
    elif level != GoalLevel.person:
        if not may_set_shared(actor, level):
            raise NotAllowed("Only managers set team goals, and HR admins company goals.")
        person = None
    else:
        person = people.get(session, person_id=person_id) if person_id is not None else actor
        if person is None or not person.active or not may_shape(actor, person):
            log.warning(
                "person %s tried to set a goal for person %s", actor.id, person.id if person else person_id
            )
            raise NotAllowed("You can set goals for yourself, or propose them to people who report to you.")
    keep = goal.parent_id if goal else None
    team = goal.team if goal else actor.team
    choices = parent_choices(session, person, today, keep, level=level, team=team)
    parents = {v.goal.id: v.goal for v in choices if v.goal.id != (goal and goal.id)}
    parent = parents.get(bounds.number(values.get("parent")) or 0)
    offered = nesting.offered(today, goal.period if goal else None, parent)
    parsed = form_values.parse(values, periods=[p.key for p in offered], parents=list(parents))
    terms = parsed.terms
    due_on = date.fromisoformat(terms["due_on"]) if terms["due_on"] else None
    chosen = periods.parse(values.get("period") or "")  # outside the parent's: told why, not just "pick one"
    errors = dict(parsed.errors)
    for block, error in nesting.errors(chosen, due_on, parent).items():
        if block == "period" or block not in errors:
            errors[block] = error
    if parent is not None and goal is not None and nesting.would_loop(session, goal.id, parent.id):
        errors["parent"] = "That goal is aligned under this one: pick another."
    if errors:
        return Outcome(errors=errors)
    if person is None:
        return _save_shared(session, actor, level, goal, terms, now)
    if goal is None:
        goal = store.add(
            session,
            goal=Goal(
                person_id=person.id, team=person.team, created_by_id=actor.id, created_at=now, **row(terms)
            ),
        )
        set_key_results(session, goal, terms)
        return _propose(session, actor, person, goal, "new", terms, {}, now)
    krs = store.key_results(session, goal_ids=[goal.id])[goal.id]
    if goal.status not in AGREED:  # never agreed yet: the proposal is the goal
        previous = terms_of(goal, krs)
        for key, value in row(terms).items():
            setattr(goal, key, value)
        set_key_results(session, goal, terms)
        return _propose(session, actor, person, goal, "new", terms, previous, now)
    previous = terms_of(goal, krs)
    if terms == previous:
        return Outcome(errors={"title": "Nothing changed: edit a field, or cancel."})
    return _propose(session, actor, person, goal, "change", terms, previous, now)


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
                **row(terms),
            ),
        )
        verb = "set"
    else:
        old_parent_id = goal.parent_id
        for key, value in row(terms).items():
            setattr(goal, key, value)
        goal.version += 1
        goal.updated_at = now
        verb = "changed"
    set_key_results(session, goal, terms)
    rollup.after_change(session, goal, now.date(), old_parent_id if verb == "changed" else None)
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
    home_changed(session, person, person.manager_id, old.proposer_id)
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
            what=WHAT[old.action],
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
    home_changed(session, person, person.manager_id, actor)
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
        apply(session, goal, proposal, now.date())
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
    person = check_may_edit(session, actor, goal)
    if person is None or goal.status not in AGREED:  # shared goals, and goals never agreed: dropped at once
        goal.status, goal.updated_at = GoalStatus.dropped.value, now
        rollup.after_change(session, goal, now.date())  # its parent stops counting it
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
        period = periods.parse(value)
        return period.label if period else value
    if key in ("baseline", "target"):
        return form_values.show_number(value)
    if key == "parent_id":
        parent = store.get(session, goal_id=value)
        return parent.title if parent else f"goal {value}"
    if key == "key_results":
        return "; ".join(
            f"{kr['title']}: {form_values.show_number(kr.get('baseline') or 0.0)} → "
            f"{form_values.show_number(kr['target'])}"
            for kr in value
        )
    return str(value)
