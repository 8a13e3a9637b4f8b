"""A goal's terms as a proposal carries them, and the goal's columns they set (no database)."""

from datetime import date

from domain.goals.terms import row, terms_of
from storage.models import Goal, KeyResult

TERMS = {
    "title": "Grow weekly active teams",
    "description": "",
    "kind": "objective",
    "metric": "",
    "baseline": None,
    "target": None,
    "weight": 20,
    "period": "2026-Q3",
    "due_on": "2026-09-15",
    "parent_id": 4,
    "key_results": [
        {"title": "Beta users", "baseline": 0.0, "target": 50.0},
        {"title": "NPS", "baseline": 5.0, "target": 40.0},
    ],
}


def test_terms_set_the_goals_columns_with_the_period_start_and_the_due_day():
    columns = row(TERMS)
    assert columns["starts_on"] == date(2026, 7, 1)
    assert columns["due_on"] == date(2026, 9, 15)
    assert "key_results" not in columns  # in their own table
    assert {k: v for k, v in columns.items() if k not in ("starts_on", "due_on")} == {
        k: v for k, v in TERMS.items() if k not in ("due_on", "key_results")
    }


def test_a_goal_reads_back_as_the_terms_it_was_set_from():
    goal = Goal(id=1, **row(TERMS))
    krs = [
        KeyResult(
            goal_id=1, position=n, title=k["title"], baseline=k["baseline"], target=k["target"], current=3.0
        )
        for n, k in enumerate(TERMS["key_results"])
    ]
    assert terms_of(goal, krs) == TERMS  # progress is no part of the terms
