"""A check-in's answers checked and cleaned against its questions (no database, no Slack)."""

import pytest

from domain.checkins.questions import DEFAULT_QUESTIONS, MAX_ANSWER, Question, clean, validate

GOOD = {"mood": "4", "progress": "Shipped the importer", "wins": "", "blockers": "", "help": ""}


def test_a_complete_answer_has_no_errors():
    assert validate(GOOD) == {}


def test_the_defaults_ask_mood_first_and_require_only_mood_and_progress():
    assert DEFAULT_QUESTIONS[0].id == "mood" and DEFAULT_QUESTIONS[0].kind == "scale"
    assert {q.id for q in DEFAULT_QUESTIONS if q.required} == {"mood", "progress"}
    assert {q.id for q in DEFAULT_QUESTIONS if q.stands_out} == {"blockers", "help"}


@pytest.mark.parametrize("mood", ["", "0", "6", "-1", "3.5", "three", "²", "٣", " 9 ", None])
def test_a_mood_outside_1_to_5_or_not_plain_digits_is_refused(mood):
    assert validate({**GOOD, "mood": mood}) == {"mood": "Pick how you feel, from 1 to 5."}


@pytest.mark.parametrize("mood", ["1", "5", " 3 "])
def test_a_mood_from_1_to_5_is_taken_even_with_spaces_around(mood):
    assert validate({**GOOD, "mood": mood}) == {}


@pytest.mark.parametrize("progress", ["", "   ", "\n\t", None])
def test_a_required_answer_left_blank_is_asked_for(progress):
    assert validate({**GOOD, "progress": progress}) == {"progress": "Please answer this one."}


def test_missing_keys_count_as_blank_and_every_error_is_given_at_once():
    assert validate({}) == {"mood": "Pick how you feel, from 1 to 5.", "progress": "Please answer this one."}


def test_an_answer_is_bounded_after_its_spaces_are_trimmed():
    assert validate({**GOOD, "wins": "x" * MAX_ANSWER}) == {}
    assert validate({**GOOD, "wins": f"  {'x' * MAX_ANSWER}  "}) == {}
    too_long = "x" * (MAX_ANSWER + 1)
    assert validate({**GOOD, "blockers": too_long}) == {
        "blockers": f"Keep it under {MAX_ANSWER} characters (this is {MAX_ANSWER + 1})."
    }


def test_questions_can_be_given_instead_of_the_defaults():
    questions = (Question("focus", "Focus next week?", "", required=True),)
    assert validate({}, questions) == {"focus": "Please answer this one."}
    assert validate({"focus": "the launch", "mood": "nope"}, questions) == {}


def test_clean_keeps_the_questions_only_trimmed_and_in_their_order():
    answers = {"help": "  pairing ", "progress": "done\n", "mood": "4", "forged": "<!channel>", "wins": None}
    cleaned = clean(answers)
    assert list(cleaned) == [q.id for q in DEFAULT_QUESTIONS]
    assert cleaned == {"mood": "4", "progress": "done", "wins": "", "blockers": "", "help": "pairing"}


# --- typed questions ---------------------------------------------------------------------------------------

TYPED = (
    Question("short", "One line", kind="short", required=True),
    Question("rating", "From 1 to 5", kind="scale"),
    Question("pick", "One of", kind="choice", options=(("a", "A"), ("b", "B"))),
    Question("hours", "Hours", kind="number"),
    Question("ok", "OK?", kind="yesno", required=True),
)


def test_each_type_takes_its_own_kind_of_answer():
    answers = {"short": "fine", "rating": "5", "pick": "b", "hours": "-3,5", "ok": "no"}
    assert validate(answers, TYPED) == {}
    assert clean(answers, TYPED) == answers


@pytest.mark.parametrize(
    ("question", "value", "error"),
    [
        ("short", "two\nlines", "Keep it to one line."),
        ("short", "x" * 151, "Keep it under 150 characters (this is 151)."),
        ("short", "  ", "Please answer this one."),
        ("rating", "6", "Pick a point from 1 to 5."),
        ("rating", "٣", "Pick a point from 1 to 5."),
        ("pick", "c", "Pick one of the options."),
        ("hours", "nan", "Write a number, such as 12 or 3.5."),
        ("hours", "1_000", "Write a number, such as 12 or 3.5."),
        ("hours", "12345678901", "That number is too large."),
        ("ok", "maybe", "Pick one of the options."),
        ("ok", "", "Please pick one."),
    ],
)
def test_each_type_refuses_what_it_cannot_take(question, value, error):
    answers = {"short": "fine", "ok": "yes", question: value}
    assert validate(answers, TYPED) == {question: error}


def test_optional_typed_questions_may_be_left_blank():
    assert validate({"short": "x", "ok": "yes"}, TYPED) == {}


def test_answers_to_questions_not_asked_are_found_but_goal_fields_are_not_theirs():
    from domain.checkins.questions import forged

    answers = {"short": "x", "salary": "1", "goal_3_current": "40"}
    assert forged(answers, TYPED) == ["salary"]


def test_a_question_survives_its_round_trip_through_the_database_form():
    assert all(Question.from_json(q.to_json()) == q for q in TYPED + DEFAULT_QUESTIONS)
