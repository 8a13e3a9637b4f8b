"""The goal form through the sandbox: kind first, then only that kind's fields (views.update on each choice);
the due date pre-filled with the period's end; key results with a baseline; progress out of range refused
inline."""

from domain.goals import periods as goal_periods
from storage.types import utcnow
from tests.goals.test_goals import agreed, choose_kind, goals_of, modal, okr_goal, result_goal
from tests.support import wait_for

QUARTER, _, MONTH = goal_periods.options(utcnow().date())[:3]


def inputs(view) -> list[str]:
    return [b["block_id"] for b in view["blocks"] if b["type"] == "input"]


def test_the_kind_comes_first_and_the_form_shows_only_that_kinds_fields(world):
    sb, ana = world.sb, world.ids["ana@acme.test"]
    sb.slash_command(ana, "/goals", "new")
    view = modal(sb, ana, "goal_submit")
    assert inputs(view)[0] == "kind"
    assert {"metric", "baseline", "target"} <= set(inputs(view))  # Result (KPI) until another is chosen
    assert not [b for b in inputs(view) if b.startswith("kr")]
    sb.type_in(ana, "title", "Kept title")  # typed, not submitted; then the kind changes
    process = choose_kind(sb, ana, "process")
    assert inputs(process) == ["kind", "title", "description", "period", "due", "weight"]
    assert sb.calls_to("views.update")  # the same modal, reshaped
    objective = choose_kind(sb, ana, "objective")
    krs = [b for b in inputs(objective) if b.startswith("kr")]
    assert krs == [f"kr{n}_{f}" for n in (1, 2, 3) for f in ("title", "baseline", "target")]
    assert "metric" not in inputs(objective)
    sb.click(ana, "goal_add_kr")
    wait_for(lambda: "kr4_title" in inputs(modal(sb, ana, "goal_submit")))
    assert sb.submit_view(ana, {"kr1_title": "NPS", "kr1_baseline": "20", "kr1_target": "40"}).ok
    (goal,) = wait_for(lambda: goals_of(world.services, "ana@acme.test"))
    assert (goal.title, goal.kind) == ("Kept title", "objective")  # what was typed survived the change


def test_the_due_date_is_prefilled_with_the_periods_end_and_follows_a_new_period(world):
    sb, ana = world.sb, world.ids["ana@acme.test"]
    sb.slash_command(ana, "/goals", "new")
    view = modal(sb, ana, "goal_submit")
    [due] = [b for b in view["blocks"] if b["block_id"] == "due"]
    assert due["element"]["initial_date"] == QUARTER.ends_on.isoformat()
    sb.select(ana, "goal_period", MONTH.key)

    def renamed():
        blocks = modal(sb, ana, "goal_submit")["blocks"]
        return [b for b in blocks if b["block_id"] == f"due_{MONTH.key}"]

    [due] = wait_for(renamed)
    assert due["element"]["initial_date"] == MONTH.ends_on.isoformat()
    values = {k: v for k, v in result_goal(period=MONTH.key).items() if k != "period"}
    assert sb.submit_view(ana, values).ok
    (goal,) = wait_for(lambda: goals_of(world.services, "ana@acme.test"))
    assert (goal.period, goal.due_on) == (MONTH.key, MONTH.ends_on)


def test_a_key_result_progresses_from_its_baseline(world):
    sb, ana = world.sb, world.ids["ana@acme.test"]
    goal = agreed(world, okr_goal(kr1_title="NPS", kr1_baseline="20", kr1_target="40"))
    sb.slash_command(ana, "/goals", "")
    wait_for(lambda: "Update progress" in sb.transcript(ana))
    sb.click(ana, "goal_progress", str(goal.id))
    view = modal(sb, ana, "goal_progress_submit")
    [kr] = [b["block_id"] for b in view["blocks"] if b["block_id"].startswith("kr_")]
    assert sb.submit_view(ana, {kr: "30", "status": "active"}).ok
    wait_for(lambda: "50%" in str(sb.open_views(ana)))


def test_progress_out_of_range_is_refused_inline_never_clamped(world):
    sb, ana = world.sb, world.ids["ana@acme.test"]
    goal = agreed(world, {"title": "Write the runbook", "kind": "process", "period": QUARTER.key})
    sb.slash_command(ana, "/goals", "")
    wait_for(lambda: "Update progress" in sb.transcript(ana))
    sb.click(ana, "goal_progress", str(goal.id))
    modal(sb, ana, "goal_progress_submit")
    for typed in ("250", "-5"):
        reply = sb.submit_view(ana, {"current": typed, "status": "active"})
        assert reply.json["errors"] == {"current": "Between 0 and 100 (%)."}
    assert goals_of(world.services, "ana@acme.test")[0].current is None  # nothing kept
    assert sb.submit_view(ana, {"current": "100", "status": "active"}).ok
    wait_for(lambda: goals_of(world.services, "ana@acme.test")[0].current == 100.0)
