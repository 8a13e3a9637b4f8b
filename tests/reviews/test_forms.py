"""Reading what the review modals send back: ids, texts, ratings, the previous version (no database)."""

import pytest

from domain.reviews import forms
from storage.models import Review, ReviewStatus


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12:3", (12, 3)),
        ("12", (12, None)),
        ("12:", (12, None)),
        ("", (None, None)),
        ("x:1", (None, 1)),
        ("-1:0", (None, 0)),
        ("99999999999:1", (None, 1)),  # beyond a database integer
    ],
)
def test_ids_read_review_and_version_or_none(text, expected):
    assert forms.ids(text) == expected


def test_text_is_stripped_and_told_when_missing_or_too_long():
    errors: dict[str, str] = {}
    assert forms.text({"a": "  hi  "}, "a", errors, missing="Say it.", most=10) == "hi"
    assert forms.text({}, "b", errors, missing="Say it.", most=10) == ""
    assert forms.text({"c": ""}, "c", errors, missing="", most=10) == ""  # optional
    assert forms.text({"d": "x" * 11}, "d", errors, missing="", most=10) == "x" * 11
    assert errors == {"b": "Say it.", "d": "Keep it under 10 characters (this is 11)."}


@pytest.mark.parametrize(("given", "rating"), [("1", 1), (" 5 ", 5), ("3", 3)])
def test_ratings_from_one_to_five(given, rating):
    errors: dict[str, str] = {}
    assert forms.rating({"r": given}, "r", errors) == rating
    assert errors == {}


@pytest.mark.parametrize("given", ["0", "6", "", "three", "2.5", None])
def test_anything_else_is_not_a_rating(given):
    errors: dict[str, str] = {}
    assert forms.rating({"r": given} if given is not None else {}, "r", errors) == 0
    assert errors == {"r": "Rate it from 1 to 5."}


def test_a_revision_starts_from_what_the_manager_said_before():
    review = Review(
        person_id=1,
        cycle="2026-Q4",
        diagnosis="Great focus.",
        plan=["Mentor Leo", "Pair on estimates"],
        manager_assessment={
            "overall": "Good quarter",
            "goals": [{"goal_id": 4, "rating": 4, "comment": "ok"}],
        },
    )
    assert forms.previous_values(review) == {
        "overall": "Good quarter",
        "diagnosis": "Great focus.",
        "goal_4_rating": "4",
        "goal_4_comment": "ok",
        "plan_1": "Mentor Leo",
        "plan_2": "Pair on estimates",
    }
    assert forms.previous_values(Review(person_id=1, cycle="2026-Q4")) == {"overall": "", "diagnosis": ""}


def test_a_self_assessment_sent_already_says_where_the_review_is():
    def said(status: ReviewStatus) -> str:
        return forms.done_already(Review(person_id=1, cycle="2026-Q4", status=status.value))

    assert (
        said(ReviewStatus.self_assessed) == "Your self-assessment was sent already: it is with your manager."
    )
    assert said(ReviewStatus.agreed) == "This review is agreed already: nothing more to do."
    assert said(ReviewStatus.invited) == "This review is under way already."
    assert len({said(status) for status in ReviewStatus}) == len(ReviewStatus)
