"""A check-in's answers checked and cleaned against its questions (no database, no Slack)."""

import pytest

from domain.checkins.questions import DEFAULT_QUESTIONS, MAX_ANSWER, Question, clean, validate

GOOD = {"mood": "4", "progress": "Shipped the importer", "wins": "", "blockers": "", "help": ""}


def test_a_complete_answer_has_no_errors():
    assert validate(GOOD) == {}


def test_the_defaults_ask_mood_first_and_require_only_mood_and_progress():
    assert DEFAULT_QUESTIONS[0].id == "mood" and DEFAULT_QUESTIONS[0].kind == "mood"
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
