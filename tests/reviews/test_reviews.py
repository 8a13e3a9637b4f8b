"""End-of-cycle reviews through the sandbox: invitations once, the self-assessment, the manager's assessment,
revision and agreement, draft goals for next quarter and the plan in check-ins; who may do what."""

import logging
from datetime import datetime, timedelta

from click.testing import CliRunner

from bot.cli import cli
from domain.core.delivery import STALE_CLAIM
from domain.goals import periods as goal_periods
from domain.reviews.assessment import submit_assessment, submit_self
from domain.reviews.cycles import ledger_key, parse_cycle, previous_cycle
from domain.reviews.service import INVITATION, due_invitations
from schedules import per_person
from schedules.jobs import run_tick
from storage import file_entries, people, sends
from storage import goals as goal_store
from storage import reviews as review_store
from storage.models import Goal, GoalStatus
from storage.types import utcnow
from tests.conftest import BOT_TOKEN, SIGNING_SECRET
from tests.support import joined, utc, wait_for

QUARTER = goal_periods.options(utcnow().date())[0]  # this quarter: the cycle the tests review
NEXT = goal_periods.options(utcnow().date())[1]
LAST = parse_cycle(previous_cycle(utcnow().date()))  # the quarter that ended last
REPORTS = ["ana@acme.test", "bo@acme.test", "chen@acme.test", "dee@acme.test"]


def person(services, email):
    with services.session() as session:
        found = people.get_by_email(session, email=email)
        session.expunge(found)
        return found


def agreed_goal(services, email, title, period=QUARTER) -> int:
    """An agreed goal of the quarter (how it got agreed is tests/goals/test_goals.py's business)."""
    owner = person(services, email)
    with services.session() as session:
        goal = goal_store.add(
            session,
            goal=Goal(
                person_id=owner.id,
                team=owner.team,
                title=title,
                kind="process",
                current=60.0,
                period=period.key,
                starts_on=period.starts_on,
                due_on=period.ends_on,
                status=GoalStatus.active.value,
                version=1,
            ),
        )
        return goal.id


def review_of(services, email, cycle=QUARTER.key):
    with services.session() as session:
        found = review_store.get_for(session, person_id=person(services, email).id, cycle=cycle)
        if found is not None:
            session.expunge(found)
        return found


def review_entries(services, email) -> list[tuple[str, dict]]:
    with services.session() as session:
        entries = file_entries.list_for(session, person_id=person(services, email).id)
        return [(e.data.get("step"), e.data) for e in entries if e.kind == "review"]


def goals_of(services, email) -> list[Goal]:
    with services.session() as session:
        rows = goal_store.of_person(
            session, person_id=person(services, email).id, ending_on_or_after=utcnow().date()
        )
        for row in rows:
            session.expunge(row)
        return list(rows)


def bot_dms(sb, uid, containing=""):
    return [m for m in sb.dm_messages(uid) if m.get("bot_id") and containing in m["text"]]


def modal(sb, uid, callback_id):
    """The modal on top once it is the one expected (a finished one may still be open under it)."""
    return wait_for(lambda: [v for v in sb.open_views(uid)[-1:] if v.get("callback_id") == callback_id])[0]


def start(services, emails=None) -> int:
    """This quarter's invitations, as the scheduler sends them: a job per person through schedules/per_person,
    which the workers run. Once every one is sent: the number of jobs added."""
    now = utcnow()
    with services.session() as session:
        due = due_invitations(session, now=now, cycle=QUARTER.key, emails=emails, send_now=True)
    added = per_person.enqueue(services, [per_person.of_invitation(i) for i in due], now=now)
    pairs = [(i.person.id, ledger_key(i.cycle)) for i in due]

    def sent() -> bool:
        with services.session() as session:
            rows = sends.rows(session, kind=INVITATION, pairs=pairs)
            return all(p in rows and rows[p].state == "sent" for p in pairs)

    wait_for(sent)
    return added


def self_assess(sb, uid, goal_ids, **values):
    sb.click(uid, "review_self_open")
    modal(sb, uid, "review_self_submit")
    answers = {"went_well": "Shipped the importer", "to_improve": "Estimate better"}
    for goal_id in goal_ids:
        answers.update({f"goal_{goal_id}_result": "Mostly done", f"goal_{goal_id}_rating": "4"})
    return sb.submit_view(uid, {**answers, **values})


def assess(sb, uid, goal_ids, plan=("Run the design reviews", "Pair on estimates"), **values):
    view = modal(sb, uid, "review_assess_submit")
    answers = {"overall": "A strong quarter", "diagnosis": "Great delivery; estimates slipped twice"}
    for goal_id in goal_ids:
        answers.update({f"goal_{goal_id}_rating": "3", f"goal_{goal_id}_comment": "Solid"})
    answers.update({f"plan_{n}": item for n, item in enumerate(plan, start=1)})
    return sb.submit_view(uid, {**answers, **values}, view_id=view["id"])


def to_assessed(world, email="ana@acme.test"):
    """Ana's review of the quarter, self-assessed and assessed by Maria: waiting for Ana's answer."""
    sb, services, ids = world.sb, world.services, world.ids
    uid, maria = ids[email], ids["maria@acme.test"]
    goal_id = agreed_goal(services, email, "Cut build time in half")
    start(services, emails=[email])
    wait_for(lambda: bot_dms(sb, uid, "Time to review"))
    assert self_assess(sb, uid, [goal_id]).ok
    wait_for(lambda: bot_dms(sb, maria, "Ana sent their self-assessment"))
    sb.click(maria, "review_assess_open")
    assert assess(sb, maria, [goal_id]).ok
    wait_for(lambda: bot_dms(sb, uid, "The assessment of your"))
    return goal_id, review_of(services, email)


# --- the whole review ------------------------------------------------------------------------------------


def test_a_review_from_invitation_to_an_agreed_plan_that_seeds_next_quarter(world):
    sb, services, ids = world.sb, world.services, world.ids
    ana, maria = ids["ana@acme.test"], ids["maria@acme.test"]
    goal_id = agreed_goal(services, "ana@acme.test", "Cut build time in half")
    agreed_goal(
        services, "ana@acme.test", "Next year's thing", period=goal_periods.options(utcnow().date())[5]
    )

    # started twice (the CLI, then again): one invitation each
    assert start(services) == 4
    assert start(services) == 0
    (invitation,) = wait_for(lambda: bot_dms(sb, ana, "Time to review"))
    assert f"{QUARTER.label}" in invitation["text"] and "1 goal of the quarter" in str(invitation["blocks"])
    for email in REPORTS:
        assert len(bot_dms(sb, ids[email], "Time to review")) == 1
    assert bot_dms(sb, maria, "Time to review") == []  # no manager, no review
    with services.session() as session:
        assert sends.count(session, kind=INVITATION, state="sent") == 4

    # the self-assessment: one form per goal of the quarter; bad input answered inline, nothing kept
    sb.click(ana, "review_self_open")
    view = modal(sb, ana, "review_self_submit")
    inputs = [b["block_id"] for b in view["blocks"] if b["type"] == "input"]
    assert inputs == [f"goal_{goal_id}_result", f"goal_{goal_id}_rating", "went_well", "to_improve"]
    bad = sb.submit_view(
        ana, {f"goal_{goal_id}_result": "   ", f"goal_{goal_id}_rating": "4", "went_well": " "}
    )
    assert bad.error == "client_validation"  # to_improve left empty: Slack's client says so
    bad = sb.submit_view(
        ana,
        {
            f"goal_{goal_id}_result": "   ",
            f"goal_{goal_id}_rating": "4",
            "went_well": " ",
            "to_improve": "Estimate better",
        },
    )
    assert bad.json["errors"] == {
        f"goal_{goal_id}_result": "Say what came of this goal.",
        "went_well": "Say what went well.",
    }
    assert review_of(services, "ana@acme.test").status == "invited"
    assert [s for s, _ in review_entries(services, "ana@acme.test")] == ["invited"]
    assert sb.submit_view(
        ana, {f"goal_{goal_id}_result": "Builds take 6 min, from 13", "went_well": "Caching"}
    ).ok
    wait_for(lambda: "went to Maria" in str(sb.open_views(ana)))

    # the manager gets it, and assesses it; a plan is required
    (to_maria,) = wait_for(lambda: bot_dms(sb, maria, "Ana sent their self-assessment"))
    assert "Builds take 6 min, from 13" in str(to_maria["blocks"]) and "4 · above expectations" in str(
        to_maria
    )
    sb.click(maria, "review_assess_open")
    bad = assess(sb, maria, [goal_id], plan=())
    assert list(bad.json["errors"]) == ["plan_1"] and "at least one item" in bad.json["errors"]["plan_1"]
    assert assess(sb, maria, [goal_id], plan=("Run the design reviews", "Pair on estimates")).ok
    assert "review_assess_open" not in str(
        wait_for(lambda: [m for m in bot_dms(sb, maria) if "went to Ana" in str(m)])
    )

    # Ana asks for a revision; Maria revises and resends
    (plan_dm,) = wait_for(lambda: bot_dms(sb, ana, "The assessment of your"))
    assert "Great delivery" in str(plan_dm["blocks"]) and "review_agree" in str(plan_dm)
    sb.click(ana, "review_revise")
    modal(sb, ana, "review_revise_submit")
    assert sb.submit_view(ana, {"comment": "  "}).json["errors"] == {"comment": "Say what should change."}
    assert sb.submit_view(ana, {"comment": "Add mentoring Leo"}).ok
    (revision,) = wait_for(lambda: bot_dms(sb, maria, "Ana asks you to revise"))
    assert "Add mentoring Leo" in str(revision["blocks"])
    wait_for(lambda: "You asked for a revision" in str(sb.dm_messages(ana)))
    sb.click(maria, "review_assess_open")
    view = modal(sb, maria, "review_assess_submit")
    prefilled = {
        b["block_id"]: b["element"].get("initial_value") for b in view["blocks"] if b["type"] == "input"
    }
    assert prefilled["plan_1"] == "Run the design reviews" and prefilled["diagnosis"].startswith("Great")
    assert sb.submit_view(maria, {"plan_3": "Mentor Leo"}, view_id=view["id"]).ok
    wait_for(lambda: len(bot_dms(sb, ana, "The assessment of your")) == 2)
    (revised,) = bot_dms(sb, maria, "asks you to revise")
    assert "Your revised assessment went to Ana" in str(revised) and "review_assess_open" not in str(revised)
    assert review_of(services, "ana@acme.test").version == 2

    # the first version can no longer be agreed to
    sb.send_dm(ana, "ok")
    assert sb.forge_action(ana, "review_agree", f"{review_of(services, 'ana@acme.test').id}:1").ok
    wait_for(lambda: "revised this plan since" in sb.transcript(ana))
    assert review_of(services, "ana@acme.test").status == "assessed"

    # agreement: the plan becomes draft goals for next quarter, and comes up in check-ins
    sb.click(ana, "review_agree")
    wait_for(lambda: "Agreed. The plan is now 3 draft goal(s)" in sb.transcript(ana))
    wait_for(lambda: bot_dms(sb, maria, "Ana agreed to the plan"))
    drafts = [g for g in goals_of(services, "ana@acme.test") if g.status == "draft"]
    assert [(g.title, g.kind, g.period, g.due_on) for g in drafts] == [
        (title, "growth", NEXT.key, NEXT.ends_on)
        for title in ("Run the design reviews", "Pair on estimates", "Mentor Leo")
    ]
    assert review_of(services, "ana@acme.test").draft_goal_ids == [g.id for g in drafts]
    assert "review_agree" not in str(bot_dms(sb, ana, "The assessment of your"))  # answered: no buttons left

    sb.slash_command(ana, "/checkins", "")
    wait_for(lambda: "Check in now" in sb.transcript(ana))
    sb.click(ana, "checkin_open")
    view = modal(sb, ana, "checkin_submit")
    assert "agreed in your last review" in str(view["blocks"][1]) and "• Mentor Leo" in str(view["blocks"][1])

    # a draft is proposed with /goals, like any goal
    sb.slash_command(ana, "/goals", "")
    wait_for(lambda: "Mentor Leo" in str(sb.ephemerals(ana)))
    sb.click(ana, "goal_edit", str(drafts[2].id))
    modal(sb, ana, "goal_submit")
    assert sb.submit_view(ana, {}).ok
    wait_for(
        lambda: [
            m for m in bot_dms(sb, maria) if "proposes a new goal" in m["text"] and "Mentor Leo" in m["text"]
        ]
    )

    # every step, in order, in Ana's file
    steps = review_entries(services, "ana@acme.test")
    assert [s for s, _ in steps] == [
        "invited",
        "self_assessment",
        "manager_assessment",
        "revision_asked",
        "manager_assessment",
        "agreed",
    ]
    data = dict(steps[:2] + steps[-1:])
    assert data["self_assessment"]["goals"][0]["rating"] == 4
    assert data["self_assessment"]["went_well"] == "Caching"
    assert steps[4][1]["plan"] == ["Run the design reviews", "Pair on estimates", "Mentor Leo"]
    assert data["agreed"]["next_cycle"] == NEXT.key and len(data["agreed"]["draft_goal_ids"]) == 3
    assert sb.problems == []


# --- the schedule and the CLI ------------------------------------------------------------------------------


def test_invitations_go_out_when_the_quarter_ends_where_each_person_is_and_only_once(world):
    sb, services, ids = world.sb, world.services, world.ids
    with services.session() as session:
        for someone in people.list_all(session):
            someone.created_at = utc(2026, 11, 14)
        late = people.get_by_email(session, email="dee@acme.test")
        late.created_at = utc(2027, 1, 1, 6, 0)  # joined after the quarter ended in New York: no review

    def invited():
        return {e for e in REPORTS if bot_dms(sb, ids[e], "Time to review Q4 2026")}

    run_tick(services, now=utc(2027, 1, 1, 0, 59))  # 09:59 on 1 January in Tokyo
    assert invited() == set()
    run_tick(services, now=utc(2027, 1, 1, 1, 0))  # 10:00 in Tokyo
    assert wait_for(lambda: invited() == {"chen@acme.test"})
    run_tick(services, now=utc(2027, 1, 1, 9, 0))  # 10:00 in Berlin (pinned by the CSV)
    run_tick(services, now=utc(2027, 1, 1, 9, 1))
    assert invited() == {"chen@acme.test", "bo@acme.test"}
    run_tick(services, now=utc(2027, 1, 4, 12, 0))  # missed while down: still sent, days later
    assert invited() == {"chen@acme.test", "bo@acme.test", "ana@acme.test"}
    run_tick(services, now=utc(2027, 1, 5, 12, 0))
    assert all(len(bot_dms(sb, ids[e], "Time to review")) == 1 for e in invited())
    assert review_of(services, "ana@acme.test", cycle="2026-Q4").status == "invited"
    assert review_of(services, "dee@acme.test", cycle="2026-Q4") is None


def review_start(sb, database_url):
    """`checkins review start ARGS` as an operator runs it, against the sandbox and the test's database."""
    env = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": sb.api_url,
        "DATABASE_URL": database_url,
    }
    return lambda *args: CliRunner().invoke(cli, ["review", "start", *args], env=env)


def test_checkins_review_start_invites_now_once_and_explains_refusals(world, database_url):
    sb, ids = world.sb, world.ids
    joined(world.services, utc(LAST.starts_on.year, LAST.starts_on.month, LAST.starts_on.day))
    run = review_start(sb, database_url)

    result = run("--cycle", LAST.key, "--user", "ana@acme.test")
    assert result.exit_code == 0
    assert result.output == "1 review invitation(s) sent; 0 not needed (already invited)\n"
    result = run("--cycle", LAST.key)  # Ana was invited already
    assert result.exit_code == 0 and "3 review invitation(s) sent" in result.output
    assert len(bot_dms(sb, ids["ana@acme.test"], "Time to review")) == 1
    assert review_of(world.services, "ana@acme.test", cycle=LAST.key).status == "invited"
    result = run("--user", "maria@acme.test")
    assert (
        result.exit_code == 2
        and "maria@acme.test has no review: inactive, or has no manager" in result.output
    )
    result = run("--user", "nobody@acme.test")
    assert result.exit_code == 2 and "nobody@acme.test is not in the org" in result.output
    result = run("--cycle", "2026-11")
    assert result.exit_code == 2 and "'2026-11' is not a quarter" in result.output
    assert "*" + LAST.label + "* is over: time to look back" in str(bot_dms(sb, ids["ana@acme.test"]))
    # a quarter not over yet: no one is told it is
    result = run("--cycle", QUARTER.key)
    assert result.exit_code == 2
    assert f"{QUARTER.label} is not over yet (its last day is {QUARTER.ends_on:%Y-%m-%d})" in result.output
    result = run("--cycle", NEXT.key, "--early")
    assert result.exit_code == 2 and f"{NEXT.label} has not started yet" in result.output
    assert run("--early").exit_code == 2
    assert review_of(world.services, "ana@acme.test") is None
    # unless asked to start it early: then the invitation says when it ends
    result = run("--cycle", QUARTER.key, "--early", "--user", "bo@acme.test")
    assert result.exit_code == 0, result.output
    assert f"*{QUARTER.label}* ends on {QUARTER.ends_on:%A %-d %B}: time to look back" in str(
        bot_dms(sb, ids["bo@acme.test"], QUARTER.label)
    )


def test_review_start_reports_slacks_refusals_for_now_and_for_good_with_their_reason(world, database_url):
    """Each invitation is a job; Slack's refusal is in the ledger: a transient one is retried after its
    back-off (said when), any other is final. Either way the status is 1."""
    sb, ids = world.sb, world.ids
    joined(world.services, utc(LAST.starts_on.year, LAST.starts_on.month, LAST.starts_on.day))
    sb.inject_error("chat.postMessage", "internal_error", channel=ids["ana@acme.test"])
    sb.inject_error("chat.postMessage", "channel_not_found", channel=ids["bo@acme.test"])
    started = utcnow()
    result = review_start(sb, database_url)("--cycle", LAST.key)
    assert result.exit_code == 1, result.output
    [sent, for_now, for_good] = result.output.splitlines()
    assert sent == "2 review invitation(s) sent; 0 not needed (already invited)"
    head, _, names = for_now.partition("): ")
    assert (
        head.startswith("1 failed for now (retried by a rerun from ")
        and names == "ana@acme.test (internal_error)"
    )
    at = datetime.strptime(head.split(" from ")[1].split()[0], "%H:%M:%S").time()
    assert (
        started + sends.RETRY_AFTER_FAILURE - timedelta(seconds=1)
        <= datetime.combine(started.date(), at, started.tzinfo)
        < started + STALE_CLAIM
    )
    assert for_good == "1 failed for good: bo@acme.test (channel_not_found)"
    assert {e for e in REPORTS if bot_dms(sb, ids[e], "Time to review")} == {
        "chen@acme.test",
        "dee@acme.test",
    }


def test_review_start_by_default_reviews_the_quarter_that_ended_last_with_people_there_before_its_end(
    world, database_url
):
    sb, services, ids = world.sb, world.services, world.ids
    run = review_start(sb, database_url)
    # everyone was imported today: no one was there in the quarter that ended last
    result = run()
    assert result.output == "0 review invitation(s) sent; 0 not needed (already invited)\n"
    assert not any(bot_dms(sb, ids[e], "Time to review") for e in REPORTS)
    # Ana and Bo were there before it ended; the others joined since
    with services.session() as session:
        for email in ("ana@acme.test", "bo@acme.test"):
            people.get_by_email(session, email=email).created_at = utc(
                LAST.ends_on.year, LAST.ends_on.month, LAST.ends_on.day
            )
    result = run("--wait", "5")
    assert result.exit_code == 0, result.output
    assert result.output == "2 review invitation(s) sent; 0 not needed (already invited)\n"
    assert {e for e in REPORTS if bot_dms(sb, ids[e], "Time to review")} == {"ana@acme.test", "bo@acme.test"}
    assert review_of(services, "ana@acme.test", cycle=LAST.key).status == "invited"
    assert review_of(services, "chen@acme.test", cycle=LAST.key) is None


# --- who may do what ---------------------------------------------------------------------------------------


def test_forged_actions_and_metadata_from_a_colleague_are_refused_and_change_nothing(world, caplog):
    sb, services, ids = world.sb, world.services, world.ids
    ana, chen = ids["ana@acme.test"], ids["chen@acme.test"]
    goal_id = agreed_goal(services, "ana@acme.test", "Cut build time in half")
    start(services)
    wait_for(lambda: bot_dms(sb, chen, "Time to review"))
    review = review_of(services, "ana@acme.test")
    caplog.set_level(logging.WARNING)
    for action, value, refusal in (
        ("review_self_open", str(review.id), "That review is not yours"),
        ("review_assess_open", str(review.id), "Only Ana's manager or an HR admin can assess"),
        ("review_agree", f"{review.id}:0", "Only Ana can agree to their review's plan"),
        ("review_revise", f"{review.id}:0", "Only Ana can agree to their review's plan"),
    ):
        assert sb.forge_action(chen, action, value).ok
        wait_for(lambda r=refusal: r in sb.transcript(chen))
    assert not sb.open_views(chen)
    # Chen opens his own self-assessment and submits it dressed up as Ana's
    sb.click(chen, "review_self_open")
    modal(sb, chen, "review_self_submit")
    reply = sb.submit_view(chen, {"went_well": "x", "to_improve": "y"}, forge_metadata=str(review.id))
    assert reply.json["errors"] == {
        "went_well": "That review is not yours: only its person writes their self-assessment."
    }
    assert any("not theirs" in r.getMessage() for r in caplog.records)
    # later, with Ana's self-assessment at Maria's: Chen's forged assessment is refused too
    assert self_assess(sb, ana, [goal_id]).ok
    wait_for(lambda: review_of(services, "ana@acme.test").status == "self_assessed")
    assert sb.forge_action(chen, "review_assess_open", str(review.id)).ok
    wait_for(lambda: sb.transcript(chen).count("Only Ana's manager or an HR admin can assess") == 2)
    assert review_of(services, "ana@acme.test").status == "self_assessed"
    assert review_of(services, "chen@acme.test").status == "invited"
    assert [s for s, _ in review_entries(services, "ana@acme.test")] == ["invited", "self_assessment"]
    assert [s for s, _ in review_entries(services, "chen@acme.test")] == ["invited"]


def test_only_the_manager_or_an_admin_assesses_and_only_the_person_agrees(world):
    sb, services, ids = world.sb, world.services, world.ids
    ana, maria, dee = ids["ana@acme.test"], ids["maria@acme.test"], ids["dee@acme.test"]
    goal_id = agreed_goal(services, "ana@acme.test", "Cut build time in half")
    start(services, emails=["ana@acme.test"])
    wait_for(lambda: bot_dms(sb, ana, "Time to review"))
    review = review_of(services, "ana@acme.test")
    # not before her self-assessment
    sb.send_dm(maria, "hi")
    assert sb.forge_action(maria, "review_assess_open", str(review.id)).ok
    wait_for(lambda: "Ana has not sent their self-assessment yet." in sb.transcript(maria))
    assert self_assess(sb, ana, [goal_id]).ok
    wait_for(lambda: bot_dms(sb, maria, "Ana sent their self-assessment"))
    # Ana cannot do her manager's step
    assert sb.forge_action(ana, "review_assess_open", str(review.id)).ok
    wait_for(lambda: "Only Ana's manager or an HR admin can assess" in sb.transcript(ana))
    # an HR admin may
    sb.send_dm(dee, "hi")
    assert sb.forge_action(dee, "review_assess_open", str(review.id)).ok
    assert assess(sb, dee, [goal_id]).ok
    wait_for(lambda: bot_dms(sb, ana, "The assessment of your"))
    # and Maria cannot agree on Ana's behalf
    assert sb.forge_action(maria, "review_agree", f"{review.id}:1").ok
    wait_for(lambda: "Only Ana can agree to their review's plan" in sb.transcript(maria))
    assert review_of(services, "ana@acme.test").status == "assessed"
    (entry,) = [d for s, d in review_entries(services, "ana@acme.test") if s == "manager_assessment"]
    assert entry["goals"][0]["rating"] == 3


def test_agreeing_twice_creates_the_draft_goals_once_and_an_agreed_review_is_not_reassessed(world):
    sb, services, ids = world.sb, world.services, world.ids
    ana, maria = ids["ana@acme.test"], ids["maria@acme.test"]
    _, review = to_assessed(world)
    sb.click(ana, "review_agree")
    wait_for(lambda: "Agreed. The plan is now 2 draft goal(s)" in sb.transcript(ana))
    assert sb.forge_action(ana, "review_agree", f"{review.id}:{review.version}").ok
    wait_for(lambda: "You agreed to this review's plan already" in sb.transcript(ana))
    assert len([g for g in goals_of(services, "ana@acme.test") if g.status == "draft"]) == 2
    assert [s for s, _ in review_entries(services, "ana@acme.test")].count("agreed") == 1
    # nor can it be revised or re-assessed now
    assert sb.forge_action(ana, "review_revise", f"{review.id}:{review.version}").ok
    wait_for(lambda: sb.transcript(ana).count("You agreed to this review's plan already") == 2)
    assert sb.forge_action(maria, "review_assess_open", str(review.id)).ok
    wait_for(
        lambda: "Ana agreed to this review already: it cannot be assessed again." in sb.transcript(maria)
    )
    assert review_of(services, "ana@acme.test").version == 1
    assert not [v for v in sb.open_views(maria) if v.get("callback_id") == "review_assess_submit"]


def test_a_form_submitted_twice_saves_once_and_the_second_is_refused_inline(world):
    sb, services, ids = world.sb, world.services, world.ids
    ana, maria = ids["ana@acme.test"], ids["maria@acme.test"]
    goal_id = agreed_goal(services, "ana@acme.test", "Cut build time in half")
    start(services, emails=["ana@acme.test"])
    wait_for(lambda: bot_dms(sb, ana, "Time to review"))
    review = review_of(services, "ana@acme.test")
    answers = {
        f"goal_{goal_id}_result": "Done",
        f"goal_{goal_id}_rating": "5",
        "went_well": "a",
        "to_improve": "b",
    }

    def submitted_elsewhere(submit, actor, values):
        """The same form sent a first time (another device, a double click) while this one is open."""
        with services.session() as session:
            assert not submit(
                session, actor_slack_id=actor, metadata=f"{review.id}:0", values=values, now=utcnow()
            ).errors

    sb.click(ana, "review_self_open")
    modal(sb, ana, "review_self_submit")
    submitted_elsewhere(submit_self, ana, answers)
    reply = sb.submit_view(ana, answers)
    assert reply.json["errors"] == {
        "went_well": "Your self-assessment was sent already: it is with your manager."
    }
    assert [s for s, _ in review_entries(services, "ana@acme.test")] == ["invited", "self_assessment"]

    sb.send_dm(maria, "hi")
    sb.forge_action(maria, "review_assess_open", str(review.id))
    modal(sb, maria, "review_assess_submit")
    assessment = {f"goal_{goal_id}_rating": "3", "overall": "o", "diagnosis": "d", "plan_1": "p"}
    submitted_elsewhere(submit_assessment, maria, assessment)
    reply = sb.submit_view(maria, assessment)
    assert "This assessment was sent already" in reply.json["errors"]["overall"]
    assert review_of(services, "ana@acme.test").version == 1
    steps = [s for s, _ in review_entries(services, "ana@acme.test")]
    assert steps == ["invited", "self_assessment", "manager_assessment"]


def test_long_and_malicious_answers_are_escaped_and_fit_every_message(world):
    sb, services, ids = world.sb, world.services, world.ids
    ana, maria = ids["ana@acme.test"], ids["maria@acme.test"]
    goal_id = agreed_goal(services, "ana@acme.test", "Beat <!channel> & <@U0FAKE>")
    start(services, emails=["ana@acme.test"])
    wait_for(lambda: bot_dms(sb, ana, "Time to review"))
    nasty = "<!channel> & <@U0FAKE> " * 100
    assert self_assess(
        sb,
        ana,
        [goal_id],
        went_well=("&" * 3000),
        to_improve=nasty[:3000],
        **{f"goal_{goal_id}_result": "&" * 1000},
    ).ok
    (to_maria,) = wait_for(lambda: bot_dms(sb, maria, "Ana sent their self-assessment"))
    assert "<!channel>" not in str(to_maria) and "<@U0FAKE>" not in str(to_maria)
    sb.click(maria, "review_assess_open")
    assert assess(
        sb, maria, [goal_id], plan=["&" * 200] * 5, overall="<!here> " * 300, diagnosis="&" * 3000
    ).ok
    (plan_dm,) = wait_for(lambda: bot_dms(sb, ana, "The assessment of your"))
    assert "<!here>" not in str(plan_dm) and "&amp;" * 100 in str(plan_dm)
    sb.click(ana, "review_agree")
    wait_for(lambda: len([g for g in goals_of(services, "ana@acme.test") if g.status == "draft"]) == 5)
    assert sb.problems == []
