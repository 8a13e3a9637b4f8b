"""The questions of a check-in. The modal template renders them; submissions are checked against them."""

from dataclasses import dataclass

from domain.core import bounds

MAX_ANSWER = 3000
MOODS = {
    1: "1 · struggling",
    2: "2 · rough week",
    3: "3 · okay",
    4: "4 · good",
    5: "5 · great",
}


@dataclass(frozen=True)
class Question:
    id: str
    label: str
    placeholder: str
    required: bool = False
    kind: str = "text"  # text or mood
    stands_out: bool = False  # shown prominently to the manager when answered


DEFAULT_QUESTIONS = (
    Question("mood", "How are you feeling about work?", "Pick one", required=True, kind="mood"),
    Question("progress", "What did you make progress on?", "Goals moved, work shipped, things learned", True),
    Question("wins", "Wins worth celebrating", "Big or small"),
    Question("blockers", "Anything blocking you?", "What stands in your way", stands_out=True),
    Question("help", "Where could you use help?", "From your manager or the team", stands_out=True),
)


def validate(answers: dict[str, str], questions: tuple[Question, ...] = DEFAULT_QUESTIONS) -> dict[str, str]:
    """Errors by question id, for the person. Slack's client checks too, but payloads can be forged."""
    errors: dict[str, str] = {}
    for q in questions:
        value = (answers.get(q.id) or "").strip()
        if q.kind == "mood":
            if bounds.number(value) not in MOODS:
                errors[q.id] = "Pick how you feel, from 1 to 5."
        elif q.required and not value:
            errors[q.id] = "Please answer this one."
        elif len(value) > MAX_ANSWER:
            errors[q.id] = f"Keep it under {MAX_ANSWER} characters (this is {len(value)})."
    return errors


def clean(answers: dict[str, str], questions: tuple[Question, ...] = DEFAULT_QUESTIONS) -> dict[str, str]:
    return {q.id: (answers.get(q.id) or "").strip() for q in questions}
