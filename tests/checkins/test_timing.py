"""Answering early, and prompts at sensible times: held back by a holiday or a pause until the prompt time of
the next working day, and not sent when their period is about to close."""

from datetime import date, timedelta

import pytest

from domain.checkins import service
from schedules.jobs import run_tick
from storage import checkins as store
from storage import people
from storage.types import utcnow
from tests.support import joined, utc, wait_for

REPORTS = ["ana@acme.test", "bo@acme.test", "chen@acme.test", "dee@acme.test"]


@pytest.fixture
def world(world):
    joined(world.services, utc(2026, 11, 14))
    return world


def prompts(sb, uid):
    return [
        m for m in sb.dm_messages(uid) if m.get("bot_id") and m["text"].startswith("Time for your check-in")
    ]


def answer_now(world, email, progress):
    sb, uid = world.sb, world.ids[email]
    before = len(sb.open_views(uid))
    assert sb.slash_command(uid, "/checkins", "now").status == 200
    view = wait_for(lambda: sb.open_views(uid) if len(sb.open_views(uid)) > before else None)[-1]
    reply = sb.submit_view(uid, {"mood": "4", "progress": progress})
    assert reply.status == 200 and sb.open_views(uid) == []
    return view


def test_answering_early_suppresses_that_periods_prompt(world):
    sb, services, chen = world.sb, world.services, world.ids["chen@acme.test"]
    with services.session() as session:
        current = service.current_period(
            session, people.get_by_email(session, email="chen@acme.test"), utcnow()
        )
    this_one = answer_now(world, "chen@acme.test", "This week's")
    next_one = answer_now(world, "chen@acme.test", "Next week's, before my day off")
    assert this_one["blocks"][0] != next_one["blocks"][0]  # each names its own period
    with services.session() as session:
        chen_row = people.get_by_email(session, email="chen@acme.test")
        checkins = store.for_person(session, person_id=chen_row.id)
    assert [(c.status, c.answers["progress"]) for c in checkins] == [
        ("submitted", "This week's"),
        ("submitted", "Next week's, before my day off"),
    ]
    assert checkins[1].opens_at == current.closes
    run_tick(services, now=current.closes + timedelta(hours=15))  # the next period open for everyone
    assert prompts(sb, chen) == []
    assert all(len(prompts(sb, world.ids[e])) == 1 for e in REPORTS if e != "chen@acme.test")


def test_someone_without_a_manager_cannot_answer_early(world):
    sb, maria = world.sb, world.ids["maria@acme.test"]
    sb.slash_command(maria, "/checkins", "now")
    wait_for(lambda: "You have no check-ins" in sb.transcript(maria))
    assert sb.open_views(maria) == []


def test_a_prompt_held_by_a_pause_comes_at_the_prompt_time_of_the_next_working_day(world):
    sb, services, ana = world.sb, world.services, world.ids["ana@acme.test"]
    with services.session() as session:
        people.get_by_email(session, email="ana@acme.test").paused_until = date(2026, 11, 20)
        store.add_holiday(session, day=date(2026, 11, 23), name="Company day off")
    run_tick(services, now=utc(2026, 11, 21, 3, 1))  # Saturday 00:01 in São Paulo: the pause is over
    run_tick(services, now=utc(2026, 11, 23, 13, 0))  # Monday, a holiday
    run_tick(services, now=utc(2026, 11, 24, 12, 59))  # Tuesday 09:59
    assert prompts(sb, ana) == []
    run_tick(services, now=utc(2026, 11, 24, 13, 0))  # Tuesday 10:00
    assert len(prompts(sb, ana)) == 1


def test_a_prompt_is_not_sent_when_its_period_is_about_to_close(world):
    sb, services, ids = world.sb, world.services, world.ids
    # Thursday: this week's period (Friday to Friday) closes within a quarter of its length
    run_tick(services, now=utc(2026, 11, 26, 12, 0))
    assert all(prompts(sb, ids[e]) == [] for e in REPORTS)
    with services.session() as session:
        assert (
            store.for_person(session, person_id=people.get_by_email(session, email="ana@acme.test").id) == []
        )
    run_tick(services, now=utc(2026, 11, 27, 16, 0))  # the next period's go out as usual
    assert all(len(prompts(sb, ids[e])) == 1 for e in REPORTS)


def test_someone_who_paused_mid_period_is_shown_as_paused_not_as_not_answering(world):
    sb, services, ids = world.sb, world.services, world.ids
    run_tick(services, now=utc(2026, 11, 20, 20))  # everyone prompted
    for email in ("ana@acme.test", "bo@acme.test"):
        with services.session() as session:
            person = people.get_by_email(session, email=email)
            (checkin,) = store.for_person(session, person_id=person.id)
            result = service.submit(
                session,
                slack_user_id=ids[email],
                checkin_id=checkin.id,
                answers={"mood": "3", "progress": "Work"},
                now=utc(2026, 11, 21, 9),
            )
            assert not result.errors
    with services.session() as session:
        service.pause(
            session, slack_user_id=ids["dee@acme.test"], until=date(2026, 12, 10), now=utc(2026, 11, 22)
        )
    run_tick(services, now=utc(2026, 11, 28, 12))
    maria = ids["maria@acme.test"]
    (summary,) = wait_for(
        lambda: [m for m in sb.dm_messages(maria) if m.get("bot_id") and m["text"].startswith("Your team")]
    )
    shown = str(summary["blocks"])
    assert f"*Paused or on holiday:* <@{ids['dee@acme.test']}> (paused)" in shown
    assert f"*Not answered yet:* <@{ids['chen@acme.test']}>" in shown
    assert f"<@{ids['dee@acme.test']}>" not in shown.split("*Not answered yet:*")[1].split("'}")[0]
