"""Goals in time through the sandbox: a yearly company goal broken into quarterly team goals and monthly
personal goals, with period checks; progress rolling up by weight, or entered by the goal's owner."""

from datetime import date

from domain.goals import periods as goal_periods
from storage import goals as goal_store
from storage.models import Goal
from storage.types import utcnow
from tests.goals.test_goals import agreed, bot_dms, choose_kind, decide, modal
from tests.support import utc, wait_for

NEXT_YEAR = str(utcnow().year + 1)
Q1, Q2, JAN = f"{NEXT_YEAR}-Q1", f"{NEXT_YEAR}-Q2", f"{NEXT_YEAR}-01"


def goal(services, title) -> Goal:
    with services.session() as session:
        found = [g for g in session.exec(goal_store.select(Goal)) if g.title == title]
        for g in found:
            session.expunge(g)
        return found[0] if found else None


def inputs(view) -> dict:
    return {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}


def set_goal(sb, uid, title, period, *, weight="10", parent=None, command=None):
    """Fills the open goal modal (or opens one with /goals `command`): a process goal for `period`, the
    period chosen as a person would (the form then shows its end as the due day)."""
    if command is not None:
        sb.slash_command(uid, "/goals", command)
    view = modal(sb, uid, "goal_submit")
    if parent is not None:
        assert inputs(view)["parent"]["element"]["initial_option"]["value"] == str(parent)
    choose_kind(sb, uid, "process")
    sb.select(uid, "goal_period", period)
    view = wait_for(lambda: [v for v in [modal(sb, uid, "goal_submit")] if f"due_{period}" in inputs(v)])[0]
    end = goal_periods.parse(period).ends_on
    assert inputs(view)[f"due_{period}"]["element"]["initial_date"] == end.isoformat()
    return sb.submit_view(uid, {"title": title, "weight": weight})


def break_down(sb, uid, parent: Goal, title, period, weight="10"):
    sb.slash_command(uid, "/goals", "")
    wait_for(lambda: f"breakdown:{parent.id}" in str(sb.ephemerals(uid)))
    sb.select(uid, "goal_menu", f"breakdown:{parent.id}")
    return set_goal(sb, uid, title, period, weight=weight, parent=parent.id)


def update_progress(sb, uid, target: Goal, values, *, mode=None):
    """Through the progress modal; `mode`: how progress is kept, chosen first (the modal then shows the
    progress input only when it is entered by hand)."""
    sb.slash_command(uid, "/goals", "")
    if target.level == "person":
        wait_for(lambda: f'"value": "{target.id}"' in str(sb.ephemerals(uid)).replace("'", '"'))
        sb.click(uid, "goal_progress", str(target.id))
    else:
        wait_for(lambda: f"progress:{target.id}" in str(sb.ephemerals(uid)))
        sb.select(uid, "goal_menu", f"progress:{target.id}")
    view = modal(sb, uid, "goal_progress_submit")
    if mode is not None:
        sb.select(uid, "goal_progress_mode", mode)

        def reshaped():
            shown = modal(sb, uid, "goal_progress_submit")
            return [shown] if ("current" in inputs(shown)) == (mode == "own") else []

        view = wait_for(reshaped)[0]
    assert sb.submit_view(uid, values, view_id=view["id"]).ok
    return view


def test_a_yearly_company_goal_breaks_down_to_quarters_and_months_and_progress_rolls_up(world):
    sb, services, ids = world.sb, world.services, world.ids
    dee, maria, ana = ids["dee@acme.test"], ids["maria@acme.test"], ids["ana@acme.test"]
    # HR sets the company's goal for next year
    assert set_goal(sb, dee, "Double the platform's reach", NEXT_YEAR, command="new company").ok
    company = wait_for(lambda: goal(services, "Double the platform's reach"))
    assert (company.level, company.due_on) == ("company", date(int(NEXT_YEAR), 12, 31))
    # the manager breaks it down into two quarterly team goals, weighted 30 and 10
    assert break_down(sb, maria, company, "Migrate the first teams", Q1, weight="30").ok
    assert break_down(sb, maria, company, "Migrate the rest", Q2).ok
    first = wait_for(lambda: goal(services, "Migrate the first teams"))
    assert (first.level, first.parent_id, first.period) == ("team", company.id, Q1)
    # the period of a child lies within its parent's: the form offers only those, and refuses others
    sb.slash_command(ana, "/goals", "")
    wait_for(lambda: f"breakdown:{first.id}" in str(sb.ephemerals(ana)))
    sb.select(ana, "goal_menu", f"breakdown:{first.id}")
    view = modal(sb, ana, "goal_submit")
    offered = [o["value"] for o in inputs(view)["period"]["element"]["options"]]
    assert offered == [Q1, f"{NEXT_YEAR}-01", f"{NEXT_YEAR}-02", f"{NEXT_YEAR}-03"]
    choose_kind(sb, ana, "process")
    reply = sb.submit_view(ana, {"title": "Too late", "period": JAN, "due": f"{NEXT_YEAR}-04-30"})
    assert reply.json["errors"] == {"due": f"Pick a day within January {NEXT_YEAR}."}
    # the employee sets a monthly goal under the team's quarter; the manager agrees
    assert sb.submit_view(ana, {"title": "Migrate billing", "period": JAN, "due": f"{JAN}-31"}).ok
    wait_for(lambda: bot_dms(sb, maria, "proposes a new goal"))
    decide(sb, maria, "goal_approve")
    mine = wait_for(lambda: [g for g in [goal(services, "Migrate billing")] if g and g.status == "active"])[0]
    assert (mine.parent_id, mine.period) == (first.id, JAN)
    # the owners choose roll-up: the team goal from Ana's, the company goal from the team goals
    view = update_progress(sb, maria, first, {"status": "auto"}, mode="children")
    assert "Computed from the 1 goals aligned to it" in str(view["blocks"])  # and no progress input
    wait_for(lambda: goal(services, "Migrate the first teams").rollup)
    view = update_progress(sb, dee, company, {"mode": "children", "status": "auto"})
    assert "(2)" in str(inputs(view)["mode"])  # two goals aligned to it
    wait_for(lambda: goal(services, "Double the platform's reach").rollup)
    # Ana's progress moves both ancestors, in the same transaction
    update_progress(sb, ana, mine, {"current": "50", "status": "auto"})
    wait_for(lambda: goal(services, "Migrate billing").progress == 0.5)
    assert goal(services, "Migrate the first teams").progress == 0.5
    assert goal(services, "Double the platform's reach").progress == 0.375  # (50 x 30 + 0 x 10) / 40
    # an owner may enter it by hand instead: then children no longer move it
    view = update_progress(sb, dee, company, {"current": "80", "status": "auto"}, mode="own")
    assert "Computed from" not in str(view["blocks"])
    wait_for(lambda: goal(services, "Double the platform's reach").progress == 0.8)
    update_progress(sb, ana, mine, {"current": "100", "status": "auto"})
    wait_for(lambda: goal(services, "Migrate billing").status == "done")
    assert goal(services, "Migrate the first teams").progress == 1.0
    assert goal(services, "Double the platform's reach").progress == 0.8
    assert sb.problems == []


def test_only_the_teams_manager_or_hr_update_a_team_goal(world):
    sb, services, ids = world.sb, world.services, world.ids
    dee, maria, ana = ids["dee@acme.test"], ids["maria@acme.test"], ids["ana@acme.test"]
    assert set_goal(sb, dee, "Team goal set by HR", Q1, command="new team").ok
    team_goal = wait_for(lambda: goal(services, "Team goal set by HR"))
    update_progress(sb, maria, team_goal, {"current": "40", "status": "auto"})  # the team's manager
    wait_for(lambda: goal(services, "Team goal set by HR").progress == 0.4)
    sb.slash_command(ana, "/goals", "")
    wait_for(lambda: f"breakdown:{team_goal.id}" in str(sb.ephemerals(ana)))
    assert f"progress:{team_goal.id}" not in str(sb.ephemerals(ana))  # no menu item for her
    sb.send_dm(ana, "hello")  # a DM message to forge the click from
    sb.forge_action(ana, "goal_progress", str(team_goal.id))
    wait_for(lambda: "team's manager or an HR admin" in sb.transcript(ana))


def test_a_goal_behind_the_time_elapsed_is_at_risk_unless_its_owner_says_otherwise(world):
    sb, services, ana = world.sb, world.services, world.ids["ana@acme.test"]
    quarter = goal_periods.options(utcnow().date())[0]
    mine = agreed(world, {"title": "Write the runbook", "kind": "process", "period": quarter.key})
    with services.session() as session:  # as if set on the quarter's first day
        session.get(Goal, mine.id).created_at = utc(quarter.starts_on.year, quarter.starts_on.month, 1)
    elapsed = (utcnow().date() - quarter.starts_on).days / (quarter.ends_on - quarter.starts_on).days
    behind = max(0, round(100 * elapsed) - 30)
    update_progress(sb, ana, mine, {"current": str(behind), "status": "auto"})
    expected = "at_risk" if elapsed > 0.3 else "active"  # early in a quarter nothing is behind yet
    wait_for(lambda: goal(services, "Write the runbook").progress == behind / 100)
    assert goal(services, "Write the runbook").status == expected
    update_progress(sb, ana, mine, {"status": "active"})  # the owner says it is on track: it stays so
    wait_for(lambda: goal(services, "Write the runbook").status_by_hand)
    assert goal(services, "Write the runbook").status == "active"
