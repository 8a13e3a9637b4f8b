"""/goals through the sandbox: proposals both ways, decisions, who may decide, progress, alignment."""

import logging

import pytest

from domain.goals import periods as goal_periods
from storage import file_entries, people
from storage import goals as goal_store
from storage.models import Goal
from storage.types import utcnow
from tests.support import wait_for


def at(uid: str) -> str:
    return f"<@{uid}|someone>"


QUARTER = goal_periods.options(utcnow().date())[0]


def result_goal(title="Grow weekly active teams", target="150", **more) -> dict:
    return {
        "title": title,
        "kind": "result",
        "period": QUARTER.key,
        "metric": "weekly active teams",
        "baseline": "100",
        "target": target,
        **more,
    }


def goals_of(services, email) -> list[Goal]:
    with services.session() as session:
        person = people.get_by_email(session, email=email)
        rows = goal_store.of_person(session, person_id=person.id, ending_on_or_after=utcnow().date())
        for row in rows:
            session.expunge(row)
        return list(rows)


def file_kinds(services, email) -> list[tuple[str, str]]:
    with services.session() as session:
        person = people.get_by_email(session, email=email)
        entries = file_entries.list_for(session, person_id=person.id)
        return [(e.kind, e.text) for e in entries if e.kind.startswith("goal_")]


def bot_dms(sb, uid, containing=""):
    return [m for m in sb.dm_messages(uid) if m.get("bot_id") and containing in str(m)]


def modal(sb, uid, callback_id):
    """The modal on top once it is the one expected (a finished one may still be open under it)."""
    return wait_for(lambda: [v for v in sb.open_views(uid)[-1:] if v.get("callback_id") == callback_id])[0]


def choose_kind(sb, uid, kind):
    """Picks the goal's kind in the open goal modal, and waits for the form the app reshapes for it."""
    sb.select(uid, "goal_kind", kind)

    def reshaped():
        view = modal(sb, uid, "goal_submit")
        [block] = [b for b in view["blocks"] if b.get("block_id") == "kind"]
        return [view] if block["element"].get("initial_option", {}).get("value") == kind else []

    return wait_for(reshaped)[0]


def propose(sb, uid, values, text="new"):
    sb.slash_command(uid, "/goals", text)
    modal(sb, uid, "goal_submit")
    if values.get("kind", "result") != "result":
        choose_kind(sb, uid, values["kind"])
    return sb.submit_view(uid, values)


def okr_goal(**krs) -> dict:
    return {"title": "Make onboarding delightful", "kind": "objective", "period": QUARTER.key, **krs}


def agreed(world, values) -> Goal:
    """Ana proposes a goal and Maria approves it: the agreed goal."""
    sb, ana, maria = world.sb, world.ids["ana@acme.test"], world.ids["maria@acme.test"]
    propose(sb, ana, values)
    wait_for(lambda: bot_dms(sb, maria, "proposes a new goal"))
    decide(sb, maria, "goal_approve")
    return wait_for(lambda: [g for g in goals_of(world.services, "ana@acme.test") if g.status == "active"])[0]


def decide(sb, uid, action_id, value=None, comment=""):
    sb.click(uid, action_id, value)
    view = modal(sb, uid, "goal_decision_submit")
    return sb.submit_view(uid, {"comment": comment} if comment else {}, view_id=view["id"])


def test_employee_proposes_and_the_manager_approves(world):
    sb, services, ids = world.sb, world.services, world.ids
    ana, maria = ids["ana@acme.test"], ids["maria@acme.test"]
    assert propose(sb, ana, result_goal()).ok
    wait_for(lambda: "Proposed to your manager" in str(sb.open_views(ana)))
    (goal,) = goals_of(services, "ana@acme.test")
    assert (goal.status, goal.target, goal.version) == ("pending", 150, 0)
    (ask,) = wait_for(lambda: bot_dms(sb, maria, "proposes a new goal"))
    assert "Grow weekly active teams" in str(ask["blocks"]) and "150" in str(ask["blocks"])
    assert decide(sb, maria, "goal_approve", comment="Ambitious, go").ok
    wait_for(lambda: goals_of(services, "ana@acme.test")[0].status == "active")
    (told,) = wait_for(lambda: bot_dms(sb, ana, "approved"))
    assert "Ambitious, go" in str(told["blocks"])
    # the request in Maria's DM now says what was decided, with no buttons left
    updated = wait_for(
        lambda: [m for m in bot_dms(sb, maria, "proposes a new goal") if "approved this" in str(m)]
    )
    assert "goal_approve" not in str(updated)
    kinds = [k for k, _ in file_kinds(services, "ana@acme.test")]
    assert kinds == ["goal_proposal", "goal_decision"]
    assert sb.problems == []


def test_a_change_to_an_agreed_goal_waits_for_approval_while_the_agreed_version_stays(world):
    sb, services, ids = world.sb, world.services, world.ids
    ana, maria = ids["ana@acme.test"], ids["maria@acme.test"]
    goal = agreed(world, result_goal())

    sb.slash_command(ana, "/goals", "")
    wait_for(lambda: "Propose a change" in sb.transcript(ana))
    sb.click(ana, "goal_edit", str(goal.id))
    view = modal(sb, ana, "goal_submit")
    fields = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert fields["target"]["initial_value"] == "150" and fields["title"]["initial_value"] == goal.title
    assert sb.submit_view(ana, {"target": "180"}).ok
    (ask,) = wait_for(lambda: bot_dms(sb, maria, "proposes a change"))
    assert "~150~ → 180" in str(ask["blocks"])
    assert goals_of(services, "ana@acme.test")[0].target == 150  # still the agreed version
    decide(sb, maria, "goal_approve")
    wait_for(lambda: goals_of(services, "ana@acme.test")[0].target == 180)
    assert goals_of(services, "ana@acme.test")[0].version == 2


def test_the_manager_proposes_the_report_counters_and_the_manager_approves(world):
    sb, services, ids = world.sb, world.services, world.ids
    ana, maria = ids["ana@acme.test"], ids["maria@acme.test"]
    assert propose(sb, maria, result_goal(target="200"), text=f"new {at(ana)}").ok
    wait_for(lambda: "Proposed to Ana" in str(sb.open_views(maria)))
    (ask,) = wait_for(lambda: bot_dms(sb, ana, "proposes a new goal"))
    assert "goal_accept" in str(ask) and "goal_approve" not in str(ask)
    # Maria cannot accept her own proposal on Ana's behalf
    sb.send_dm(maria, "hello")
    reply = sb.forge_action(maria, "goal_accept", str(_open_proposal_id(services, "ana@acme.test")))
    assert reply.ok
    wait_for(lambda: "Only Ana can answer this proposal." in sb.transcript(maria))
    managers_proposal = _open_proposal_id(services, "ana@acme.test")
    sb.click(ana, "goal_counter")
    view = modal(sb, ana, "goal_submit")
    assert (
        next(b for b in view["blocks"] if b.get("block_id") == "target")["element"]["initial_value"] == "200"
    )
    assert sb.submit_view(ana, {"target": "170"}).ok
    (counter,) = wait_for(lambda: bot_dms(sb, maria, "proposes a new goal"))
    assert "170" in str(counter["blocks"])
    decide(sb, maria, "goal_approve")
    wait_for(lambda: goals_of(services, "ana@acme.test")[0].status == "active")
    assert goals_of(services, "ana@acme.test")[0].target == 170
    # Maria's proposal says it was replaced; accepting it from a stale client changes nothing
    assert "replaced this" in str(bot_dms(sb, ana, "proposes a new goal")[0])
    sb.forge_action(ana, "goal_accept", str(managers_proposal))
    wait_for(lambda: "replaced by a newer one" in sb.transcript(ana))
    assert goals_of(services, "ana@acme.test")[0].target == 170


def test_the_report_accepts_the_managers_proposal(world):
    sb, services, ids = world.sb, world.services, world.ids
    ana, maria = ids["ana@acme.test"], ids["maria@acme.test"]
    propose(sb, maria, result_goal(), text=f"new {at(ana)}")
    wait_for(lambda: bot_dms(sb, ana, "proposes a new goal"))
    decide(sb, ana, "goal_accept")
    wait_for(lambda: goals_of(services, "ana@acme.test")[0].status == "active")
    wait_for(lambda: bot_dms(sb, maria, "accepted"))


def _open_proposal_id(services, email) -> int:
    with services.session() as session:
        person = people.get_by_email(session, email=email)
        goals = goal_store.of_person(session, person_id=person.id, ending_on_or_after=utcnow().date())
        return next(iter(goal_store.open_proposals(session, goal_ids=[g.id for g in goals]).values())).id


def test_forged_approvals_change_nothing_and_are_refused_and_logged(world, caplog):
    sb, services, ids = world.sb, world.services, world.ids
    ana, chen, maria = ids["ana@acme.test"], ids["chen@acme.test"], ids["maria@acme.test"]
    propose(sb, ana, result_goal())
    wait_for(lambda: bot_dms(sb, maria, "proposes a new goal"))
    proposal_id = _open_proposal_id(services, "ana@acme.test")
    caplog.set_level(logging.WARNING)
    sb.send_dm(chen, "hello")
    sb.send_dm(ana, "hello")
    for forger in (chen, ana):  # a colleague, and the proposer herself
        for action in ("goal_approve", "goal_reject", "goal_changes"):
            assert sb.forge_action(forger, action, str(proposal_id)).ok
        wait_for(lambda f=forger: sb.transcript(f).count("Only Ana's manager or an HR admin can decide") == 3)
        assert not [v for v in sb.open_views(forger) if v["callback_id"] == "goal_decision_submit"]
    assert any("not theirs to decide" in r.getMessage() for r in caplog.records)
    goal = goals_of(services, "ana@acme.test")[0]
    assert (goal.status, goal.version) == ("pending", 0)
    assert [k for k, _ in file_kinds(services, "ana@acme.test")] == ["goal_proposal"]


def test_a_forged_decision_from_an_outsider_in_a_modal_is_refused_inline(world):
    sb, services, ids = world.sb, world.services, world.ids
    ana, chen, maria = ids["ana@acme.test"], ids["chen@acme.test"], ids["maria@acme.test"]
    propose(sb, ana, result_goal())
    wait_for(lambda: bot_dms(sb, maria, "proposes a new goal"))
    ana_proposal = _open_proposal_id(services, "ana@acme.test")
    # Chen opens a modal of his own (a new goal) and submits it dressed up as Ana's approval
    sb.slash_command(chen, "/goals", "new")
    wait_for(lambda: sb.open_views(chen))
    reply = sb.submit_view(
        chen, result_goal(title="x"), forge_metadata=f"person::{_person_id(services, 'ana@acme.test')}"
    )
    assert reply.ok and "title" in (reply.json or {}).get("errors", {})
    assert "propose them to people who report to you" in str(reply.json)
    assert len(goals_of(services, "ana@acme.test")) == 1
    assert goals_of(services, "ana@acme.test")[0].status == "pending"
    assert ana_proposal == _open_proposal_id(services, "ana@acme.test")


def _person_id(services, email) -> int:
    with services.session() as session:
        return people.get_by_email(session, email=email).id


def test_stale_and_repeated_approvals_change_nothing_twice(world):
    sb, services, ids = world.sb, world.services, world.ids
    ana, maria = ids["ana@acme.test"], ids["maria@acme.test"]
    propose(sb, ana, result_goal())
    wait_for(lambda: bot_dms(sb, maria, "proposes a new goal"))
    first = _open_proposal_id(services, "ana@acme.test")
    # Ana revises before Maria decides: the first proposal is replaced
    goal = goals_of(services, "ana@acme.test")[0]
    sb.slash_command(ana, "/goals", "")
    wait_for(lambda: "goal_edit" in str(sb.ephemerals(ana)))
    sb.click(ana, "goal_edit", str(goal.id))
    modal(sb, ana, "goal_submit")
    sb.submit_view(ana, {"target": "160"})
    wait_for(lambda: len(bot_dms(sb, maria, "proposes a new goal")) == 2)
    second = _open_proposal_id(services, "ana@acme.test")
    assert second != first
    wait_for(lambda: "goal_approve" not in str(bot_dms(sb, maria, "proposes a new goal")[0]))  # closed
    sb.forge_action(maria, "goal_approve", str(first))  # a stale client
    wait_for(lambda: "replaced by a newer one" in sb.transcript(maria))
    assert goals_of(services, "ana@acme.test")[0].status == "pending"
    decide(sb, maria, "goal_approve", str(second))
    wait_for(lambda: goals_of(services, "ana@acme.test")[0].status == "active")
    # a second click (a stale client) approves nothing more
    assert sb.forge_action(maria, "goal_approve", str(second)).ok
    wait_for(lambda: "already approved by Maria" in sb.transcript(maria))
    goal = goals_of(services, "ana@acme.test")[0]
    assert (goal.version, goal.target) == (1, 160)
    assert [k for k, _ in file_kinds(services, "ana@acme.test")].count("goal_decision") == 1


@pytest.mark.parametrize(
    ("values", "errors"),
    [
        (result_goal(target="lots"), {"target": "Write a number"}),
        (result_goal(target="100"), {"target": "must differ from the baseline"}),
        (result_goal(weight="0"), {"weight": "from 1 to 100"}),
        (result_goal(weight="2.5"), {"weight": "from 1 to 100"}),
        (result_goal(metric=""), {"metric": "Name what is measured"}),
        (result_goal(due="2001-01-01"), {"due": "Pick a day within"}),
        (okr_goal(), {"kr1_title": "at least one key result"}),
        (
            okr_goal(kr1_title="Ship", kr1_target="x", kr2_target="3"),
            {"kr1_target": "Write a number", "kr2_title": "Name this key result"},
        ),
    ],
)
def test_malformed_numbers_and_dates_get_inline_errors_and_nothing_is_kept(world, values, errors):
    sb, services, ids = world.sb, world.services, world.ids
    ana = ids["ana@acme.test"]
    reply = propose(sb, ana, values)
    shown = (reply.json or {}).get("errors", {})
    assert set(shown) == set(errors)
    for block, text in errors.items():
        assert text in shown[block]
    assert goals_of(services, "ana@acme.test") == []
    assert file_kinds(services, "ana@acme.test") == []


def test_long_and_malicious_text_is_escaped_or_refused(world):
    sb, services, ids = world.sb, world.services, world.ids
    ana, maria = ids["ana@acme.test"], ids["maria@acme.test"]
    nasty = "Beat <!channel> & <@U0FAKE> at <https://evil.test|login>"
    assert propose(sb, ana, result_goal(title=nasty, description="x" * 3000)).ok
    (ask,) = wait_for(lambda: bot_dms(sb, maria, "proposes a new goal"))
    shown = str(ask)
    assert "&lt;!channel&gt; &amp; &lt;@U0FAKE&gt;" in shown and "<!channel>" not in shown
    assert goals_of(services, "ana@acme.test")[0].title == nasty
    # over the limits Slack's own client enforces
    reply = propose(sb, ana, result_goal(title="t" * 201))
    assert reply.error == "client_validation"
    assert len(goals_of(services, "ana@acme.test")) == 1
    assert sb.problems == []


def test_goals_align_to_a_team_goal_and_nothing_else(world):
    sb, services, ids = world.sb, world.services, world.ids
    ana, maria, chen = ids["ana@acme.test"], ids["maria@acme.test"], ids["chen@acme.test"]
    sb.slash_command(chen, "/goals", "new team")
    wait_for(lambda: "Only managers set team goals" in sb.transcript(chen))
    assert propose(sb, maria, result_goal(title="Platform adoption", target="500"), text="new team").ok
    wait_for(lambda: "Team goal set" in str(sb.open_views(maria)))
    with services.session() as session:
        (team_goal,) = goal_store.shared(session, team="Platform", ending_on_or_after=utcnow().date())
        team_goal_id = team_goal.id
    sb.slash_command(ana, "/goals", "new")
    view = wait_for(lambda: sb.open_views(ana))[-1]
    parent = next(b for b in view["blocks"] if b.get("block_id") == "parent")
    assert [o["value"] for o in parent["element"]["options"]] == [str(team_goal_id)]
    assert sb.submit_view(ana, result_goal(parent=str(team_goal_id))).ok
    wait_for(lambda: goals_of(services, "ana@acme.test"))
    assert goals_of(services, "ana@acme.test")[0].parent_id == team_goal_id
    sb.slash_command(ana, "/goals", "")
    wait_for(
        lambda: "aligned to team goal" in sb.transcript(ana) and "Platform adoption" in sb.transcript(ana)
    )


def test_progress_updates_need_no_approval_and_key_results_drive_progress(world):
    sb, services, ids = world.sb, world.services, world.ids
    ana, maria = ids["ana@acme.test"], ids["maria@acme.test"]
    okr = {
        "title": "Make onboarding delightful",
        "kind": "objective",
        "period": QUARTER.key,
        "kr1_title": "Setup time under 10 min",
        "kr1_target": "10",
        "kr2_title": "Docs pages rewritten",
        "kr2_target": "20",
    }
    goal = agreed(world, okr)
    asks_before = len(sb.dm_messages(maria))
    sb.slash_command(ana, "/goals", "")
    wait_for(lambda: "Update progress" in sb.transcript(ana))
    sb.click(ana, "goal_progress", str(goal.id))
    view = modal(sb, ana, "goal_progress_submit")
    kr_blocks = [b["block_id"] for b in view["blocks"] if b["block_id"].startswith("kr_")]
    assert len(kr_blocks) == 2
    bad = sb.submit_view(ana, {kr_blocks[0]: "five", "status": "at_risk"})
    assert "Write a number" in str(bad.json)
    assert sb.submit_view(
        ana, {kr_blocks[0]: "5", kr_blocks[1]: "20", "status": "at_risk", "note": "docs done"}
    ).ok
    wait_for(lambda: "75%" in str(sb.open_views(ana)))
    goal = goals_of(services, "ana@acme.test")[0]
    assert goal.status == "at_risk" and goal.version == 1
    progress = [t for k, t in file_kinds(services, "ana@acme.test") if k == "goal_progress"]
    assert progress == ["Make onboarding delightful: 75%, at risk\ndocs done"]
    assert len(sb.dm_messages(maria)) == asks_before  # nothing to approve


def test_goals_of_a_report_are_shown_to_their_manager_only(world):
    sb, ids = world.sb, world.ids
    ana, maria, chen = ids["ana@acme.test"], ids["maria@acme.test"], ids["chen@acme.test"]
    propose(sb, ana, result_goal(title="Ana's secret plan"))
    wait_for(lambda: bot_dms(sb, maria, "proposes a new goal"))
    sb.slash_command(chen, "/goals", at(ana))
    wait_for(lambda: "Only their manager or an HR admin can see" in sb.transcript(chen))
    assert "secret plan" not in sb.transcript(chen)
    sb.slash_command(maria, "/goals", at(ana))
    wait_for(lambda: "Goals of" in sb.transcript(maria) and "Ana's secret plan" in str(sb.ephemerals(maria)))
    sb.slash_command(ana, "/goals", "help")
    wait_for(lambda: "`/goals new`" in sb.transcript(ana))


def test_dropping_an_agreed_goal_is_a_proposal(world):
    sb, services, ids = world.sb, world.services, world.ids
    ana, maria = ids["ana@acme.test"], ids["maria@acme.test"]
    goal = agreed(world, result_goal())
    sb.slash_command(ana, "/goals", "")
    wait_for(lambda: "Propose to drop" in sb.transcript(ana))
    sb.click(ana, "goal_drop", str(goal.id))
    wait_for(lambda: bot_dms(sb, maria, "proposes to drop"))
    assert goals_of(services, "ana@acme.test")[0].status == "active"
    decide(sb, maria, "goal_reject", comment="Keep going")
    wait_for(lambda: bot_dms(sb, ana, "rejected"))
    assert goals_of(services, "ana@acme.test")[0].status == "active"


def test_a_check_in_asks_progress_on_each_agreed_goal_and_records_it(world):
    sb, services, ids = world.sb, world.services, world.ids
    ana = ids["ana@acme.test"]
    goal = agreed(world, result_goal())
    propose(sb, ana, result_goal(title="Not agreed yet"))  # pending: not asked about
    wait_for(lambda: len(goals_of(services, "ana@acme.test")) == 2)
    sb.slash_command(ana, "/checkins", "")
    wait_for(lambda: "Check in now" in sb.transcript(ana))
    sb.click(ana, "checkin_open")
    view = modal(sb, ana, "checkin_submit")
    goal_blocks = [b["block_id"] for b in view["blocks"] if b.get("block_id", "").startswith("goal_")]
    assert goal_blocks == [f"goal_{goal.id}_current"]
    label = next(b for b in view["blocks"] if b.get("block_id") == goal_blocks[0])["label"]["text"]
    assert "now 100, target 150" in label
    bad = sb.submit_view(ana, {"mood": "4", "progress": "Shipped", goal_blocks[0]: "a lot"})
    assert bad.json["errors"] == {goal_blocks[0]: "Write a number, like 42 or 12.5."}
    assert [k for k, _ in file_kinds(services, "ana@acme.test")].count("goal_progress") == 0
    assert sb.submit_view(ana, {"mood": "4", "progress": "Shipped", goal_blocks[0]: "125"}).ok
    wait_for(lambda: goals_of(services, "ana@acme.test")[0].current == 125)
    progress = [t for k, t in file_kinds(services, "ana@acme.test") if k == "goal_progress"]
    assert progress == ["Grow weekly active teams: 50%, on track"]


def test_the_home_tab_shows_goals_with_progress_and_what_waits_for_whom(world):
    sb, services, ids = world.sb, world.services, world.ids
    ana, maria = ids["ana@acme.test"], ids["maria@acme.test"]
    agreed(world, result_goal())
    propose(sb, ana, result_goal(title="Write the <b>runbook</b>"))
    wait_for(lambda: len(goals_of(services, "ana@acme.test")) == 2)
    sb.open_home(ana)
    home = wait_for(lambda: "Open items" in str(sb.home(ana)) and sb.home(ana))
    blocks = {b["block_id"]: b["text"]["text"] for b in home["blocks"] if b.get("block_id") and "text" in b}
    assert "*Grow weekly active teams* · on track · ░░░░░░░░░░ 0%" in blocks["goals"]
    assert "Write the &lt;b&gt;runbook&lt;/b&gt;" in blocks["goals"]
    assert "waits for the manager's decision" in blocks["open_items"]
    sb.open_home(maria)
    home = wait_for(lambda: "Open items" in str(sb.home(maria)) and sb.home(maria))
    assert "1 goal proposal(s) from your reports wait for your decision" in str(home)


def test_an_hr_admin_decides_when_the_manager_has_left_and_outsiders_can_touch_nothing(world, caplog):
    sb, services, ids = world.sb, world.services, world.ids
    ana, chen, dee = ids["ana@acme.test"], ids["chen@acme.test"], ids["dee@acme.test"]
    propose(sb, ana, result_goal())
    wait_for(lambda: bot_dms(sb, ids["maria@acme.test"], "proposes a new goal"))
    decide(sb, ids["maria@acme.test"], "goal_approve")
    goal = wait_for(lambda: [g for g in goals_of(services, "ana@acme.test") if g.status == "active"])[0]
    # a colleague forges every goal button on Ana's goal: refused, logged, nothing changes
    caplog.set_level(logging.WARNING)
    sb.send_dm(chen, "hello")
    for action in ("goal_edit", "goal_drop", "goal_progress"):
        assert sb.forge_action(chen, action, str(goal.id)).ok
    wait_for(lambda: sb.transcript(chen).count("Only the person, their manager or an HR admin") == 3)
    assert sb.forge_action(chen, "goal_new", ana).ok
    wait_for(lambda: "You can propose goals to the people who report to you." in sb.transcript(chen))
    assert [g.status for g in goals_of(services, "ana@acme.test")] == ["active"]
    assert sum("not theirs to change" in r.getMessage() for r in caplog.records) == 3
    # Maria leaves: Ana's next change goes to the HR admin, who approves it
    with services.session() as session:
        people.get_by_email(session, email="maria@acme.test").active = False
    sb.slash_command(ana, "/goals", "")
    wait_for(lambda: "Propose a change" in sb.transcript(ana))
    sb.click(ana, "goal_edit", str(goal.id))
    modal(sb, ana, "goal_submit")
    sb.submit_view(ana, {"target": "175"})
    wait_for(lambda: "(HR admin), as your manager has left" in str(sb.open_views(ana)))
    wait_for(lambda: bot_dms(sb, dee, "proposes a change"))
    decide(sb, dee, "goal_approve")
    wait_for(lambda: goals_of(services, "ana@acme.test")[0].target == 175)


def test_asked_for_changes_the_goal_goes_back_to_draft_and_a_rejected_one_is_dropped(world):
    sb, services, ids = world.sb, world.services, world.ids
    ana, maria = ids["ana@acme.test"], ids["maria@acme.test"]
    propose(sb, ana, result_goal())
    wait_for(lambda: bot_dms(sb, maria, "proposes a new goal"))
    reply = decide(sb, maria, "goal_changes")  # a comment is required for this one
    assert reply.error == "client_validation" and "comment" in reply.json
    sb.submit_view(maria, {"comment": "Make it 160"})
    wait_for(lambda: goals_of(services, "ana@acme.test")[0].status == "draft")
    wait_for(lambda: bot_dms(sb, ana, "asked for changes"))
    goal = goals_of(services, "ana@acme.test")[0]
    sb.slash_command(ana, "/goals", "")
    wait_for(lambda: "goal_edit" in str(sb.ephemerals(ana)))
    sb.click(ana, "goal_edit", str(goal.id))
    modal(sb, ana, "goal_submit")
    sb.submit_view(ana, {"target": "160"})
    (again,) = wait_for(
        lambda: [m for m in bot_dms(sb, maria, "proposes a new goal") if "goal_reject" in str(m)]
    )
    assert "~150~ → 160" in str(again["blocks"])  # what changed since the version asked about
    decide(sb, maria, "goal_reject", comment="Not this quarter")
    wait_for(lambda: goals_of(services, "ana@acme.test") == [])  # dropped goals are not listed
    wait_for(lambda: bot_dms(sb, ana, "rejected"))


def test_dropping_a_goal_before_agreement_tells_the_other_side_and_closes_their_request(world):
    sb, services, ids = world.sb, world.services, world.ids
    ana, maria = ids["ana@acme.test"], ids["maria@acme.test"]
    propose(sb, maria, result_goal(), text=f"new {at(ana)}")
    wait_for(lambda: bot_dms(sb, ana, "proposes a new goal"))
    goal = goals_of(services, "ana@acme.test")[0]
    sb.slash_command(maria, "/goals", at(ana))
    wait_for(lambda: "goal_drop" in str(sb.ephemerals(maria)))
    sb.click(maria, "goal_drop", str(goal.id))
    wait_for(lambda: "dropped this" in str(bot_dms(sb, ana, "proposes a new goal")))
    assert "goal_accept" not in str(bot_dms(sb, ana, "proposes a new goal"))
    assert goals_of(services, "ana@acme.test") == []


def test_saving_progress_untouched_keeps_every_digit(world):
    sb, services, ids = world.sb, world.services, world.ids
    ana = ids["ana@acme.test"]
    goal = agreed(world, result_goal(baseline="1000000", target="1234567.89"))
    sb.slash_command(ana, "/goals", "")
    wait_for(lambda: "Update progress" in sb.transcript(ana))
    sb.click(ana, "goal_progress", str(goal.id))
    modal(sb, ana, "goal_progress_submit")
    sb.submit_view(ana, {"current": "1,100,000.5"})
    wait_for(lambda: goals_of(services, "ana@acme.test")[0].current == 1100000.5)
    sb.click(ana, "goal_edit", str(goal.id))
    view = modal(sb, ana, "goal_submit")
    assert (
        next(b for b in view["blocks"] if b.get("block_id") == "target")["element"]["initial_value"]
        == "1234567.89"
    )
    reply = sb.submit_view(ana, {})
    assert reply.json["errors"] == {"title": "Nothing changed: edit a field, or cancel."}


def test_many_long_goals_fit_the_home_tab_and_goals(world):
    sb, services, ids = world.sb, world.services, world.ids
    ana = ids["ana@acme.test"]
    from domain.goals import proposals

    with services.session() as session:
        for n in range(22):
            values = result_goal(title=f"{n} " + "R&D <tools> " * 16)
            outcome = proposals.save(
                session, actor_slack_id=ana, metadata="person::", values=values, now=utcnow()
            )
            assert not outcome.errors
    sb.open_home(ana)
    home = wait_for(lambda: "Open items" in str(sb.home(ana)) and sb.home(ana))
    assert "and 7 more" in str(home)
    sb.slash_command(ana, "/goals", "")
    wait_for(lambda: "and 2 more; the Home tab lists them all." in sb.transcript(ana))
    assert sb.problems == []
