"""The improvement plan: read from the manager's assessment, and, once the person agrees, next quarter's
draft growth goals (one per item). Pure: the caller keeps the goals."""

from datetime import datetime

from domain.goals import periods as goal_periods
from domain.reviews import forms
from storage.models import Goal, GoalKind, GoalStatus, Person, Review

DRAFT_WEIGHT = 10


def read_plan(values: dict[str, str], errors: dict[str, str]) -> list[str]:
    """The plan's items from `plan_1`..`plan_5`, blanks left out; at least one."""
    plan = []
    for n in range(1, forms.MAX_PLAN + 1):
        if item := forms.text(values, f"plan_{n}", errors, missing="", most=forms.MAX_ITEM):
            plan.append(item)
    if not plan and "plan_1" not in errors:
        errors["plan_1"] = "Give the plan at least one item: each becomes a draft goal for next quarter."
    return plan


def draft_goals(
    review: Review, person: Person, *, following: goal_periods.GoalPeriod, label: str, now: datetime
) -> list[Goal]:
    """A draft growth goal for `following` (the next quarter) per plan item, the person's to shape."""
    return [
        Goal(
            person_id=person.id,
            team=person.team,
            created_by_id=person.id,
            created_at=now,
            updated_at=now,
            title=item,
            description=(f"From the improvement plan agreed in the review of {label}.\n{review.diagnosis}")[
                : forms.MAX_TEXT
            ],
            kind=GoalKind.growth.value,
            status=GoalStatus.draft.value,
            weight=DRAFT_WEIGHT,
            period=following.key,
            starts_on=following.starts_on,
            due_on=following.ends_on,
        )
        for item in review.plan
    ]
