"""Check-ins through the sandbox: schedule, exactly-once, the conversation, reminders, who may do what."""

import threading
import time
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from bot.app import build_services
from domain.checkins import due as checkin_due
from domain.checkins import flows, service
from domain.checkins import settings as cadence_settings
from domain.core.services import Services
from schedules.jobs import run_tick
from storage import checkins as store
from storage import file_entries, people, sends
from storage.models import TeamCadence
from storage.types import utcnow
from tests.support import joined, tick_now, utc, wait_for

REPORTS = ["ana@acme.test", "bo@acme.test", "chen@acme.test", "dee@acme.test"]


@pytest.fixture
def world(world):
    joined(world.services, utc(2026, 11, 14))  # after last week's prompts, before this week's
    return world


def prompts(sb, uid):
    return [
        m for m in sb.dm_messages(uid) if m.get("bot_id") and m["text"].startswith("Time for your check-in")
    ]


def bot_messages(sb, uid, starts):
    return [m for m in sb.dm_messages(uid) if m.get("bot_id") and m["text"].startswith(starts)]


def file_of(services, email):
    with services.session() as session:
        person = people.get_by_email(session, email=email)
        return list(file_entries.list_for(session, person_id=person.id))


def _person(services, email):
    with services.session() as session:
        return people.get_by_email(session, email=email)


# --- the schedule ------------------------------------------------------------------------------------------


def test_prompts_go_out_at_10_local_in_each_time_zone(world):
    sb, ids = world.sb, world.ids
    run_tick(world.services, now=utc(2026, 11, 20, 0, 59))  # Friday 09:59 in Tokyo: nobody yet
    assert all(prompts(sb, ids[e]) == [] for e in REPORTS)
    run_tick(world.services, now=utc(2026, 11, 20, 1, 0))  # 10:00 in Tokyo
    assert len(prompts(sb, ids["chen@acme.test"])) == 1
    assert all(prompts(sb, ids[e]) == [] for e in REPORTS if e != "chen@acme.test")
    run_tick(world.services, now=utc(2026, 11, 20, 9, 0))  # 10:00 in Berlin (pinned by the CSV)
    assert len(prompts(sb, ids["bo@acme.test"])) == 1
    run_tick(world.services, now=utc(2026, 11, 20, 13, 0))  # 10:00 in São Paulo
    run_tick(world.services, now=utc(2026, 11, 20, 15, 0))  # 10:00 in New York (EST)
    assert [len(prompts(sb, ids[e])) for e in REPORTS] == [1, 1, 1, 1]
    # the manager at the top has nobody to check in with
    assert prompts(sb, ids["maria@acme.test"]) == []
    assert sb.problems == []


def test_prompt_time_follows_daylight_saving_in_new_york(world):
    sb, dee = world.sb, world.ids["dee@acme.test"]
    joined(world.services, utc(2026, 10, 29))
    run_tick(world.services, now=utc(2026, 10, 30, 13, 59))  # EDT: 10:00 is 14:00 UTC
    assert prompts(sb, dee) == []
    run_tick(world.services, now=utc(2026, 10, 30, 14, 0))
    assert len(prompts(sb, dee)) == 1
    run_tick(world.services, now=utc(2026, 11, 6, 14, 30))  # after the change: 10:00 EST is 15:00 UTC
    assert len(prompts(sb, dee)) == 1
    run_tick(world.services, now=utc(2026, 11, 6, 15, 0))
    assert len(prompts(sb, dee)) == 2


def test_a_prompt_missed_while_down_goes_out_on_return_while_its_period_is_open(world):
    sb, ana = world.sb, world.ids["ana@acme.test"]
    run_tick(world.services, now=utc(2026, 11, 24, 12, 0))  # back on Tuesday: this week's still open
    assert len(prompts(sb, ana)) == 1
    with world.services.session() as session:
        (checkin,) = store.for_person(
            session, person_id=people.get_by_email(session, email="ana@acme.test").id
        )
    assert checkin.period_key == "w:2026-11-20"


# --- exactly once -------------------------------------------------------------------------------------------


def test_ticks_repeated_and_in_two_processes_at_once_send_each_prompt_once(world, database_url):
    now = utc(2026, 11, 20, 16, 0)
    other = build_services(world.settings, migrate=False)  # a second app process on the same database
    assert other.holder != world.services.holder
    threads = [
        threading.Thread(target=run_tick, args=(s,), kwargs={"now": now}) for s in (world.services, other)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    run_tick(world.services, now=now + timedelta(minutes=1))
    assert [len(prompts(world.sb, world.ids[e])) for e in REPORTS] == [1, 1, 1, 1]
    other.engine.dispose()


def test_a_send_interrupted_after_slack_took_it_is_not_repeated(world):
    """A process claimed Ana's prompt, Slack accepted it, and the process died before recording it."""
    sb, services = world.sb, world.services
    now = utc(2026, 11, 20, 16, 0)
    with services.session() as session:
        ana = people.get_by_email(session, email="ana@acme.test")
        bo = people.get_by_email(session, email="bo@acme.test")
        period = service.current_period(session, ana, now)
        ana_claim = sends.claim(
            session,
            person_id=ana.id,
            period_key=period.key,
            kind="prompt",
            holder="dead",
            now=now,
            stale_after=flows.STALE_CLAIM,
        )
        bo_period = service.current_period(session, bo, now)
        sends.claim(
            session,
            person_id=bo.id,
            period_key=bo_period.key,
            kind="prompt",
            holder="dead",
            now=now,
            stale_after=flows.STALE_CLAIM,
        )
    # Slack has Ana's (with the ledger id in its metadata); Bo's never left the dead process
    services.gateway.dm(
        ana.slack_user_id,
        {"text": "Time for your check-in (from the dead process)"},
        metadata={"event_type": flows.SEND_EVENT, "event_payload": {"send_id": ana_claim.id}},
    )
    run_tick(services, now=now + timedelta(minutes=1))  # claims still fresh: nobody touches them
    assert len(prompts(sb, ana.slack_user_id)) == 1 and prompts(sb, bo.slack_user_id) == []
    run_tick(services, now=now + flows.STALE_CLAIM + timedelta(minutes=1))
    assert len(prompts(sb, ana.slack_user_id)) == 1  # found in Slack, not sent again
    assert len(prompts(sb, bo.slack_user_id)) == 1  # never reached Slack: sent now
    with services.session() as session:
        assert {s.state for s in sends.for_person(session, person_id=ana.id)} == {"sent"}


def test_a_429_storm_delays_prompts_but_loses_and_repeats_none(world):
    world.sb.inject_ratelimit("chat.postMessage", count=6, retry_after=1)
    report = run_tick(world.services, now=utc(2026, 11, 20, 16, 0))
    assert report.prompts.sent == 4
    assert [len(prompts(world.sb, world.ids[e])) for e in REPORTS] == [1, 1, 1, 1]
    assert sum(1 for c in world.sb.calls_to("chat.postMessage") if c.status == 429) == 6


# --- the conversation ---------------------------------------------------------------------------------------


def _prompt_now(world):
    """This period's prompt, whatever today's date: the handlers check periods against the real clock."""
    tick_now(world.services)


def test_check_in_reply_and_answer_back_all_kept_in_order(world):
    sb, services = world.sb, world.services
    ana, maria = world.ids["ana@acme.test"], world.ids["maria@acme.test"]
    _prompt_now(world)
    (prompt,) = prompts(sb, ana)
    assert sb.click(ana, "checkin_open").status == 200
    wait_for(lambda: sb.open_views(ana))
    reply = sb.submit_view(
        ana,
        {
            "mood": "2",
            "progress": "Billing migration & tests",
            "blockers": "Waiting on <!here> DBA",
            "help": "A review from someone on Data",
        },
    )
    assert reply.status == 200 and sb.open_views(ana) == []
    to_maria = wait_for(lambda: bot_messages(sb, maria, "Ana checked in"))[0]
    assert "needs attention" in to_maria["text"]
    shown = str(to_maria["blocks"])
    assert ":warning: *Anything blocking you?*" in shown and "Waiting on &lt;!here&gt; DBA" in shown
    assert "2 · rough week" in shown
    wait_for(lambda: "You checked in" in str(sb.dm_messages(ana)[0]["blocks"]))  # the prompt now says so

    assert sb.click(maria, "checkin_reply").status == 200
    wait_for(lambda: sb.open_views(maria))
    assert sb.submit_view(maria, {"reply": "Thanks! I'll ping the DBA today."}).status == 200
    in_ana_thread = wait_for(
        lambda: [m for m in sb.dm_messages(ana)[1:] if m.get("thread_ts") == prompt["ts"] and m.get("bot_id")]
    )
    assert "I'll ping the DBA today" in in_ana_thread[0]["text"]

    sb.send_dm(ana, "Thank you, that unblocks me", thread_ts=prompt["ts"])
    wait_for(lambda: [m for m in sb.dm_messages(maria) if "that unblocks me" in m["text"]])
    maria_thread = to_maria["ts"]
    sb.send_dm(maria, "Great, let's pair Monday", thread_ts=maria_thread)
    wait_for(lambda: [m for m in sb.dm_messages(ana) if "pair Monday" in m["text"]])

    kinds = [(e.kind, e.text[:20]) for e in file_of(services, "ana@acme.test")]
    assert kinds[1:] == [
        ("checkin", "Billing migration & "),
        ("manager_reply", "Thanks! I'll ping th"),
        ("message", "Thank you, that unbl"),
        ("manager_reply", "Great, let's pair Mo"),
    ]
    with services.session() as session:
        authors = [e.author_id for e in file_of(services, "ana@acme.test")[1:]]
        maria_id = people.get_by_email(session, email="maria@acme.test").id
        ana_id = people.get_by_email(session, email="ana@acme.test").id
    assert authors == [ana_id, maria_id, ana_id, maria_id]
    assert sb.problems == []


def test_editing_comes_prefilled_updates_the_managers_copy_and_is_kept(world):
    sb = world.sb
    bo, maria = world.ids["bo@acme.test"], world.ids["maria@acme.test"]
    _prompt_now(world)
    sb.click(bo, "checkin_open")
    wait_for(lambda: sb.open_views(bo))
    sb.submit_view(bo, {"mood": "4", "progress": "First draft"})
    wait_for(lambda: bot_messages(sb, maria, "Bo checked in"))
    wait_for(lambda: "Edit check-in" in str(sb.dm_messages(bo)[0]["blocks"]))
    sb.click(bo, "checkin_open")
    view = wait_for(lambda: sb.open_views(bo))[-1]
    progress = next(b for b in view["blocks"] if b.get("block_id") == "progress")
    assert progress["element"]["initial_value"] == "First draft"
    mood = next(b for b in view["blocks"] if b.get("block_id") == "mood")
    assert mood["element"]["initial_option"]["value"] == "4"
    sb.submit_view(bo, {"progress": "Second draft & final"})
    wait_for(lambda: "Second draft &amp; final" in str(bot_messages(sb, maria, "Bo checked in")[0]["blocks"]))
    assert len(bot_messages(sb, maria, "Bo checked in")) == 1  # updated in place
    entries = [e for e in file_of(world.services, "bo@acme.test") if e.kind.startswith("checkin")]
    assert [(e.kind, e.data["changed"]) for e in entries] == [
        ("checkin", ["mood", "progress"]),  # unanswered optional questions are no change
        ("checkin_edit", ["progress"]),
    ]


def test_bad_answers_get_inline_errors_and_nothing_is_lost(world):
    sb, chen = world.sb, world.ids["chen@acme.test"]
    _prompt_now(world)
    sb.click(chen, "checkin_open")
    wait_for(lambda: sb.open_views(chen))
    reply = sb.submit_view(chen, {"mood": "3", "progress": "   "})
    assert reply.json == {"response_action": "errors", "errors": {"progress": "Please answer this one."}}
    assert sb.open_views(chen)  # the modal stays open with the error
    assert [e for e in file_of(world.services, "chen@acme.test") if e.kind == "checkin"] == []


def test_mentions_in_answers_cannot_ping_and_long_answers_fit(world):
    sb, dee, maria = world.sb, world.ids["dee@acme.test"], world.ids["maria@acme.test"]
    _prompt_now(world)
    sb.click(dee, "checkin_open")
    wait_for(lambda: sb.open_views(dee))
    long = "<!channel> <@" + maria + "> " + "&" * 2970
    assert len(long) <= 3000
    sb.submit_view(dee, {"mood": "5", "progress": long, "wins": "<!everyone> shipped"})
    to_maria = wait_for(lambda: bot_messages(sb, maria, "Dee checked in"))[0]
    shown = str(to_maria["blocks"])
    assert "<!channel>" not in shown and "<!everyone>" not in shown and f"<@{maria}> " not in shown
    assert "&lt;!channel&gt;" in shown
    progress = [
        b["text"]["text"] for b in to_maria["blocks"] if b.get("block_id", "").startswith("answer_progress")
    ]
    unescaped = "".join(progress).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    assert unescaped == long  # the manager sees every character, over as many blocks as it takes
    assert sb.problems == []  # Slack took every block as sent
    (entry,) = [e for e in file_of(world.services, "dee@acme.test") if e.kind == "checkin"]
    assert entry.text == long  # the file keeps exactly what was written


# --- who may do what ----------------------------------------------------------------------------------------


def test_nobody_opens_answers_or_replies_to_someone_elses_check_in(world):
    sb, services = world.sb, world.services
    bo = world.ids["bo@acme.test"]
    _prompt_now(world)
    with services.session() as session:
        ana_checkin = store.for_person(
            session, person_id=people.get_by_email(session, email="ana@acme.test").id
        )[0]
    # Bo's client sends Ana's check-in id on his own button
    assert sb.click(bo, "checkin_open", forge_value=str(ana_checkin.id)).status == 200
    wait_for(lambda: "That check-in is not yours." in sb.transcript(bo))
    assert sb.open_views(bo) == []
    # Bo opens his own, then submits it with Ana's id
    sb.click(bo, "checkin_open")
    wait_for(lambda: sb.open_views(bo))
    reply = sb.submit_view(bo, {"mood": "1", "progress": "forged"}, forge_metadata=str(ana_checkin.id))
    assert reply.json["response_action"] == "errors"
    # Bo is not Ana's manager: a Reply on her check-in is refused
    assert sb.forge_action(bo, "checkin_reply", str(ana_checkin.id)).status == 200
    wait_for(lambda: "Only this person's manager or an HR admin" in sb.transcript(bo))
    assert [e for e in file_of(services, "ana@acme.test") if e.kind in ("checkin", "manager_reply")] == []
    with services.session() as session:
        assert store.get(session, checkin_id=ana_checkin.id).status == "prompted"


# --- reminders, skip, pause, holidays -----------------------------------------------------------------------


def test_reminders_reach_only_those_who_have_not_answered(world):
    sb, services, ids = world.sb, world.services, world.ids
    opened = utc(2026, 11, 20, 16, 0)  # everyone's Friday prompt is out
    run_tick(services, now=opened)
    with services.session() as session:
        service.skip(session, slack_user_id=ids["ana@acme.test"], now=opened)
        service.pause(session, slack_user_id=ids["bo@acme.test"], until=date(2026, 11, 22), now=opened)
        chen = people.get_by_email(session, email="chen@acme.test")
        checkin = store.for_person(session, person_id=chen.id)[0]
        checkin.status = "submitted"
    first = run_tick(services, now=opened + timedelta(hours=4, minutes=1))
    assert first.reminders.sent == 1  # only Dee: Ana skipped, Bo paused, Chen answered
    assert len(bot_messages(sb, ids["dee@acme.test"], "A reminder")) == 1
    run_tick(services, now=opened + timedelta(hours=5))
    assert len(bot_messages(sb, ids["dee@acme.test"], "A reminder")) == 1  # once
    # Bo's pause ends; his last call comes before the period closes, as does Dee's
    run_tick(services, now=utc(2026, 11, 26, 16, 0))
    assert len(bot_messages(sb, ids["dee@acme.test"], "Last call")) == 1
    assert len(bot_messages(sb, ids["bo@acme.test"], "Last call")) == 1
    assert bot_messages(sb, ids["ana@acme.test"], "Last call") == []
    assert bot_messages(sb, ids["chen@acme.test"], "Last call") == []


def test_no_prompts_on_a_holiday_or_to_deactivated_people(world):
    sb, services, ids = world.sb, world.services, world.ids
    with services.session() as session:
        store.add_holiday(session, day=date(2026, 11, 20), name="Company day off")
        dee = people.get_by_email(session, email="dee@acme.test")
        dee.active = False
    # Friday the 20th where each person is: Tokyo, Berlin and São Paulo are past 10:00, all on holiday
    run_tick(services, now=utc(2026, 11, 20, 14, 30))
    assert all(prompts(sb, ids[e]) == [] for e in REPORTS)
    # 16:00 UTC is Saturday 01:00 in Tokyo: held prompts wait for the next working day's prompt time
    run_tick(services, now=utc(2026, 11, 20, 16, 0))
    run_tick(services, now=utc(2026, 11, 21, 16, 0))
    assert all(prompts(sb, ids[e]) == [] for e in REPORTS)
    run_tick(services, now=utc(2026, 11, 23, 1, 0))  # Monday 10:00 in Tokyo
    assert [len(prompts(sb, ids[e])) for e in REPORTS] == [0, 0, 1, 0]
    # the others get theirs at 10:00 their time, but never Dee, who left
    run_tick(services, now=utc(2026, 11, 23, 16, 0))
    assert [len(prompts(sb, ids[e])) for e in REPORTS] == [1, 1, 1, 0]


def test_skip_pause_and_resume_from_slack(world):
    sb, services, ana = world.sb, world.services, world.ids["ana@acme.test"]
    sb.slash_command(ana, "/checkins", "pause until 2099-01-01")
    wait_for(lambda: "Pauses last a year at most." in sb.transcript(ana))
    sb.slash_command(ana, "/checkins", "pause until someday")
    wait_for(lambda: "could not read" in sb.transcript(ana))
    sb.slash_command(ana, "/checkins", "pause")  # no day: asked for one, with an example, not the whole help
    example = (utcnow() + timedelta(days=14)).date()
    asked = f"Pause until when? Give the day you are back, e.g. `/checkins pause {example}`."
    wait_for(lambda: asked in sb.transcript(ana))
    assert "I don't know" not in sb.transcript(ana)
    until = (utcnow() + timedelta(days=10)).date()
    sb.slash_command(ana, "/checkins", f"pause until {until}")
    wait_for(lambda: "Check-ins paused until" in sb.transcript(ana))
    run_tick(services, now=utcnow())
    assert prompts(sb, ana) == []
    sb.slash_command(ana, "/checkins", "resume")
    wait_for(lambda: "Check-ins resumed." in sb.transcript(ana))
    sb.slash_command(ana, "/checkins", "skip")
    wait_for(lambda: "Skipped your check-in" in sb.transcript(ana))
    run_tick(services, now=utcnow())
    assert prompts(sb, ana) == []  # skipped this period
    sb.slash_command(ana, "/checkins", "")
    wait_for(lambda: "You skipped the check-in" in sb.transcript(ana))
    notes = [e.text for e in file_of(services, "ana@acme.test") if e.kind == "note"]
    assert notes[0].startswith("Paused check-ins until") and notes[1] == "Resumed check-ins."
    assert notes[2].startswith("Skipped the check-in")


# --- the scheduler ------------------------------------------------------------------------------------------


def test_only_one_of_two_schedulers_runs_and_the_other_takes_over(world):
    from schedules.runner import SchedulerRunner

    second = Services(engine=world.services.engine, gateway=world.services.gateway)
    first = SchedulerRunner(world.services, lease_ttl=timedelta(seconds=1), tick_every=3600)
    other = SchedulerRunner(second, lease_ttl=timedelta(seconds=1), tick_every=3600)
    try:
        first.step()
        other.step()
        assert first.leading and not other.leading
        job = first.scheduler.get_job("checkins.tick")
        assert job is not None and job.trigger.interval == timedelta(hours=1)
        first.stop()  # releases the lease
        other.step()
        assert other.leading and not first.leading
    finally:
        first.stop()
        other.stop()


def test_a_tick_is_a_job_the_workers_run_once_however_often_it_is_added(world):
    from schedules import jobs as scheduled
    from storage import jobs

    # A period opened yesterday, for people there before: the scheduler prompts them whatever the weekday
    # (the default Friday's period is in its last quarter, with no scheduled prompt, for two days a week).
    joined(world.services, utcnow() - timedelta(days=30))
    yesterday = (utcnow() - timedelta(days=1)).weekday()
    with world.services.session() as session:
        session.add(
            TeamCadence(
                team="Platform", frequency="weekly", weekday=yesterday, at_minute=0, first_reminder_hours=4,
                last_reminder_hours=24, updated_at=utcnow() - timedelta(days=30),
            )
        )  # fmt: skip
    scheduled.bind(world.services)
    scheduled.tick()
    scheduled.tick()  # the same minute, or a second scheduler: nothing more
    wait_for(lambda: [len(prompts(world.sb, world.ids[e])) for e in REPORTS] == [1, 1, 1, 1], timeout=20)
    with world.services.session() as session:
        ticks = session.execute(sa.select(jobs.Job.key).where(jobs.Job.kind == scheduled.TICK)).all()
    assert len(ticks) == 1


def test_a_manager_sets_the_teams_cadence_and_prompts_follow_it(world):
    sb, services, ids = world.sb, world.services, world.ids
    ana, maria = ids["ana@acme.test"], ids["maria@acme.test"]
    sb.slash_command(ana, "/checkins", "settings")
    wait_for(lambda: "Only managers and HR admins" in sb.transcript(ana))
    assert sb.open_views(ana) == []

    assert sb.slash_command(maria, "/checkins", "settings").status == 200
    view = wait_for(lambda: sb.open_views(maria))[-1]
    assert "every Friday at 10:00" in str(view["blocks"][0])
    reply = sb.submit_view(
        maria, {"frequency": "weekly", "weekday": "mon", "time": "09:00", "first_reminder": "2"}
    )
    assert reply.status == 200 and sb.open_views(maria) == []
    sb.slash_command(ana, "/checkins", "")
    wait_for(lambda: "every Monday at 09:00" in sb.transcript(ana))

    joined(services, utc(2026, 11, 17))  # after the previous Monday's prompt time
    with services.session() as session:  # and so was the change of cadence, whatever today's date
        for cadence in store.cadences(session).values():
            cadence.updated_at = utc(2026, 11, 17)
    run_tick(services, now=utc(2026, 11, 23, 11, 59))  # Monday 08:59 in São Paulo
    assert prompts(sb, ana) == []
    run_tick(services, now=utc(2026, 11, 23, 12, 0))
    assert len(prompts(sb, ana)) == 1
    run_tick(services, now=utc(2026, 11, 23, 14, 1))  # the first reminder now comes after 2 hours
    assert len(bot_messages(sb, ana, "A reminder")) == 1


def test_a_prompt_sent_late_is_not_chased_at_once(world):
    sb, services, chen = world.sb, world.services, world.ids["chen@acme.test"]
    saturday = utc(2026, 11, 21, 12, 0)  # the Friday prompt goes out a day late (an admin's `checkin send`)
    with services.session() as session:
        due = checkin_due.due_prompts(session, now=saturday, emails=["chen@acme.test"], send_now=True)
    flows.fan_out(services, due, now=saturday)
    run_tick(services, now=saturday + timedelta(minutes=5))
    assert bot_messages(sb, chen, "A reminder") == []
    run_tick(services, now=saturday + timedelta(hours=4, minutes=1))
    assert len(bot_messages(sb, chen, "A reminder")) == 1


def test_a_cadence_change_mid_period_neither_doubles_prompts_nor_leaves_two_check_ins_open(world):
    sb, services, ana = world.sb, world.services, world.ids["ana@acme.test"]
    friday = utc(2026, 11, 20, 16, 0)
    run_tick(services, now=friday)
    assert len(prompts(sb, ana)) == 1
    with services.session() as session:
        saved = cadence_settings.save(
            session,
            slack_user_id=world.ids["maria@acme.test"],
            values={
                "team": "Platform",
                "frequency": "monthly",
                "weekday": "mon",
                "time": "09:00",
                "first_reminder": "4",
                "last_reminder": "24",
            },
            now=friday + timedelta(hours=1),
        )
        assert saved.errors == {}
        assert store.unanswered_open(session, now=friday + timedelta(hours=1)) == []  # closed by the change
    # the monthly period that opened on 2 November was not missed: nothing until the first Monday of December
    run_tick(services, now=friday + timedelta(days=3))
    assert len(prompts(sb, ana)) == 1
    assert bot_messages(sb, ana, "A reminder") == [] and bot_messages(sb, ana, "Last call") == []
    run_tick(services, now=utc(2026, 12, 7, 12, 0))  # Monday 7 December, 09:00 in São Paulo
    assert len(prompts(sb, ana)) == 2


def test_someone_who_already_answered_gets_no_prompt_and_keeps_their_thread(world):
    sb, services, chen = world.sb, world.services, world.ids["chen@acme.test"]
    sb.slash_command(chen, "/checkins", "")
    wait_for(lambda: "Check in now" in sb.transcript(chen))
    sb.click(chen, "checkin_open")  # answers from /checkins before any prompt went out
    wait_for(lambda: sb.open_views(chen))
    sb.submit_view(chen, {"mood": "3", "progress": "Early bird"})
    done = wait_for(lambda: bot_messages(sb, chen, "Checked in"))[0]
    run_tick(services, now=utcnow())
    assert prompts(sb, chen) == []
    with services.session() as session:
        (checkin,) = store.for_person(
            session, person_id=people.get_by_email(session, email="chen@acme.test").id
        )
    assert checkin.prompt_ts == done["ts"]


def test_after_a_reorg_the_former_manager_hears_nothing_more(world, sandbox):
    from tests.support import TEAM_CSV, import_org

    sb, services = world.sb, world.services
    ana, maria, bo = world.ids["ana@acme.test"], world.ids["maria@acme.test"], world.ids["bo@acme.test"]
    _prompt_now(world)
    sb.click(ana, "checkin_open")
    wait_for(lambda: sb.open_views(ana))
    sb.submit_view(ana, {"mood": "3", "progress": "Before the reorg"})
    wait_for(lambda: bot_messages(sb, maria, "Ana checked in"))
    # Ana now reports to Bo
    report = import_org(
        services, TEAM_CSV.replace("ana@acme.test,maria@acme.test", "ana@acme.test,bo@acme.test")
    )
    assert report.ok and report.updated == 2  # Ana moved; Bo became a manager
    prompt = prompts(sb, ana) or [m for m in sb.dm_messages(ana) if m.get("metadata")]
    sb.send_dm(ana, "private note after the reorg", thread_ts=prompt[0]["ts"])
    sb.click(ana, "checkin_open")
    wait_for(lambda: sb.open_views(ana))
    sb.submit_view(ana, {"progress": "After the reorg, edited"})
    wait_for(lambda: bot_messages(sb, bo, "Ana checked in"))  # the new manager gets it fresh
    time.sleep(0.2)
    to_maria = str(sb.dm_messages(maria))
    assert "private note after the reorg" not in to_maria and "After the reorg, edited" not in to_maria


def test_a_claim_taken_over_is_no_longer_the_old_holders(engine):
    from storage.db import session_scope
    from storage.models import Person

    now = utc(2026, 11, 20, 12, 0)
    with session_scope(engine) as session:
        person = people.save(session, person=Person(slack_user_id="U0000000A", email="a@x.test", name="A"))
        first = sends.claim(
            session,
            person_id=person.id,
            period_key="w:2026-11-20",
            kind="prompt",
            holder="A",
            now=now,
            stale_after=flows.STALE_CLAIM,
        )
        assert first is not None and not first.retaken
        assert (
            sends.claim(
                session,
                person_id=person.id,
                period_key="w:2026-11-20",
                kind="prompt",
                holder="B",
                now=now + timedelta(minutes=1),
                stale_after=flows.STALE_CLAIM,
            )
            is None
        )
        later = now + flows.STALE_CLAIM + timedelta(minutes=1)
        second = sends.claim(
            session,
            person_id=person.id,
            period_key="w:2026-11-20",
            kind="prompt",
            holder="B",
            now=later,
            stale_after=flows.STALE_CLAIM,
        )
        assert second is not None and second.retaken and second.id == first.id
        # A wakes up: its claim is gone, so it must not post, and cannot mark anything
        assert sends.confirm(session, send_id=first.id, holder="A", now=later) is False
        sends.mark_sent(session, send_id=first.id, holder="A", channel="D1", ts="1.0", now=later)
        assert sends.for_person(session, person_id=person.id)[0].state == "claimed"
        assert sends.confirm(session, send_id=second.id, holder="B", now=later) is True


def test_a_permanent_failure_settles_and_a_transient_one_is_retried(engine):
    from storage.db import session_scope
    from storage.models import Person

    now = utc(2026, 11, 20, 12, 0)
    key = {"period_key": "w:2026-11-20", "kind": "prompt", "stale_after": flows.STALE_CLAIM}
    with session_scope(engine) as session:
        gone = people.save(session, person=Person(slack_user_id="U0000000B", email="b@x.test", name="B"))
        busy = people.save(session, person=Person(slack_user_id="U0000000C", email="c@x.test", name="C"))
        for person, permanent in ((gone, True), (busy, False)):
            claim = sends.claim(session, person_id=person.id, holder="A", now=now, **key)
            sends.mark_failed(session, send_id=claim.id, holder="A", error="x", permanent=permanent)
        settled = sends.settled(session, kind="prompt", period_keys=["w:2026-11-20"])
        assert settled == {(gone.id, "w:2026-11-20")}
        soon = now + timedelta(minutes=1)
        assert sends.claim(session, person_id=busy.id, holder="A", now=soon, **key) is None  # backing off
        retry = sends.claim(
            session, person_id=busy.id, holder="A", now=now + sends.RETRY_AFTER_FAILURE * 2, **key
        )
        assert retry is not None and retry.retaken


def test_a_deactivation_in_slack_stops_prompts_at_once(world):
    sb, services, dee = world.sb, world.services, world.ids["dee@acme.test"]
    sb.update_user(dee, deleted=True)
    assert sb.announce_user_change(dee).status == 200
    wait_for(lambda: not _person(services, "dee@acme.test").active)
    run_tick(services, now=utc(2026, 11, 20, 16, 0))
    assert prompts(sb, dee) == []
    assert len(prompts(sb, world.ids["ana@acme.test"])) == 1


def test_team_cadence_rights_come_from_managing_the_team(world, sandbox):
    from tests.support import csv_text, import_org, slack_users

    services = world.services
    ids = slack_users(sandbox, {"rd.lead@acme.test": "UTC", "rd.dev@acme.test": "UTC"})
    report = import_org(
        services,
        csv_text(
            [
                ["rd.lead@acme.test", "", "R&D", "manager", ""],
                ["rd.dev@acme.test", "rd.lead@acme.test", "R&D", "", ""],
            ]
        ),
    )
    assert report.ok
    lead, maria = ids["rd.lead@acme.test"], world.ids["maria@acme.test"]
    # Maria manages Platform, not R&D: refused from the command and on a forged submission
    sandbox.slash_command(maria, "/checkins", "settings R&D")
    wait_for(lambda: "You can set the schedule of Platform only." in sandbox.transcript(maria))
    with services.session() as session:
        refused = cadence_settings.save(
            session,
            slack_user_id=maria,
            values={
                "team": "R&D",
                "frequency": "weekly",
                "weekday": "mon",
                "time": "09:00",
                "first_reminder": "4",
                "last_reminder": "24",
            },
            now=utcnow(),
        )
    assert refused.errors == {"frequency": "You can set the schedule of the teams you manage only."}
    # the R&D lead sets R&D's, "&" and all
    sandbox.slash_command(lead, "/checkins", "settings")
    wait_for(lambda: sandbox.open_views(lead))
    assert sandbox.submit_view(lead, {"weekday": "tue"}).status == 200
    with services.session() as session:
        assert store.cadences(session)["R&D"].weekday == 1
        assert "Platform" not in store.cadences(session)


def test_hr_admins_keep_company_holidays_from_slack(world):
    sb, services, ids = world.sb, world.services, world.ids
    ana, dee = ids["ana@acme.test"], ids["dee@acme.test"]  # Dee is an HR admin
    sb.slash_command(ana, "/checkins", "holiday add 2026-12-24 Christmas Eve")
    wait_for(lambda: "Only HR admins can change company holidays." in sb.transcript(ana))
    sb.slash_command(dee, "/checkins", "holiday add 2026-12-24 Christmas & <!channel>")
    wait_for(lambda: "Company holiday on 2026-12-24 added" in sb.transcript(dee))
    sb.slash_command(dee, "/checkins", "holiday add 2026-12-24 Christmas Eve")  # the day has one: renamed
    wait_for(lambda: "Company holiday on 2026-12-24 renamed from Christmas" in sb.transcript(dee), timeout=15)
    assert "renamed from Christmas &amp; &lt;!channel&gt; to Christmas Eve." in str(sb.ephemerals(dee))
    sb.slash_command(dee, "/checkins", "holiday add 2026-12-24 Christmas & <!channel>")
    wait_for(
        lambda: "renamed from Christmas Eve to Christmas" in sb.transcript(dee), timeout=15
    )  # under load
    sb.slash_command(dee, "/checkins", "holiday add 24/12/2026")
    wait_for(lambda: "could not read" in sb.transcript(dee))
    with services.session() as session:
        assert [(h.day, h.name) for h in store.holidays(session)] == [
            (date(2026, 12, 24), "Christmas & <!channel>")
        ]
    sb.slash_command(ana, "/checkins", "holidays")
    wait_for(lambda: "2026-12-24 Christmas &amp; &lt;!channel&gt;" in str(sb.ephemerals(ana)))
    sb.slash_command(dee, "/checkins", "holiday remove 2026-12-24")
    wait_for(lambda: "Holiday on 2026-12-24 removed." in sb.transcript(dee))


def test_a_long_429_storm_delays_a_fan_out_but_drops_nothing(world):
    # more refusals in a row than the client's own retries (10) ride out
    world.sb.inject_ratelimit("chat.postMessage", count=14, retry_after=1)
    report = run_tick(world.services, now=utc(2026, 11, 20, 16, 0))
    assert (report.prompts.sent, report.prompts.failed) == (4, 0)
    assert [len(prompts(world.sb, world.ids[e])) for e in REPORTS] == [1, 1, 1, 1]


def test_a_refused_prompt_is_counted_as_failed_not_as_already_sent(world):
    with world.services.session() as session:  # an id Slack does not know: it refuses the post
        ana = people.get_by_email(session, email="ana@acme.test")
        ana.slack_user_id = "U0GONE0000"
        ana_id = ana.id
        due = checkin_due.due_prompts(session, now=utc(2026, 11, 20, 16, 0), send_now=True)
    report = flows.fan_out(world.services, due, now=utc(2026, 11, 20, 16, 0))
    assert (report.sent, report.failed, report.not_sent) == (3, 1, 1)
    assert report.errors == [f"person {ana_id}: channel_not_found"]  # by internal id: these reach logs


def test_newcomers_failed_prompts_are_retried_by_the_scheduler_like_everyones(world):
    """`checkin send` reached everyone, newcomers too, and Slack refused each prompt with a transient error:
    the scheduler retries all of them while the period is open, whenever they joined."""
    now = utc(2026, 11, 20, 16, 0)  # Friday, past 10:00 everywhere: every period has opened
    with world.services.session() as session:
        for email in ("ana@acme.test", "bo@acme.test"):  # joined this morning, after their period opened
            _person_in(session, email).created_at = utc(2026, 11, 20, 15, 30)
    with world.services.session() as session:
        due = checkin_due.due_prompts(session, now=now - timedelta(minutes=10), send_now=True)
        assert len(due) == 4
        for d in due:  # what a failed `checkin send` leaves in the ledger
            claim = sends.claim(
                session,
                person_id=d.person.id,
                period_key=d.period.key,
                kind="prompt",
                holder="cli",
                now=now - timedelta(minutes=10),
                stale_after=flows.STALE_CLAIM,
            )
            sends.mark_failed(session, send_id=claim.id, holder="cli", error="ratelimited", permanent=False)
    report = run_tick(world.services, now=now)
    assert (report.prompts.sent, report.prompts.failed) == (4, 0)
    assert [len(prompts(world.sb, world.ids[e])) for e in REPORTS] == [1, 1, 1, 1]
    # all sent now: nobody is due again
    with world.services.session() as session:
        assert checkin_due.due_prompts(session, now=now) == []


def _person_in(session, email):
    return people.get_by_email(session, email=email)
