"""Summaries through the sandbox: what a manager sees of each person (a mood drop or blockers three periods
running, by name, to them only), 1:1s held and open action items, company and team goals with the goals at
risk under a team's goals, and no chart promised when there is nothing to draw."""

from datetime import date

import pytest
from sqlmodel import select

from domain.checkins import service as checkin_service
from domain.summaries import flows as summary_flows
from domain.summaries import goals as summary_goals
from domain.summaries.cycles import period_cycle_of
from schedules.jobs import run_tick
from storage import checkins as checkin_store
from storage import goals as goal_store
from storage import people
from storage.models import CheckinStatus, FileEntry, Goal, GoalLevel
from tests.summaries.test_summaries import CLOSED, PROMPTED, summaries_to
from tests.support import csv_text, import_org, joined, slack_users, utc, wait_for

WEEKS = [utc(2026, 11, 6, 20), utc(2026, 11, 13, 20), PROMPTED]  # three Fridays' prompts, the last W47
THIS_WEEK = "check-ins of Fri 20 Nov"
WEEK = period_cycle_of("2026-W47", utc(2026, 11, 20, 1), utc(2026, 11, 27, 15))


@pytest.fixture
def world(world):
    joined(world.services, utc(2026, 10, 31))
    return world


def answer(services, uid, answers, at):
    """The person's latest open check-in, answered at `at` (the handlers use the real clock); on the weekly
    template unless the answers say otherwise."""
    answers = answers if "today" in answers else {"progress": "x", **answers}
    with services.session() as session:
        person = people.get_by_slack_id(session, slack_user_id=uid)
        waiting = [
            c
            for c in checkin_store.for_person(session, person_id=person.id)
            if c.status == CheckinStatus.prompted
        ]
        checkin = max(waiting, key=lambda c: c.opens_at)
        result = checkin_service.submit(
            session, slack_user_id=uid, checkin_id=checkin.id, answers=answers, now=at
        )
        assert not result.errors


def this_weeks(sb, uid):
    return [m for m in summaries_to(sb, uid) if THIS_WEEK in m["text"]]


def hr_channel(sb, ids):
    channel = sb.add_channel("hr-pulse")
    sb.slash_command(ids["dee@acme.test"], "/checkins", f"summary channel <#{channel}|hr-pulse>")
    wait_for(lambda: "no individual answers" in sb.transcript(ids["dee@acme.test"]))
    return channel


def test_a_mood_drop_and_blockers_three_weeks_running_are_flagged_by_name_to_the_manager_only(world, sandbox):
    sb, services, ids = world.sb, world.services, world.ids
    maria, ana, bo, chen = (ids[f"{n}@acme.test"] for n in ("maria", "ana", "bo", "chen"))
    vp = slack_users(sandbox, {"vp@acme.test": "UTC"})["vp@acme.test"]
    rows = [
        ["vp@acme.test", "", "Leads", "manager", ""],
        ["maria@acme.test", "vp@acme.test", "Platform", "manager", ""],
    ]
    assert import_org(services, csv_text(rows)).ok
    joined(services, utc(2026, 10, 31))
    hr = hr_channel(sb, ids)
    for week, prompt in enumerate(WEEKS):
        run_tick(services, now=prompt)
        at = utc(2026, 11, 7 + 7 * week, 9)
        answer(services, ana, {"mood": str(4 - week), "blockers": "Still no DBA access"}, at)
        answer(services, bo, {"mood": "4"}, at)
        answer(services, chen, {"mood": "5", **({"blockers": "Flaky CI"} if week else {})}, at)
        answer(services, maria, {"mood": "3"}, at)
    run_tick(services, now=CLOSED)
    run_tick(services, now=CLOSED)
    (summary,) = wait_for(lambda: this_weeks(sb, maria))
    (flags,) = [b["text"]["text"] for b in summary["blocks"] if b.get("block_id") == "flags"]
    assert flags == (
        ":eyes: *Worth a word* (only you see this):\n"
        f"• <@{ana}>: mood down from 4.0 to 2.0 over the last 3 check-ins; blockers 3 check-ins running"
    )  # Chen's blockers came two weeks running, Bo's mood held: neither is flagged
    assert "each person's) and goal progress over time are in the chart" in str(summary["blocks"])
    charts = wait_for(lambda: [f for f in sb.files(maria) if f["thread_ts"] == summary["ts"]])
    assert charts[0]["bytes"][:8] == b"\x89PNG\r\n\x1a\n"
    # nobody else reads it: not the manager's manager, not HR's channel, not Ana
    (above,) = wait_for(lambda: this_weeks(sb, vp))
    post = wait_for(lambda: [m for m in sb.channel_messages(hr) if "20 Nov" in m["text"]])
    for elsewhere in (str(above), str(post), *[str(m) for m in sb.dm_messages(ana)]):
        assert "Worth a word" not in elsewhere and "mood down" not in elsewhere
    assert ana not in str(above) and ana not in str(post)
    assert sb.problems == []


def test_one_on_ones_held_and_open_action_items_are_counted_and_nothing_said_is_shown(world):
    sb, services, ids = world.sb, world.services, world.ids
    maria, ana, bo = ids["maria@acme.test"], ids["ana@acme.test"], ids["bo@acme.test"]
    hr = hr_channel(sb, ids)
    at_ana, at_bo = f"<@{ana}|ana>", f"<@{bo}|bo>"
    sb.slash_command(ana, "/checkins", f"1on1 with <@{maria}|maria> weekly fri 10:00")
    sb.slash_command(maria, "/checkins", f"1on1 with {at_bo} weekly thu 11:00")
    wait_for(lambda: "is set" in sb.transcript(maria) and "is set" in sb.transcript(ana))
    for command in (
        f"1on1 note {at_ana} Ana wants the lead role",
        f"1on1 action {at_ana} {at_ana} 2026-11-25 Draft the migration plan",
        f"1on1 private {at_ana} Seems tired",
        f"1on1 note {at_bo} Bo's pay talk",
        f"1on1 action {at_bo} {at_bo} 2026-11-30 Book the course",
    ):
        sb.slash_command(maria, "/checkins", command)
    wait_for(
        lambda: (
            (text := sb.transcript(maria)).count("Action item for") == 2
            and text.count("Shared note kept") == 2
            and "private note" in text
        )
    )
    # As if written in the week of 20 Nov: Ana's note and item on one day (one 1:1), Bo's on two days
    days = {
        "Ana wants": utc(2026, 11, 20, 15),
        "Action item for Ana": utc(2026, 11, 20, 15, 30),
        "Bo's pay": utc(2026, 11, 23, 16),
        "Action item for Bo": utc(2026, 11, 26, 16),
    }
    with services.session() as session:
        for entry in session.exec(select(FileEntry).where(FileEntry.kind == "one_on_one")):
            (entry.created_at,) = [when for start, when in days.items() if entry.text.startswith(start)]
    run_tick(services, now=PROMPTED)
    answer(services, ana, {"mood": "3"}, utc(2026, 11, 21, 9))
    run_tick(services, now=CLOSED)
    run_tick(services, now=CLOSED)
    (summary,) = wait_for(lambda: this_weeks(sb, maria))
    assert "*1:1s held* 3 · *open action items* 2 (1 overdue)" in str(summary["blocks"])
    (post,) = wait_for(lambda: sb.channel_messages(hr))
    assert "· 3 1:1(s) held" in str(post)
    for secret in ("lead role", "migration plan", "tired", "pay talk", "course"):
        assert secret not in str(post) and secret not in str(summary["blocks"])
    assert ana not in str(post) and bo not in str(post)


def goal(services, title, level, *, current, parent=None, person=None, team="", status="active"):
    with services.session() as session:
        row = goal_store.add(
            session,
            goal=Goal(
                level=level.value,
                person_id=person,
                team=team,
                title=title,
                kind="process",
                period="2026-Q4",
                starts_on=date(2026, 10, 1),
                due_on=date(2026, 12, 31),
                parent_id=parent,
                current=current,
                progress=current / 100,
                status=status,
                created_at=utc(2026, 10, 1),
            ),
        )
        return row.id


def test_company_and_team_goals_progress_and_the_goals_at_risk_under_the_teams_goals(world):
    sb, services, ids = world.sb, world.services, world.ids
    maria, bo = ids["maria@acme.test"], ids["bo@acme.test"]
    with services.session() as session:
        person = {p.email: p.id for p in people.list_all(session)}
    hr = hr_channel(sb, ids)
    company = goal(services, "Reach 1,000 customers", GoalLevel.company, current=60)
    team = goal(services, "Ship the platform", GoalLevel.team, current=30, parent=company, team="Platform")
    # On 27 Nov, 58 % of the quarter has gone: 10 % is more than 15 points behind; kept "active", read afresh
    goal(
        services,
        "Migrate <b>billing</b>",
        GoalLevel.person,
        current=10,
        parent=team,
        person=person["bo@acme.test"],
    )
    goal(
        services,
        "Write the runbook",
        GoalLevel.person,
        current=90,
        parent=team,
        person=person["ana@acme.test"],
    )
    goal(
        services,
        "Old idea",
        GoalLevel.person,
        current=0,
        parent=team,
        person=person["chen@acme.test"],
        status="dropped",
    )
    run_tick(services, now=PROMPTED)
    answer(services, ids["ana@acme.test"], {"mood": "3"}, utc(2026, 11, 21, 9))
    run_tick(services, now=CLOSED)
    (summary,) = wait_for(lambda: this_weeks(sb, maria))
    shown = {b.get("block_id"): b["text"]["text"] for b in summary["blocks"] if b["type"] == "section"}
    assert shown["company_goals"] == "*Company goals:*\n• Reach 1,000 customers: 60%, on track"
    assert shown["team_goals"] == (
        "*Team goals:*\n• Ship the platform: 30%, at risk"
        f"\n      :rotating_light: under it, at risk: <@{bo}>: Migrate &lt;b&gt;billing&lt;/b&gt; (10%)"
    )
    (post,) = wait_for(lambda: sb.channel_messages(hr))
    assert "· 1 team goal(s) at 30% on average" in str(post) and "Reach 1,000 customers: 60%" in str(post)
    assert "billing" not in str(post) and "runbook" not in str(post)
    # Who may see a person's goal at risk: their management chain and HR, not a colleague
    with services.session() as session:
        (team_goal,) = summary_goals.shared(
            session, cycle=WEEK, day=date(2026, 11, 27), level=GoalLevel.team, teams=["Platform"]
        )
        for reader, expected in (("chen@acme.test", []), ("dee@acme.test", ["Migrate <b>billing</b>"])):
            viewer = people.get_by_email(session, email=reader)
            (read,) = summary_goals.with_risks(session, viewer, [team_goal], date(2026, 11, 27))
            assert [g.title for g, _, _ in read.at_risk] == expected


def test_a_summary_with_nothing_to_draw_promises_no_chart_and_uploads_none(world):
    sb, services, maria = world.sb, world.services, world.ids["maria@acme.test"]
    run_tick(services, now=PROMPTED)
    assert summary_flows.send_now(services, now=utc(2026, 11, 21, 12)).sent == 1
    (summary,) = wait_for(lambda: summaries_to(sb, maria))
    assert "0 of 4 answered" in str(summary["blocks"]) and "chart" not in str(summary["blocks"])
    assert sb.files(maria) == []


def test_on_the_standup_template_blockers_three_periods_running_are_flagged_and_no_chart_is_promised(world):
    from tests.checkins.test_templates import choose

    sb, services, ids = world.sb, world.services, world.ids
    maria, ana, bo = ids["maria@acme.test"], ids["ana@acme.test"], ids["bo@acme.test"]
    choose(world, "standup")  # no scale question: no mood; its blockers question is "blockers"
    for week, prompt in enumerate(WEEKS):
        run_tick(services, now=prompt)
        at = utc(2026, 11, 7 + 7 * week, 9)
        standup = {"yesterday": "Reviews", "today": "Billing", "on_track": "yes"}
        answer(services, ana, {**standup, "blockers": "Waiting on legal"}, at)
        answer(services, bo, {**standup, **({"blockers": "VPN"} if week == 1 else {})}, at)
    run_tick(services, now=CLOSED)
    (summary,) = wait_for(lambda: this_weeks(sb, maria))
    (flags,) = [b["text"]["text"] for b in summary["blocks"] if b.get("block_id") == "flags"]
    assert flags.endswith(f"\n• <@{ana}>: blockers 3 check-ins running")
    assert bo not in flags
    assert "chart" not in str(summary["blocks"])  # no mood and no goal progress: nothing to draw
    assert sb.files(maria) == []
