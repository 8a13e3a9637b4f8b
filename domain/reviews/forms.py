"""The review modals' fields: what each form shows, and reading what came back (limits, ratings, ids).

Pure: errors go into the `errors` dict the caller hands in, keyed by the block they show under.
"""

from dataclasses import dataclass

from domain.core import bounds
from domain.goals import reading as goal_reading
from storage.models import Person, Review, ReviewStatus

MAX_GOALS = 10
MAX_PLAN = 5
MAX_TEXT = 3000
MAX_RESULT = 1000
MAX_ITEM = 200
RATINGS = {
    1: "1 · well below expectations",
    2: "2 · below expectations",
    3: "3 · met expectations",
    4: "4 · above expectations",
    5: "5 · far above expectations",
}


@dataclass(frozen=True)
class SelfForm:
    review: Review
    person: Person
    label: str
    goals: list[goal_reading.GoalView]
    ratings: dict[int, str]


@dataclass(frozen=True)
class AssessForm:
    review: Review
    person: Person
    label: str
    ratings: dict[int, str]
    values: dict[str, str]  # what the previous version said, when revising

    @property
    def metadata(self) -> str:
        return f"{self.review.id}:{self.review.version}"


@dataclass(frozen=True)
class RevisionForm:
    review: Review
    person: Person
    label: str

    @property
    def metadata(self) -> str:
        return f"{self.review.id}:{self.review.version}"


def ids(text: str) -> tuple[int | None, int | None]:
    """`review id:version` as buttons and modals carry it; Nones when unreadable."""
    review_text, _, version_text = (text or "").partition(":")
    return bounds.number(review_text), bounds.number(version_text)


def text(values: dict[str, str], block: str, errors: dict[str, str], *, missing: str, most: int) -> str:
    """A block's text, stripped; `missing` (when not empty) is the error for no text."""
    found = (values.get(block) or "").strip()
    if not found and missing:
        errors[block] = missing
    elif len(found) > most:
        errors[block] = f"Keep it under {most} characters (this is {len(found)})."
    return found


def rating(values: dict[str, str], block: str, errors: dict[str, str]) -> int:
    """A rating from 1 to 5; 0 (with an error) otherwise."""
    found = (values.get(block) or "").strip()
    if bounds.number(found) not in RATINGS:
        errors[block] = "Rate it from 1 to 5."
        return 0
    return int(found)


def previous_values(review: Review) -> dict[str, str]:
    """The manager's last assessment as the form's initial values, to revise it."""
    assessed = review.manager_assessment or {}
    values = {"overall": assessed.get("overall", ""), "diagnosis": review.diagnosis}
    for item in assessed.get("goals", []):
        values[f"goal_{item['goal_id']}_rating"] = str(item.get("rating") or "")
        values[f"goal_{item['goal_id']}_comment"] = item.get("comment", "")
    for n, item in enumerate(review.plan, start=1):
        values[f"plan_{n}"] = item
    return values


def done_already(review: Review) -> str:
    """Why the self-assessment cannot be opened or sent again, by where the review is."""
    when = {
        ReviewStatus.self_assessed: "Your self-assessment was sent already: it is with your manager.",
        ReviewStatus.assessed: "Your self-assessment was sent already, and your manager has assessed it.",
        ReviewStatus.revising: "Your self-assessment was sent already: your manager is revising the plan.",
        ReviewStatus.agreed: "This review is agreed already: nothing more to do.",
    }
    return when.get(ReviewStatus(review.status), "This review is under way already.")
