"""The goal modal's values read and checked into terms (no database): errors keyed by block id."""

import pytest

from domain.goals import form_values
from domain.goals.form_values import NOT_A_NUMBER, number, parse, prefill, show_number

PERIODS = ["2026-Q2", "2026-Q3", "2026"]


def read(parents: list[int] | None = None, **values: str) -> form_values.Parsed:
    return parse(values, periods=PERIODS, parents=parents or [])


def good(**more: str) -> dict[str, str]:
    return {"title": "Ship the app", "kind": "process", "period": "2026-Q2", **more}


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("12", 12.0),
        (" 12.5 ", 12.5),
        ("1 200", 1200.0),
        ("1_200", 1200.0),
        ("1,200", 1200.0),
        ("1,234,567.5", 1234567.5),
        ("40%", 40.0),
        ("-3", -3.0),
        ("1e3", 1000.0),
    ],
)
def test_numbers_as_people_type_them(text, value):
    assert number(text) == value


@pytest.mark.parametrize(
    "text", [None, "", "  ", "twelve", "1,2", "12,50", "1.2.3", "nan", "inf", "-inf", "1e999"]
)
def test_what_is_not_a_number_reads_as_none(text):
    assert number(text) is None


@pytest.mark.parametrize("value", [0.0, 1.0, 150.0, 12.5, -3.25, 1234567.89, 0.1, 2.5e-7, 1e20])
def test_a_number_shown_reads_back_as_itself(value):
    assert number(show_number(value)) == value


def test_whole_numbers_show_without_a_fraction_and_nothing_shows_as_blank():
    assert (show_number(150.0), show_number(None)) == ("150", "")


# '.15g' alone would lose these: they need 16 or 17 significant digits to read back the same.
@pytest.mark.parametrize("value", [0.1 + 0.2, 1 / 3])  # 0.30000000000000004, 0.3333333333333333
def test_a_float_of_16_or_17_significant_digits_reads_back_as_itself(value):
    assert number(show_number(value)) == value


def test_a_process_goal_reads_into_terms_with_the_periods_end_as_due_day():
    parsed = read(**good(description="  with care  ", parent="7"), parents=[7])
    assert parsed.errors == {}
    assert parsed.terms == {
        "title": "Ship the app",
        "description": "with care",
        "kind": "process",
        "metric": "",
        "baseline": None,
        "target": None,
        "weight": 10,
        "period": "2026-Q2",
        "due_on": "2026-06-30",
        "parent_id": 7,
        "key_results": [],
    }


def test_a_result_goal_carries_its_metric_baseline_and_target():
    parsed = read(**good(kind="result", metric="weekly teams", baseline="1,200", target="1 500", weight="25"))
    assert parsed.errors == {}
    terms = parsed.terms
    assert (terms["metric"], terms["baseline"], terms["target"], terms["weight"]) == (
        "weekly teams",
        1200.0,
        1500.0,
        25,
    )


def test_a_result_goal_without_a_baseline_starts_from_zero():
    parsed = read(**good(kind="result", metric="deals", target="12"))
    assert (parsed.errors, parsed.terms["baseline"]) == ({}, 0.0)


@pytest.mark.parametrize(
    ("values", "errors"),
    [
        ({"title": "  "}, {"title": "Give the goal a title."}),
        ({"title": "x" * 201}, {"title": "Keep the title under 200 characters (this is 201)."}),
        ({"description": "x" * 3001}, {"description": "Keep it under 3000 characters (this is 3001)."}),
        ({"kind": "wish"}, {"kind": "Pick what kind of goal this is."}),
        ({"weight": "0"}, {"weight": "A whole number from 1 to 100."}),
        ({"weight": "101"}, {"weight": "A whole number from 1 to 100."}),
        ({"weight": "2.5"}, {"weight": "A whole number from 1 to 100."}),
        ({"weight": "heavy"}, {"weight": "A whole number from 1 to 100."}),
        ({"period": "2027"}, {"period": "Pick the period this goal is for."}),  # a period, not offered
        ({"period": "soon"}, {"period": "Pick the period this goal is for."}),
        ({"due": "tomorrow"}, {"due": "Pick a date."}),
        ({"due": "2026-07-01"}, {"due": "Pick a day within Q2 2026."}),
        ({"parent": "8"}, {"parent": "That goal cannot be aligned to: pick one of the list."}),
        ({"parent": "x"}, {"parent": "That goal cannot be aligned to: pick one of the list."}),
    ],
)
def test_each_field_is_refused_under_its_own_block(values, errors):
    assert read(**good(**values), parents=[7]).errors == errors


def test_a_due_day_within_the_period_is_kept():
    parsed = read(**good(due="2026-05-15"))
    assert (parsed.errors, parsed.terms["due_on"]) == ({}, "2026-05-15")


@pytest.mark.parametrize(
    ("values", "errors"),
    [
        ({}, {"metric": "Name what is measured (a result goal tracks a number).",
              "target": "Set the target value."}),
        ({"metric": "m" * 101, "target": "5"}, {"metric": "Keep it under 100 characters."}),
        ({"metric": "deals", "target": "many"}, {"target": NOT_A_NUMBER}),
        ({"metric": "deals", "baseline": "few", "target": "5"}, {"baseline": NOT_A_NUMBER}),
        ({"metric": "deals", "baseline": "5", "target": "5"},
         {"target": "The target must differ from the baseline."}),
    ],
)  # fmt: skip
def test_a_result_goal_needs_a_metric_and_a_target_apart_from_the_baseline(values, errors):
    assert read(**good(kind="result", **values)).errors == errors


def test_an_objective_keeps_its_key_results_in_order_and_skips_empty_rows():
    parsed = read(
        **good(kind="objective", kr1_title="Beta users", kr1_target="50", kr3_title="NPS", kr3_target="40")
    )
    assert parsed.errors == {}
    assert parsed.terms["key_results"] == [
        {"title": "Beta users", "baseline": 0.0, "target": 50.0},
        {"title": "NPS", "baseline": 0.0, "target": 40.0},
    ]


def test_a_key_result_starts_from_its_baseline_which_its_target_must_differ_from():
    parsed = read(**good(kind="objective", kr1_title="NPS", kr1_baseline="20", kr1_target="45"))
    assert parsed.terms["key_results"] == [{"title": "NPS", "baseline": 20.0, "target": 45.0}]
    same = read(**good(kind="objective", kr1_title="NPS", kr1_baseline="45", kr1_target="45"))
    assert "differ from the baseline" in same.errors["kr1_target"]
    assert read(**good(kind="objective", kr1_title="NPS", kr1_baseline="x", kr1_target="4")).errors == {
        "kr1_baseline": NOT_A_NUMBER
    }


def test_the_due_date_is_read_from_its_block_renamed_for_a_new_period():
    assert read(**good(due_2026_Q2="2026-05-02")).terms["due_on"] == "2026-05-02"
    assert read(**good()).terms["due_on"] == "2026-06-30"  # none typed: the period's end


@pytest.mark.parametrize(
    ("values", "errors"),
    [
        ({}, {"kr1_title": "An objective needs at least one key result."}),
        ({"kr2_title": "Half done"}, {"kr2_target": "Set this key result's target."}),
        ({"kr1_target": "5"}, {"kr1_title": "Name this key result, or clear its numbers."}),
        ({"kr1_title": "t" * 201, "kr1_target": "5"}, {"kr1_title": "Keep it under 200 characters."}),
        ({"kr1_title": "Users", "kr1_target": "lots"}, {"kr1_target": NOT_A_NUMBER}),
        (
            {"kr1_title": "Users", "kr1_target": "0"},
            {"kr1_target": "The target must differ from the baseline, or progress cannot be measured."},
        ),
    ],
)
def test_an_objective_needs_key_results_each_named_with_a_target(values, errors):
    assert read(**good(kind="objective", **values)).errors == errors


def test_a_second_error_on_the_first_key_result_is_not_hidden_by_the_need_for_one():
    assert read(**good(kind="objective", kr1_title="x" * 201)).errors == {
        "kr1_title": "Keep it under 200 characters.",
        "kr1_target": "Set this key result's target.",
    }


@pytest.mark.parametrize(
    "values",
    [
        good(kind="result", metric="deals", baseline="2.5", target="1234567.89", weight="30", parent="7"),
        good(
            kind="objective", due="2026-05-01", kr1_title="A", kr1_target="1", kr2_title="B", kr2_target="0.5"
        ),
        good(kind="objective", kr1_title="A", kr1_baseline="-3.25", kr1_target="7"),
        good(description="Grow"),
    ],
)
def test_terms_prefilled_into_the_modal_read_back_as_the_same_terms(values):
    terms = read(**values, parents=[7]).terms
    assert read(**prefill(terms), parents=[7]).terms == terms
