"""The questions of a check-in, typed. The modal template renders them; submissions are checked against them
(Slack's client checks too, but payloads can be forged)."""

import re
from dataclasses import dataclass, field
from typing import Any

from domain.core import bounds

MAX_ANSWER = 3000
MAX_SHORT = 150
MAX_NUMBER = 1e9
KINDS = ("long", "short", "scale", "choice", "number", "yesno")
AUDIENCES = ("manager", "team", "anonymous")
COUNTED = (
    "scale",
    "choice",
    "number",
    "yesno",
)  # the kinds an anonymous question may be: counted, never read
GIVEN = "_anonymous"  # in a check-in's answers: the anonymous questions answered (never the answers)
MOODS = {
    1: "1 · struggling",
    2: "2 · rough week",
    3: "3 · okay",
    4: "4 · good",
    5: "5 · great",
}
NUMBER = re.compile(r"-?[0-9]{1,12}(?:[.,][0-9]{1,6})?")
YES_NO = (("yes", "Yes"), ("no", "No"))


@dataclass(frozen=True)
class Question:
    id: str
    label: str
    hint: str = ""
    required: bool = False
    kind: str = "long"  # one of KINDS
    # scale: the label of each point 1..5; choice: (value, label) of each option
    options: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    stands_out: bool = False  # shown prominently to the manager when answered
    # who reads the answer: "manager" (and the file), "team" (its channel too), or "anonymous" (nobody: kept
    # apart, only counted)
    audience: str = "manager"

    def choices(self) -> tuple[tuple[str, str], ...]:
        if self.kind == "yesno":
            return YES_NO
        if self.kind == "scale" and not self.options:
            return tuple((str(n), str(n)) for n in range(1, 6))
        return self.options

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "label": self.label,
            "hint": self.hint,
            "kind": self.kind,
            "required": self.required,
            "options": [list(o) for o in self.options],
            "stands_out": self.stands_out,
            "audience": self.audience,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Question":
        return cls(
            id=str(data["id"]),
            label=str(data["label"]),
            hint=str(data.get("hint") or ""),
            kind=str(data.get("kind") or "long"),
            required=bool(data.get("required")),
            options=tuple((str(v), str(t)) for v, t in data.get("options") or ()),
            stands_out=bool(data.get("stands_out")),
            audience=data["audience"] if data.get("audience") in AUDIENCES else "manager",
        )


def scale(question_id: str, label: str, labels: dict[int, str], **kw: Any) -> Question:
    return Question(
        question_id, label, kind="scale", options=tuple((str(k), v) for k, v in labels.items()), **kw
    )


DEFAULT_QUESTIONS = (
    scale("mood", "How are you feeling about work?", MOODS, hint="Pick one", required=True),
    Question("progress", "What did you make progress on?", "Goals moved, work shipped, things learned", True),
    Question("wins", "Wins worth celebrating", "Big or small"),
    Question("blockers", "Anything blocking you?", "What stands in your way", stands_out=True),
    Question("help", "Where could you use help?", "From your manager or the team", stands_out=True),
)


def _error(q: Question, value: str) -> str | None:
    if not value:
        if not q.required:
            return None
        if q.id == "mood":
            return "Pick how you feel, from 1 to 5."
        return "Please pick one." if q.kind in ("scale", "choice", "yesno") else "Please answer this one."
    if q.kind == "scale":
        if bounds.number(value) not in range(1, 6) or value not in dict(q.choices()):
            return "Pick how you feel, from 1 to 5." if q.id == "mood" else "Pick a point from 1 to 5."
    elif q.kind in ("choice", "yesno"):
        if value not in dict(q.choices()):
            return "Pick one of the options."
    elif q.kind == "number":
        number = _number(value)
        if number is None:
            return "Write a number, such as 12 or 3.5."
        if abs(number) >= MAX_NUMBER:
            return "That number is too large."
    elif q.kind == "short":
        if "\n" in value:
            return "Keep it to one line."
        if len(value) > MAX_SHORT:
            return f"Keep it under {MAX_SHORT} characters (this is {len(value)})."
    elif len(value) > MAX_ANSWER:
        return f"Keep it under {MAX_ANSWER} characters (this is {len(value)})."
    return None


def _number(value: str) -> float | None:
    if NUMBER.fullmatch(value) is None:  # float() also reads "nan", "1_000" and "١٢"
        return None
    return float(value.replace(",", "."))


def validate(answers: dict[str, str], questions: tuple[Question, ...] = DEFAULT_QUESTIONS) -> dict[str, str]:
    """Errors by question id, for the person."""
    errors: dict[str, str] = {}
    for q in questions:
        value = _value(q, answers.get(q.id))
        if (error := _error(q, value)) is not None:
            errors[q.id] = error
    return errors


def _value(q: Question, raw: str | None) -> str:
    value = (raw or "").strip()
    if q.kind == "scale" and value.isdigit() and value.isascii():
        return str(int(value))
    return value


def forged(answers: dict[str, str], questions: tuple[Question, ...], *, also: str = "goal_") -> list[str]:
    """Answers to questions the check-in does not ask (goal fields aside): a tampered client sent them."""
    asked = {q.id for q in questions}
    return sorted(k for k in answers if k not in asked and not k.startswith(also))


def clean(answers: dict[str, str], questions: tuple[Question, ...] = DEFAULT_QUESTIONS) -> dict[str, str]:
    return {q.id: _value(q, answers.get(q.id)) for q in questions}


def mood_of(answers: dict[str, Any], questions: tuple[Question, ...]) -> int | None:
    """The check-in's mood, for summaries: its first scale question's answer."""
    for q in questions:
        if q.kind == "scale" and q.audience != "anonymous":
            value = bounds.number(str(answers.get(q.id) or ""))
            return value if value in range(1, 6) else None
    return None


def headline(answers: dict[str, Any], questions: tuple[Question, ...]) -> str:
    """The answer that titles the check-in in the file: the first long or short text answered."""
    for q in questions:
        if q.kind in ("long", "short") and answers.get(q.id):
            return str(answers[q.id])
    return ""


def answered(answers: dict[str, Any], questions: tuple[Question, ...]) -> list[tuple[Question, str]]:
    """Each answered question with its answer as the person saw it (an option's label, not its value)."""
    shown = []
    for q in questions:
        value = str(answers.get(q.id) or "")
        if value:
            shown.append((q, dict(q.choices()).get(value, value)))
    return shown


def needs_attention(answers: dict[str, Any], questions: tuple[Question, ...]) -> bool:
    return any(q.stands_out and answers.get(q.id) for q in questions)
