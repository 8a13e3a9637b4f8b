"""Templates as HR admins write them: parsed line by line, written back the same."""

from domain.checkins.questions import DEFAULT_QUESTIONS
from domain.checkins.template_text import parse, write
from domain.checkins.templates import LIBRARY


def test_every_library_template_survives_being_written_and_read_back():
    for template in LIBRARY.values():
        questions, problems = parse(write(template.questions), template.questions)
        assert problems == []
        assert [(q.id, q.label, q.kind, q.required, q.audience, q.options) for q in questions] == [
            (q.id, q.label, q.kind, q.required, q.audience, q.options) for q in template.questions
        ]


def test_a_new_line_gets_its_own_id_and_a_kept_one_keeps_its_id():
    text = write(DEFAULT_QUESTIONS) + "\nchoice* team | Focus next week? | Delivery; Learning"
    questions, problems = parse(text, DEFAULT_QUESTIONS)
    assert problems == []
    assert [q.id for q in questions] == ["mood", "progress", "wins", "blockers", "help", "focus_next_week"]
    assert questions[-1].options == (("delivery", "Delivery"), ("learning", "Learning"))
    assert questions[-1].required and questions[-1].audience == "team"


def test_mistakes_are_named_by_line():
    _, problems = parse("long | Fine\nessay | Nope\nchoice | One | only\nscale | Five | a; b\nlong |")
    assert problems == [
        "Line 2: write it as `KIND | Question` (KIND: long, short, scale, choice, number, yesno).",
        "Line 3: a choice needs 2 to 10 options, split by `;`.",
        "Line 4: a scale labels its 5 points, split by `;`.",
        "Line 5: write it as `KIND | Question` (KIND: long, short, scale, choice, number, yesno).",
    ]
    assert parse("")[1] == ["Write at least one question."]
    assert parse("\n".join(["long | Q"] * 16))[1] == ["A template has 15 questions at most (this has 16)."]


def test_two_questions_with_the_same_text_get_two_ids():
    questions, _ = parse("long | Same\nlong | Same")
    assert [q.id for q in questions] == ["same", "same_2"]


def test_only_counted_questions_can_be_anonymous():
    questions, problems = parse("scale* anonymous | Safe?\nlong anonymous | Tell us")
    assert problems == [
        "Line 2: only scale, choice, number, yesno questions can be anonymous: they are counted."
    ]
    assert questions[0].audience == "anonymous" and write(questions) == "scale* anonymous | Safe?"
