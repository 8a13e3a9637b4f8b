"""Cycle summaries through the sandbox: a manager's DM (and its chart), the HR channel, exactly once."""

import pytest

from domain.checkins import service as checkin_service
from domain.summaries import flows as summary_flows
from schedules.jobs import run_tick
from storage import people
from tests.support import csv_text, import_org, joined, slack_users, utc, wait_for

PROMPTED = utc(2026, 11, 20, 20)  # every time zone of the team is past Friday 10:00
CLOSED = utc(2026, 11, 28, 12)  # every one of those periods has closed


@pytest.fixture
def world(world):
    joined(world.services, utc(2026, 11, 14))
    return world


ANSWERED = utc(2026, 11, 21, 9)


def answer(services, uid, answers, at=ANSWERED):
    """Answered inside the period (the handlers check periods against the real clock, so the domain here)."""
    with services.session() as session:
        (checkin,) = [c for c in _checkins(session, uid)]
        result = checkin_service.submit(
            session, slack_user_id=uid, checkin_id=checkin.id, answers={"mood": "3", **answers}, now=at
        )
        assert not result.errors


def _checkins(session, uid):
    from storage import checkins as store

    person = people.get_by_slack_id(session, slack_user_id=uid)
    return store.for_person(session, person_id=person.id)


def summaries_to(sb, uid):
    return [m for m in sb.dm_messages(uid) if m.get("bot_id") and m["text"].startswith("Your team")]


def test_a_manager_gets_one_summary_when_the_period_closes_with_who_did_not_answer(world):
    sb, services, ids = world.sb, world.services, world.ids
    maria = ids["maria@acme.test"]
    run_tick(services, now=PROMPTED)
    answer(
        services, ids["ana@acme.test"], {"mood": "2", "progress": "Billing", "blockers": "DBA access <!here>"}
    )
    answer(services, ids["bo@acme.test"], {"mood": "4", "progress": "Emails", "help": "A review"})
    answer(services, ids["chen@acme.test"], {"mood": "5", "progress": "Docs"})
    run_tick(services, now=utc(2026, 11, 26, 12))  # still open in some time zones: nothing yet
    assert summaries_to(sb, maria) == []
    run_tick(services, now=CLOSED)
    run_tick(services, now=CLOSED)  # a second tick, and a second process, send nothing more
    (summary,) = wait_for(lambda: summaries_to(sb, maria))
    shown = str(summary["blocks"])
    assert "3 of 4 answered (75%)" in shown
    assert f"*Not answered yet:* <@{ids['dee@acme.test']}>" in shown
    assert "mood* 3.7" in shown
    assert "DBA access &lt;!here&gt;" in shown and "<!here>" not in shown  # blockers quoted, escaped
    assert "Waiting for your reply:" in shown  # nobody replied yet
    (chart,) = wait_for(lambda: sb.files(maria))
    assert chart["mimetype"] == "image/png" and chart["bytes"][:8] == b"\x89PNG\r\n\x1a\n"
    assert chart["thread_ts"] == summary["ts"]
    assert sb.problems == []


def test_the_hr_channel_gets_team_figures_and_no_individual_answers(world, sandbox):
    sb, services, ids = world.sb, world.services, world.ids
    # A second team, far east: same cadence (same period key), closing hours before Platform
    tokyo = slack_users(sandbox, {"kenji@acme.test": "Asia/Tokyo", "yui@acme.test": "Asia/Tokyo"})
    rows = [
        ["kenji@acme.test", "", "Tokyo", "manager", ""],
        ["yui@acme.test", "kenji@acme.test", "Tokyo", "", ""],
    ]
    assert import_org(services, csv_text(rows)).ok
    joined(services, utc(2026, 11, 14))
    hr = sb.add_channel("hr-pulse")
    sb.slash_command(ids["chen@acme.test"], "/checkins", f"summary channel <#{hr}|hr-pulse>")
    wait_for(lambda: "Only HR admins" in sb.transcript(ids["chen@acme.test"]))
    outside = sb.add_channel("hr-old", app_member=False)
    sb.slash_command(ids["dee@acme.test"], "/checkins", f"summary channel <#{outside}|hr-old>")
    wait_for(lambda: f"I am not in <#{outside}>: invite me" in str(sb.ephemerals(ids["dee@acme.test"])))
    sb.slash_command(ids["dee@acme.test"], "/checkins", f"summary channel <#{hr}|hr-pulse>")
    wait_for(lambda: "no individual answers" in sb.transcript(ids["dee@acme.test"]))
    run_tick(services, now=PROMPTED)
    answer(
        services,
        ids["ana@acme.test"],
        {"mood": "2", "progress": "Secret billing", "blockers": "Confidential"},
    )
    answer(services, ids["bo@acme.test"], {"mood": "4", "progress": "x"})
    answer(services, ids["chen@acme.test"], {"mood": "3", "progress": "y", "help": "Pairing"})
    answer(services, tokyo["yui@acme.test"], {"mood": "1", "progress": "z", "blockers": "Alone"})
    run_tick(services, now=utc(2026, 11, 27, 6))  # Tokyo's period has closed, Platform's not yet
    assert sb.channel_messages(hr) == []
    run_tick(services, now=CLOSED)
    run_tick(services, now=CLOSED)
    (post,) = wait_for(lambda: sb.channel_messages(hr))
    shown = str(post)
    platform = "*Platform* (4 people): 75% answered (3 of 4) · mood 3.0 · 1 with blockers · 1 asking for help"
    assert platform in shown
    # one answer in Tokyo: its "team mood" would be Yui's own
    assert "*Tokyo* (1 people): 100% answered (1 of 1) · too few answers to show mood" in shown
    for secret in ("Secret billing", "Confidential", "Alone", "Pairing", "Ana", "Yui", *ids.values()):
        assert secret not in shown


def test_an_empty_team_gets_no_summary(world, sandbox):
    sb, services = world.sb, world.services
    ids = slack_users(sandbox, {"new.lead@acme.test": "UTC", "new.hire@acme.test": "UTC"})
    report = import_org(
        services,
        csv_text(
            [
                ["new.lead@acme.test", "", "Growth", "manager", ""],
                ["new.hire@acme.test", "new.lead@acme.test", "Growth", "", ""],
            ]
        ),
    )
    assert report.ok
    joined(services, utc(2026, 11, 14))
    with services.session() as session:  # the new hire joined after this period opened: not asked yet
        people.get_by_email(session, email="new.hire@acme.test").created_at = utc(2026, 11, 21)
    run_tick(services, now=PROMPTED)
    run_tick(services, now=CLOSED)
    wait_for(lambda: summaries_to(sb, world.ids["maria@acme.test"]))  # the other team's did go out
    assert summaries_to(sb, ids["new.lead@acme.test"]) == []
    assert summaries_to(sb, world.ids["ana@acme.test"]) == []  # no reports: no summary
    summary_flows.send_now(services, now=utc(2026, 11, 22), emails=["new.lead@acme.test"])
    assert summaries_to(sb, ids["new.lead@acme.test"]) == []


def test_a_manager_of_managers_sees_each_sub_team_in_aggregate_only(world, sandbox):
    sb, services, ids = world.sb, world.services, world.ids
    vp = slack_users(sandbox, {"vp@acme.test": "UTC"})["vp@acme.test"]
    report = import_org(
        services,
        csv_text(
            [
                ["vp@acme.test", "", "Leads", "manager", ""],
                ["maria@acme.test", "vp@acme.test", "Platform", "manager", ""],
            ]
        ),
    )
    assert report.ok, report.errors
    joined(services, utc(2026, 11, 14))
    run_tick(services, now=PROMPTED)
    answer(services, ids["ana@acme.test"], {"mood": "1", "progress": "x", "blockers": "Burnout risk"})
    answer(services, ids["bo@acme.test"], {"mood": "3", "progress": "y"})
    answer(services, ids["chen@acme.test"], {"mood": "5", "progress": "z"})
    answer(services, ids["maria@acme.test"], {"mood": "4", "progress": "Hiring"})
    run_tick(services, now=CLOSED)
    (summary,) = wait_for(lambda: summaries_to(sb, vp))
    shown = str(summary["blocks"])
    assert "1 of 1 answered (100%)" in shown  # Maria, the VP's one report
    assert (
        "*Teams under you:*" in shown and "Maria's team: 3 of 4 answered, mood 3.0, 1 with blockers" in shown
    )
    assert "Burnout risk" not in shown and ids["ana@acme.test"] not in shown


def test_summary_send_now_covers_the_period_so_far_and_goals_at_risk_and_pending_approvals(world):
    sb, services, ids = world.sb, world.services, world.ids
    maria = ids["maria@acme.test"]
    run_tick(services, now=PROMPTED)
    answer(services, ids["bo@acme.test"], {"mood": "4", "progress": "Emails"})
    now = utc(2026, 11, 22, 12)
    first = summary_flows.send_now(services, now=now)
    again = summary_flows.send_now(services, now=now)
    assert (first.sent, again.sent) == (1, 0)
    (summary,) = wait_for(lambda: summaries_to(sb, maria))
    assert "(so far)" in summary["text"] and "1 of 4 answered (25%)" in str(summary["blocks"])
    run_tick(services, now=CLOSED)  # the closing summary still comes
    wait_for(lambda: len(summaries_to(sb, maria)) == 2)


def test_month_summary_goes_out_when_the_month_ends(world):
    sb, services, ids = world.sb, world.services, world.ids
    run_tick(services, now=PROMPTED)
    answer(services, ids["chen@acme.test"], {"mood": "5", "progress": "Docs"})
    run_tick(services, now=utc(2026, 12, 1, 12))
    run_tick(services, now=utc(2026, 12, 1, 12, 1))
    texts = [m["text"] for m in summaries_to(sb, ids["maria@acme.test"])]
    assert sum("November 2026" in t for t in texts) == 1


def _goal(services, uid, title, *, approve_by=None, status=None):
    """A goal proposed by `uid` (and agreed, then marked, when asked), through the goals domain."""
    from domain.goals import decisions, proposals, tracking
    from domain.goals import periods as goal_periods
    from storage import goals as goal_store

    now = utc(2026, 11, 21, 12)
    values = {"title": title, "kind": "process", "period": goal_periods.options(now.date())[0].key}
    with services.session() as session:
        outcome = proposals.save(session, actor_slack_id=uid, metadata="person::", values=values, now=now)
        assert not outcome.errors
        proposal_id = outcome.asks[0][0]
    if approve_by:
        with services.session() as session:
            decisions.decide(
                session, actor_slack_id=approve_by, metadata=f"{proposal_id}:approve", comment="", now=now
            )
    if status:
        with services.session() as session:
            goal_id = goal_store.get_proposal(session, proposal_id=proposal_id).goal_id
            tracking.update_progress(
                session,
                actor_slack_id=uid,
                goal_id=goal_id,
                values={"current": "20", "status": status},
                now=now,
            )


def test_summaries_show_goals_at_risk_and_proposals_waiting_for_the_manager(world):
    sb, services, ids = world.sb, world.services, world.ids
    maria, bo = ids["maria@acme.test"], ids["bo@acme.test"]
    run_tick(services, now=PROMPTED)
    answer(services, bo, {"mood": "4", "progress": "Emails"})
    _goal(services, bo, "Cut support tickets <b>by half</b>", approve_by=maria, status="at_risk")
    _goal(services, ids["chen@acme.test"], "Learn Rust")
    run_tick(services, now=CLOSED)
    (summary,) = wait_for(lambda: summaries_to(sb, maria))
    shown = str(summary["blocks"])
    assert "*Goals:* 1 agreed, 20% on average" in shown
    assert f"*At risk:*\\n• <@{bo}>: Cut support tickets &lt;b&gt;by half&lt;/b&gt; (20%)" in shown
    assert f"*Waiting for your approval:*\\n• <@{ids['chen@acme.test']}>: Learn Rust (new goal)" in shown


def test_the_quarter_summary_covers_the_whole_quarter(world):
    sb, services, ids = world.sb, world.services, world.ids
    maria = ids["maria@acme.test"]
    with services.session() as session:
        for person in people.list_all(session):
            person.created_at = utc(2026, 9, 25)
    run_tick(services, now=utc(2026, 10, 2, 20))  # the quarter's first Friday
    answer(services, ids["ana@acme.test"], {"mood": "2", "progress": "Early October"}, at=utc(2026, 10, 3))
    run_tick(services, now=utc(2027, 1, 2, 12))  # long after: the quarter's (and December's) summary
    quarter = wait_for(lambda: [m for m in summaries_to(sb, maria) if "Q4 2026" in m["text"]])
    assert len(quarter) == 1
    assert "1 of 4 check-ins answered" in quarter[0]["text"]  # its first week included


def test_the_hr_channel_goes_on_posting_after_its_chooser_is_deleted_and_the_other_admins_are_told_once(
    world, database_url, tmp_path
):
    from tests.support import cli_env, run_cli

    sb, services, ids = world.sb, world.services, world.ids
    dee, chen = ids["dee@acme.test"], ids["chen@acme.test"]
    with services.session() as session:  # a second HR admin, who stays
        people.get_by_email(session, email="chen@acme.test").role = "admin"
    hr = sb.add_channel("hr-pulse")
    sb.slash_command(dee, "/checkins", f"summary channel <#{hr}|hr-pulse>")
    wait_for(lambda: "no individual answers" in sb.transcript(dee))

    done = run_cli(["file", "delete", "dee@acme.test", "--yes"], cli_env(sb, database_url), tmp_path)
    assert done.returncode == 0, done.stderr
    (told,) = [m for m in sb.dm_messages(chen) if "has left" in m["text"]]
    assert f"the HR summary channel (<#{hr}>)" in told["text"] and "/checkins summary channel" in told["text"]
    assert "Dee" not in told["text"] and dee not in str(told)  # the erased are not named again

    run_tick(services, now=PROMPTED)
    answer(services, ids["ana@acme.test"], {"mood": "2", "progress": "x"})
    run_tick(services, now=CLOSED)
    run_tick(services, now=CLOSED)
    (post,) = wait_for(lambda: sb.channel_messages(hr))
    assert "*Platform*" in str(post)
    assert len([m for m in sb.dm_messages(chen) if "has left" in m["text"]]) == 1  # told once
    assert sb.problems == []


def test_a_daily_team_east_of_utc_has_its_monday_in_the_weeks_summary(world, sandbox):
    """Tokyo checks in every working day at 09:00 (00:00 UTC). The week is summed up on the next Tuesday at
    09:00 UTC, more than 7 days after Monday's period closed: Monday is still part of the week."""
    from domain.feedback import service as feedback_service
    from domain.summaries import service as summaries
    from storage import checkins as store

    sb, services = world.sb, world.services
    tokyo = slack_users(sandbox, {"kenji@acme.test": "Asia/Tokyo", "yui@acme.test": "Asia/Tokyo"})
    kenji, yui = tokyo["kenji@acme.test"], tokyo["yui@acme.test"]
    rows = [
        ["kenji@acme.test", "", "Tokyo", "manager", ""],
        ["yui@acme.test", "kenji@acme.test", "Tokyo", "", ""],
    ]
    assert import_org(services, csv_text(rows)).ok
    sb.slash_command(kenji, "/checkins", "settings")
    wait_for(lambda: sb.open_views(kenji))
    daily = {"template": "standup", "frequency": "daily", "time": "09:00"}
    assert sb.submit_view(kenji, daily).status == 200
    wait_for(lambda: sb.open_views(kenji) == [])
    joined(services, utc(2026, 11, 17))
    with services.session() as session:
        for cadence in store.cadences(session).values():
            cadence.updated_at = utc(2026, 11, 17)
    for day in range(23, 28):  # Monday 23 to Friday 27 November, 09:00 in Tokyo
        run_tick(services, now=utc(2026, 11, day, 0, 0))
    with services.session() as session:  # on Monday in Tokyo: an answer, and feedback for Yui
        yuis = people.get_by_slack_id(session, slack_user_id=yui)
        monday = store.get_for(session, person_id=yuis.id, period_key="d:2026-11-23")
        assert monday is not None
        done = checkin_service.submit(
            session,
            slack_user_id=yui,
            checkin_id=monday.id,
            answers={"yesterday": "Setup", "today": "Demo", "on_track": "yes"},
            now=utc(2026, 11, 23, 3),
        )
        assert not done.errors
        given = feedback_service.give(
            session, giver_slack_id=kenji, recipient_slack_id=yui, text="Great demo", now=utc(2026, 11, 23, 3)
        )
        assert not given.errors

    sent_at = utc(2026, 12, 1, 9, 0)  # the week is over everywhere
    with services.session() as session:
        (cycle,) = [
            c
            for m, c, _ in summaries.due(session, now=sent_at)
            if m.slack_user_id == kenji and c.kind == "period"
        ]
    assert cycle.key == "dw:2026-11-23"
    assert (cycle.starts, cycle.ends) == (
        utc(2026, 11, 23, 0),
        utc(2026, 11, 30, 0),
    )  # Monday to Friday's close
    run_tick(services, now=sent_at)
    weekly = lambda: [m for m in summaries_to(sb, kenji) if "week" in m["text"]]  # noqa: E731
    (summary,) = wait_for(weekly)
    assert summary["text"].startswith("Your team, daily check-ins of the week of Mon 23 Nov:")
    assert "*feedback received* 1" in str(summary["blocks"])  # given on Monday
