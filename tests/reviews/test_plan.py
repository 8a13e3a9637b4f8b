"""The improvement plan: read from the assessment form, and next quarter's draft goals (no database)."""

from datetime import UTC, date, datetime

from domain.reviews import forms
from domain.reviews.cycles import next_cycle
from domain.reviews.plan import DRAFT_WEIGHT, draft_goals, read_plan
from storage.models import GoalKind, GoalStatus, Person, Review

NOW = datetime(2027, 1, 4, 9, tzinfo=UTC)


def test_plan_items_are_read_in_order_with_blanks_left_out():
    errors: dict[str, str] = {}
    values = {
        "plan_1": "  Run the design reviews ",
        "plan_2": "",
        "plan_3": "Pair on estimates",
        "plan_9": "x",
    }
    assert read_plan(values, errors) == ["Run the design reviews", "Pair on estimates"]
    assert errors == {}


def test_a_plan_needs_one_item_and_no_item_too_long():
    errors: dict[str, str] = {}
    assert read_plan({"plan_2": "   "}, errors) == []
    assert errors == {
        "plan_1": "Give the plan at least one item: each becomes a draft goal for next quarter."
    }

    errors = {}
    long = "x" * (forms.MAX_ITEM + 1)
    read_plan({"plan_1": long, "plan_2": "fine"}, errors)
    assert errors == {"plan_1": f"Keep it under {forms.MAX_ITEM} characters (this is {forms.MAX_ITEM + 1})."}


def test_only_the_first_five_items_count():
    values = {f"plan_{n}": f"item {n}" for n in range(1, 8)}
    assert read_plan(values, {}) == [f"item {n}" for n in range(1, forms.MAX_PLAN + 1)]


def test_each_plan_item_becomes_a_draft_growth_goal_for_the_next_quarter():
    person = Person(id=7, slack_user_id="UANA", email="ana@acme.test", name="Ana", team="Platform")
    review = Review(id=3, person_id=7, cycle="2026-Q4", diagnosis="Strong delivery.", plan=["A", "B"])
    following = next_cycle(review.cycle)
    goals = draft_goals(review, person, following=following, label="Q4 2026", now=NOW)
    assert [g.title for g in goals] == ["A", "B"]
    for goal in goals:
        assert (goal.person_id, goal.team, goal.created_by_id) == (7, "Platform", 7)
        assert (goal.kind, goal.status, goal.weight) == (GoalKind.growth, GoalStatus.draft, DRAFT_WEIGHT)
        assert (goal.period, goal.starts_on, goal.due_on) == ("2027-Q1", date(2027, 1, 1), date(2027, 3, 31))
        assert (
            goal.description == "From the improvement plan agreed in the review of Q4 2026.\nStrong delivery."
        )
        assert goal.created_at == goal.updated_at == NOW


def test_a_long_diagnosis_is_cut_to_fit_a_goal_description():
    person = Person(id=7, slack_user_id="UANA", email="ana@acme.test")
    review = Review(person_id=7, cycle="2026-Q2", diagnosis="d" * 5000, plan=["A"])
    (goal,) = draft_goals(review, person, following=next_cycle("2026-Q2"), label="Q2 2026", now=NOW)
    assert len(goal.description) == forms.MAX_TEXT
    assert goal.period == "2026-Q3"
