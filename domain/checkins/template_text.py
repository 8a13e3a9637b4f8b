"""A template's questions as HR admins write them in Slack: one question a line,

    KIND[*] [team|anonymous] | Question text | hint or options

KIND is long, short, scale, choice, number or yesno; `*` makes it required; `team` shares the answer in
the team's digest; `anonymous` keeps it apart, only counted. A scale's third part labels its points 1
to 5, a choice's lists its options, both split by `;`. Pure: parsed and written back with no database."""

import re

from domain.checkins.questions import COUNTED, KINDS, Question

MAX_QUESTIONS = 15
MAX_LABEL = 150
HEAD = re.compile(r"^(?P<kind>[a-z]+)(?P<required>\*)?(?:\s+(?P<audience>team|anonymous))?$")


def _slug(label: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")[:40] or "question"
    slug, n = base, 2
    while slug in taken or slug.startswith("goal_"):
        slug, n = f"{base}_{n}", n + 1
    return slug


def parse(text: str, current: tuple[Question, ...] = ()) -> tuple[tuple[Question, ...], list[str]]:
    """The questions, or what is wrong, line by line. A question keeping its text keeps its id."""
    known = {q.label: q.id for q in current}
    by_label = {q.label: q for q in current}
    questions: list[Question] = []
    problems: list[str] = []
    taken: set[str] = set()
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        return (), ["Write at least one question."]
    if len(lines) > MAX_QUESTIONS:
        return (), [f"A template has {MAX_QUESTIONS} questions at most (this has {len(lines)})."]
    for n, line in enumerate(lines, 1):
        parts = [p.strip() for p in line.split("|")]
        head = HEAD.match(parts[0].lower())
        if head is None or head["kind"] not in KINDS or len(parts) < 2 or not parts[1]:
            problems.append(f"Line {n}: write it as `KIND | Question` (KIND: {', '.join(KINDS)}).")
            continue
        kind, label = head["kind"], parts[1][:MAX_LABEL]
        if head["audience"] == "anonymous" and kind not in COUNTED:
            problems.append(
                f"Line {n}: only {', '.join(COUNTED)} questions can be anonymous: they are counted."
            )
            continue
        extra = parts[2] if len(parts) > 2 else ""
        options: tuple[tuple[str, str], ...] = ()
        hint = ""
        if kind == "choice":
            names = [o.strip() for o in extra.split(";") if o.strip()]
            if not 2 <= len(names) <= 10:
                problems.append(f"Line {n}: a choice needs 2 to 10 options, split by `;`.")
                continue
            # An option keeping its text keeps its value: answers already given still read as it.
            before = {text: value for value, text in getattr(by_label.get(label), "options", ())}
            options = tuple((before.get(o[:75]) or _slug(o, set()), o[:75]) for o in names)
        elif kind == "scale" and extra:
            names = [o.strip() for o in extra.split(";") if o.strip()]
            if len(names) != 5:
                problems.append(f"Line {n}: a scale labels its 5 points, split by `;`.")
                continue
            options = tuple((str(i), o[:75]) for i, o in enumerate(names, 1))
        else:
            hint = extra[:150]
        question_id = known.get(label) if known.get(label) not in taken else None
        question_id = question_id or _slug(label, taken | set(known.values()))
        taken.add(question_id)
        questions.append(
            Question(
                question_id,
                label,
                hint,
                required=bool(head["required"]),
                kind=kind,
                options=options,
                stands_out=question_id in ("blockers", "help"),
                audience=head["audience"] or "manager",
            )
        )
    return tuple(questions), problems


def write(questions: tuple[Question, ...]) -> str:
    """The text an admin edits: parse(write(q), q) gives q back."""
    lines = []
    for q in questions:
        head = q.kind + ("*" if q.required else "") + ("" if q.audience == "manager" else f" {q.audience}")
        if q.kind == "choice" or (q.kind == "scale" and q.options):
            extra = "; ".join(text for _, text in q.options)
        else:
            extra = q.hint
        lines.append(f"{head} | {q.label}" + (f" | {extra}" if extra else ""))
    return "\n".join(lines)
