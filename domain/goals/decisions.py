"""Deciding on a proposal: approve, reject, ask for changes, or accept."""

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from domain.core import bounds
from domain.core.delivery import Post
from domain.core.directory import person_for
from domain.goals.errors import GoalError
from domain.goals.form_values import MAX_COMMENT
from domain.goals.labels import WHAT
from domain.goals.outcome import Outcome
from domain.goals.permissions import proposal_in_reach
from domain.goals.proposals import describe_changes
from domain.goals.terms import apply
from domain.home.refresh import changed as home_changed
from domain.performance_file.entries import record
from message_templates.render import render_message
from storage import goals as store
from storage import people
from storage.models import EntryKind, Goal, GoalProposal, GoalStatus, Person, ProposalStatus

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
    proposal, goal, person = proposal_in_reach(session, actor, proposal_id, decision=decision)
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
    proposal, goal, person = proposal_in_reach(session, actor, proposal_id, decision=decision)
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
    home_changed(session, person, person.manager_id, proposal.proposer_id)
    if status == ProposalStatus.approved:
        apply(session, goal, proposal, now.date())
    elif proposal.action == "new":
        goal.status = (GoalStatus.dropped if status == ProposalStatus.rejected else GoalStatus.draft).value
    goal.updated_at = now
    verb = DECISIONS[decision]
    record(
        session,
        person=person,
        author=actor,
        kind=EntryKind.goal_decision,
        # Who decided is the entry's author, named when read: a name copied here would outlive an erasure.
        text=f"{verb.capitalize()} {WHAT[proposal.action]}: {proposal.terms['title']}"
        + (f"\n{comment}" if comment else ""),
        data={"goal_id": goal.id, "proposal_id": proposal.id, "decision": decision, "comment": comment},
    )
    proposer = people.get(session, person_id=proposal.proposer_id) if proposal.proposer_id else None
    outcome = Outcome(notice=f"You {verb} {WHAT[proposal.action]}: {proposal.terms['title']}.")
    if proposer is not None and proposer.id != actor.id and proposer.active:
        message = render_message(
            "goals/decided.json.j2",
            proposal=proposal,
            goal=goal,
            person=person,
            decider=actor,
            verb=verb,
            what=WHAT[proposal.action],
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
