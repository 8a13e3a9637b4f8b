"""The person's answer to their manager's assessment: agree to its plan (which becomes next quarter's draft
goals), or ask for a revision. Only the review's person answers, and only its latest version."""

import logging
from datetime import datetime

from sqlmodel import Session

from domain.core.delivery import Post
from domain.core.directory import person_for
from domain.core.refusals import NotAllowed
from domain.reviews import forms
from domain.reviews.cycles import label, next_cycle
from domain.reviews.forms import RATINGS, RevisionForm
from domain.reviews.plan import draft_goals
from domain.reviews.service import Outcome, ReviewError, advance, manager_of, record_step, review_of
from message_templates.render import render_message
from storage import goals as goal_store
from storage.models import Person, Review, ReviewStatus

log = logging.getLogger(__name__)


def _to_answer(session: Session, actor: Person, value: str) -> tuple[Review, Person, int]:
    """The assessment the actor (only the review's person) may agree to or ask to revise."""
    review_id, version = forms.ids(value)
    review, person = review_of(session, review_id)
    if actor.id != person.id:
        log.warning("person %s tried to answer review %s, which is not theirs", actor.id, review_id)
        raise NotAllowed(f"Only {person.name} can agree to their review's plan or ask to revise it.")
    if review.status == ReviewStatus.agreed:
        raise ReviewError("You agreed to this review's plan already: nothing more to do.")
    if review.status == ReviewStatus.revising:
        raise ReviewError("You asked for a revision: your manager's revised plan will come to you here.")
    if review.status != ReviewStatus.assessed:
        raise ReviewError("Your manager has not assessed this review yet.")
    if version != review.version:
        raise ReviewError("Your manager revised this plan since: answer the newer version, below.")
    return review, person, review.version


def revision_form(session: Session, *, actor_slack_id: str, value: str) -> RevisionForm:
    actor = person_for(session, actor_slack_id)
    review, person, _ = _to_answer(session, actor, value)
    return RevisionForm(review=review, person=person, label=label(review.cycle))


def ask_revision(
    session: Session, *, actor_slack_id: str, metadata: str, comment: str, now: datetime
) -> Outcome:
    actor = person_for(session, actor_slack_id)
    review, person, version = _to_answer(session, actor, metadata)
    comment = comment.strip()
    if not comment:
        return Outcome(errors={"comment": "Say what should change."})
    if len(comment) > forms.MAX_TEXT:
        return Outcome(
            errors={"comment": f"Keep it under {forms.MAX_TEXT} characters (this is {len(comment)})."}
        )
    advance(
        session,
        review,
        statuses=[ReviewStatus.assessed],
        version=version,
        values={"status": ReviewStatus.revising.value, "revision_comment": comment, "updated_at": now},
        refused="This review was answered already: nothing more to do.",
    )
    period_label = label(review.cycle)
    manager = manager_of(session, review, person)
    record_step(
        session,
        review,
        person,
        author=person,
        step="revision_asked",
        text=f"Asked to revise the assessment of {period_label}\n{comment}",
        data={
            "version": version,
            "comment": comment,
        },
    )
    context = {
        "review": review,
        "person": person,
        "label": period_label,
        "ratings": RATINGS,
        "assessor": manager,
    }
    outcome = Outcome(notice=f"Asked {manager.name if manager else 'your manager'} to revise the plan.")
    _show_plan(outcome, review, state="revising", context=context)
    if manager is not None:
        message = render_message(
            "reviews/revision.json.j2", review=review, person=person, label=period_label, sent=False
        )
        outcome.asks.append((review.id, "manager", manager.slack_user_id, message))
    return outcome


def agree(session: Session, *, actor_slack_id: str, value: str, now: datetime) -> Outcome:
    """The person agrees: each plan item becomes a draft growth goal for the next quarter. Once."""
    actor = person_for(session, actor_slack_id)
    review, person, version = _to_answer(session, actor, value)
    advance(
        session,
        review,
        statuses=[ReviewStatus.assessed],
        version=version,
        values={"status": ReviewStatus.agreed.value, "agreed_at": now, "updated_at": now},
        refused="You agreed to this review's plan already: nothing more to do.",
    )
    following = next_cycle(review.cycle)
    period_label = label(review.cycle)
    drafts = [
        goal_store.add(session, goal=goal)
        for goal in draft_goals(review, person, following=following, label=period_label, now=now)
    ]
    review.draft_goal_ids = [g.id for g in drafts if g.id is not None]
    manager = manager_of(session, review, person)
    record_step(
        session,
        review,
        person,
        author=person,
        step="agreed",
        text=f"Agreed to the plan of the review of {period_label}: {len(drafts)} draft goal(s) for "
        f"{following.label}\n" + "\n".join(f"• {item}" for item in review.plan),
        data={
            "version": version,
            "plan": review.plan,
            "draft_goal_ids": review.draft_goal_ids,
            "next_cycle": following.key,
        },
    )
    context = {
        "review": review,
        "person": person,
        "label": period_label,
        "ratings": RATINGS,
        "assessor": manager,
    }
    outcome = Outcome(
        notice=f"Agreed. The plan is now {len(drafts)} draft goal(s) for {following.label}: shape them and "
        "propose them with `/goals` (Edit). They will come up in your check-ins."
    )
    _show_plan(outcome, review, state="agreed", context=context)
    if manager is not None:
        message = render_message(
            "reviews/agreed.json.j2", review=review, person=person, label=period_label, following=following
        )
        outcome.posts.append(Post(manager.slack_user_id, None, message))
    return outcome


def _show_plan(outcome: Outcome, review: Review, *, state: str, context: dict) -> None:
    """The plan's message, where the person read it, says where the plan stands now."""
    if review.plan_channel and review.plan_ts:
        plan = render_message("reviews/plan.json.j2", state=state, **context)
        outcome.updates.append((review.plan_channel, review.plan_ts, plan))
