"""Both looks back at a quarter: the person's self-assessment, then their manager's assessment with a
diagnosis and a plan (sent again when the person asks for a revision). Functions taking `session`."""

import logging
from datetime import datetime

from sqlmodel import Session

from domain.core.access import can_decide_for
from domain.core.directory import person_for
from domain.core.refusals import NotAllowed
from domain.reviews import forms
from domain.reviews.cycles import label
from domain.reviews.forms import RATINGS, AssessForm, SelfForm
from domain.reviews.plan import read_plan
from domain.reviews.service import Outcome, ReviewError, advance, cycle_goals, record_step, review_of
from message_templates.render import render_message
from storage import people
from storage.models import Person, Review, ReviewStatus

log = logging.getLogger(__name__)


# -- the self-assessment ---------------------------------------------------------------------------


def _own(session: Session, actor: Person, review_id: int | None) -> tuple[Review, Person]:
    review, person = review_of(session, review_id)
    if person.id != actor.id:
        log.warning(
            "person %s tried the self-assessment of review %s, which is not theirs", actor.id, review_id
        )
        raise NotAllowed("That review is not yours: only its person writes their self-assessment.")
    return review, person


def self_form(session: Session, *, actor_slack_id: str, review_id: int | None) -> SelfForm:
    actor = person_for(session, actor_slack_id)
    review, person = _own(session, actor, review_id)
    if review.status != ReviewStatus.invited:
        raise ReviewError(forms.done_already(review))
    return SelfForm(
        review=review,
        person=person,
        label=label(review.cycle),
        goals=cycle_goals(session, person, review.cycle),
        ratings=RATINGS,
    )


def submit_self(
    session: Session, *, actor_slack_id: str, metadata: str, values: dict[str, str], now: datetime
) -> Outcome:
    """The self-assessment: per goal a result and a rating; what went well; what to improve. Once."""
    actor = person_for(session, actor_slack_id)
    review_id, _ = forms.ids(metadata)
    review, person = _own(session, actor, review_id)
    if review.status != ReviewStatus.invited:
        raise ReviewError(forms.done_already(review))
    errors: dict[str, str] = {}
    rated = []
    for view in cycle_goals(session, person, review.cycle):
        goal = view.goal
        result_block, rating_block = f"goal_{goal.id}_result", f"goal_{goal.id}_rating"
        if result_block not in values and rating_block not in values:
            continue  # agreed after the form was opened: not in it
        result = forms.text(
            values, result_block, errors, missing="Say what came of this goal.", most=forms.MAX_RESULT
        )
        rated.append(
            {
                "goal_id": goal.id,
                "title": goal.title,
                "progress": view.progress,
                "status": goal.status,
                "result": result,
                "rating": forms.rating(values, rating_block, errors),
            }
        )
    went_well = forms.text(values, "went_well", errors, missing="Say what went well.", most=forms.MAX_TEXT)
    to_improve = forms.text(
        values, "to_improve", errors, missing="Say what you would improve.", most=forms.MAX_TEXT
    )
    if errors:
        return Outcome(errors=errors)
    assessment = {"goals": rated, "went_well": went_well, "to_improve": to_improve}
    manager = people.get(session, person_id=person.manager_id)
    manager = manager if manager is not None and manager.active else None
    advance(
        session,
        review,
        statuses=[ReviewStatus.invited],
        version=review.version,
        values={
            "status": ReviewStatus.self_assessed.value,
            "self_assessment": assessment,
            "manager_id": manager.id if manager else review.manager_id,
            "self_assessed_at": now,
            "updated_at": now,
        },
        refused="Your self-assessment was sent already: nothing more to do.",
    )
    period_label = label(review.cycle)
    record_step(
        session,
        review,
        person,
        author=person,
        step="self_assessment",
        text=f"Self-assessment of {period_label}\nWent well: {went_well}\nTo improve: {to_improve}",
        data=assessment,
    )
    if manager is None:
        return Outcome(
            notice=f"Your self-assessment of {period_label} is in your file. You have no manager to assess "
            "it: ask your HR admin."
        )
    message = render_message(
        "reviews/to_manager.json.j2",
        review=review,
        person=person,
        label=period_label,
        ratings=RATINGS,
        sent=False,
    )
    return Outcome(
        notice=f"Your self-assessment of {period_label} went to {manager.name}; their assessment will come "
        "to you here.",
        asks=[(review.id, "manager", manager.slack_user_id, message)],
    )


# -- the manager's assessment ----------------------------------------------------------------------


def _to_assess(session: Session, actor: Person, review_id: int | None) -> tuple[Review, Person]:
    """The review the actor may assess (the person's manager or an HR admin); a clear refusal otherwise."""
    review, person = review_of(session, review_id)
    if not can_decide_for(actor, person):
        log.warning("person %s tried to assess review %s, not theirs to assess", actor.id, review_id)
        raise NotAllowed(f"Only {person.name}'s manager or an HR admin can assess their review.")
    if review.status == ReviewStatus.agreed:
        raise ReviewError(f"{person.name} agreed to this review already: it cannot be assessed again.")
    if review.status == ReviewStatus.invited:
        raise ReviewError(f"{person.name} has not sent their self-assessment yet.")
    if review.status == ReviewStatus.assessed:
        raise ReviewError(
            f"This assessment was sent already: {person.name} can agree to it or ask to revise it."
        )
    return review, person


def assess_form(session: Session, *, actor_slack_id: str, review_id: int | None) -> AssessForm:
    actor = person_for(session, actor_slack_id)
    review, person = _to_assess(session, actor, review_id)
    return AssessForm(
        review=review,
        person=person,
        label=label(review.cycle),
        ratings=RATINGS,
        values=forms.previous_values(review),
    )


def submit_assessment(
    session: Session, *, actor_slack_id: str, metadata: str, values: dict[str, str], now: datetime
) -> Outcome:
    """Per goal a rating and a comment, an overall comment, a diagnosis and a plan: sent to the person."""
    actor = person_for(session, actor_slack_id)
    review_id, version = forms.ids(metadata)
    review, person = _to_assess(session, actor, review_id)
    if version != review.version:
        raise ReviewError("This review changed since this form was opened: nothing was saved. Open it again.")
    errors: dict[str, str] = {}
    rated = []
    for item in review.self_assessment.get("goals", []):
        goal_id = item["goal_id"]
        rated.append(
            {
                "goal_id": goal_id,
                "title": item["title"],
                "rating": forms.rating(values, f"goal_{goal_id}_rating", errors),
                "comment": forms.text(
                    values, f"goal_{goal_id}_comment", errors, missing="", most=forms.MAX_RESULT
                ),
            }
        )
    overall = forms.text(
        values, "overall", errors, missing="Say how the quarter went, overall.", most=forms.MAX_TEXT
    )
    diagnosis = forms.text(
        values, "diagnosis", errors, missing="Name what helped and what held back.", most=forms.MAX_TEXT
    )
    plan = read_plan(values, errors)
    if errors:
        return Outcome(errors=errors)
    revision = review.version > 0
    assessment = {"goals": rated, "overall": overall, "by": actor.id}
    advance(
        session,
        review,
        statuses=[ReviewStatus.self_assessed, ReviewStatus.revising],
        version=review.version,
        values={
            "status": ReviewStatus.assessed.value,
            "version": review.version + 1,
            "manager_assessment": assessment,
            "diagnosis": diagnosis,
            "plan": plan,
            "assessed_at": now,
            "updated_at": now,
        },
        refused="This review changed since this form was opened: nothing was saved. Open it again.",
    )
    period_label = label(review.cycle)
    record_step(
        session,
        review,
        person,
        author=actor,
        step="manager_assessment",
        # The assessor is the entry's author, named when read (not copied here, where it would outlive them).
        text=f"{'Revised assessment' if revision else 'Assessment'} of {period_label}\n"
        f"Diagnosis: {diagnosis}\nPlan:\n" + "\n".join(f"• {item}" for item in plan),
        data={
            "version": review.version,
            "revision": revision,
            "goals": rated,
            "overall": overall,
            "diagnosis": diagnosis,
            "plan": plan,
        },
    )
    outcome = Outcome(
        notice=f"Your assessment of {period_label} went to {person.name}, who can agree or ask you to "
        "revise it."
    )
    context = {
        "review": review,
        "person": person,
        "label": period_label,
        "ratings": RATINGS,
        "assessor": actor,
    }
    if review.plan_channel and review.plan_ts:  # the version they were answering is replaced
        outcome.updates.append(
            (
                review.plan_channel,
                review.plan_ts,
                render_message("reviews/plan.json.j2", state="replaced", **context),
            )
        )
    if review.manager_channel and review.manager_ts:  # what asked for it: the self-assessment, or a revision
        template = "reviews/revision.json.j2" if revision else "reviews/to_manager.json.j2"
        message = render_message(
            template, review=review, person=person, label=period_label, ratings=RATINGS, sent=True
        )
        outcome.updates.append((review.manager_channel, review.manager_ts, message))
    outcome.asks.append(
        (
            review.id,
            "plan",
            person.slack_user_id,
            render_message("reviews/plan.json.j2", state="open", **context),
        )
    )
    return outcome
