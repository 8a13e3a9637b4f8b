"""Anonymous questions: their answers leave the check-in before it is kept. The check-in remembers only which
were answered (so an edit cannot count one twice); the answers go to a table naming nobody, and are shown
only as counts and averages of MIN_ANONYMOUS or more. Pure rules, plus the figures made from those rows."""

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from domain.checkins.questions import GIVEN, Question

MIN_ANONYMOUS = 3  # fewer, and a count or an average could be someone's own answer


def given(answers: dict[str, Any]) -> set[str]:
    return set(answers.get(GIVEN) or ())


def still_asked(questions: tuple[Question, ...], answers: dict[str, Any]) -> tuple[Question, ...]:
    """The questions a check-in asks now: an anonymous one answered before is not asked again."""
    done = given(answers)
    return tuple(q for q in questions if not (q.audience == "anonymous" and q.id in done))


def split(
    answers: dict[str, str], questions: tuple[Question, ...], before: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, str]]:
    """(what the check-in keeps, the anonymous answers to count apart)."""
    anonymous = {q.id for q in questions if q.audience == "anonymous"}
    counted = {k: v for k, v in answers.items() if k in anonymous and v}
    kept: dict[str, Any] = {k: v for k, v in answers.items() if k not in anonymous}
    done = given(before) | set(counted)
    if done:
        kept[GIVEN] = sorted(done)
    return kept, counted


@dataclass(frozen=True)
class Figure:
    label: str
    count: int
    text: str  # "average 3.4 of 5", or "Yes 3 · No 1"


def figures(rows: Iterable[Any], questions_by_template: dict[int, tuple[Question, ...]]) -> list[Figure]:
    """Per anonymous question (by its text as asked), what MIN_ANONYMOUS or more answers add up to."""
    values: dict[tuple[str, str], list[str]] = defaultdict(list)
    kinds: dict[tuple[str, str], Question] = {}
    for row in rows:
        asked = {q.id: q for q in questions_by_template.get(row.template_id, ())}
        question = asked.get(row.question_id)
        if question is None:
            continue
        key = (question.label, question.kind)
        values[key].append(row.value)
        kinds[key] = question
    shown = []
    for key, given_values in values.items():
        if len(given_values) < MIN_ANONYMOUS:
            continue
        question = kinds[key]
        if question.kind in ("scale", "number"):
            numbers = [float(v.replace(",", ".")) for v in given_values]
            scale = " of 5" if question.kind == "scale" else ""
            text = f"average {sum(numbers) / len(numbers):.1f}{scale}"
        else:
            labels = dict(question.choices())
            counts = Counter(labels.get(v, v) for v in given_values)
            text = " · ".join(f"{label} {n}" for label, n in counts.most_common())
        shown.append(Figure(label=question.label, count=len(given_values), text=text))
    return shown
