"""Anonymous questions through the sandbox: said so under the question, kept apart from the check-in, the
file and the manager's DM, and shown only as counts and averages of 3 or more (fewer: the unit test)."""

from datetime import timedelta
from types import SimpleNamespace as NS

import pytest

from domain.checkins import service
from domain.checkins.anonymous import figures
from domain.checkins.questions import Question
from schedules.jobs import run_tick
from storage import checkins as store
from storage import file_entries, people
from storage.types import utcnow
from tests.support import joined, tick_now, utc, wait_for

SAFE = "how_safe_do_you_feel_raising_problems"


@pytest.fixture
def world(world):
    joined(world.services, utc(2026, 11, 14))
    return world


def pulse(world):
    sb, dee, maria = world.sb, world.ids["dee@acme.test"], world.ids["maria@acme.test"]
    sb.slash_command(dee, "/checkins", "template new Pulse")
    wait_for(lambda: sb.open_views(dee))
    text = "long* | What did you work on?\nscale* anonymous | How safe do you feel raising problems?"
    assert sb.submit_view(dee, {"questions": text}).status == 200
    sb.slash_command(maria, "/checkins", "settings")
    wait_for(lambda: [v for v in sb.open_views(maria) if v["title"]["text"] == "Check-in schedule"])
    assert sb.submit_view(maria, {"template": "pulse"}).status == 200


def answer(world, email, work, safe):
    sb, uid = world.sb, world.ids[email]
    sb.click(uid, "checkin_open")
    view = wait_for(lambda: sb.open_views(uid))[-1]
    assert sb.submit_view(uid, {"what_did_you_work_on": work, SAFE: safe}).status == 200
    return view


def test_anonymous_answers_stay_out_of_the_check_in_file_and_dm_and_show_only_in_aggregate(world):
    sb, services, ids = world.sb, world.services, world.ids
    ana, maria = ids["ana@acme.test"], ids["maria@acme.test"]
    pulse(world)
    tick_now(services)
    view = answer(world, "ana@acme.test", "Docs", "1")
    assert "Anonymous: nobody reads your answer" in str(view["blocks"])
    to_maria = wait_for(lambda: [m for m in sb.dm_messages(maria) if m["text"].startswith("Ana checked in")])[
        0
    ]
    assert "How safe" not in str(to_maria)
    with services.session() as session:
        ana_row = people.get_by_email(session, email="ana@acme.test")
        (checkin,) = store.for_person(session, person_id=ana_row.id)
        entries = [e for e in file_entries.list_for(session, person_id=ana_row.id) if e.kind == "checkin"]
        current = service.current_period(session, ana_row, utcnow())
    assert checkin.answers == {"what_did_you_work_on": "Docs", "_anonymous": [SAFE]}
    assert SAFE not in entries[0].data["answers"]
    # editing asks it no more: it cannot be changed, nor counted twice
    sb.click(ana, "checkin_open")
    again = wait_for(lambda: sb.open_views(ana))[-1]
    assert [b["block_id"] for b in again["blocks"] if b["type"] == "input"] == ["what_did_you_work_on"]
    sb.submit_view(ana, {"what_did_you_work_on": "Docs, and tests"})

    answer(world, "bo@acme.test", "Emails", "4")
    answer(world, "chen@acme.test", "Docs", "4")
    run_tick(services, now=current.closes + timedelta(days=1))
    summaries = wait_for(
        lambda: [
            m for m in sb.dm_messages(maria) if m.get("bot_id") and "Anonymous answers" in str(m["blocks"])
        ]
    )
    shown = str(summaries[0]["blocks"])
    assert "How safe do you feel raising problems?: average 3.0 of 5 (3 answers)" in shown
    assert len(summaries) == 1


def test_three_anonymous_answers_are_shown_as_an_average_and_fewer_not_at_all():
    safe = Question("safe", "Safe?", kind="scale", audience="anonymous")
    focus = Question("focus", "Focus?", kind="choice", options=(("a", "Delivery"), ("b", "Growth")))
    rows = [NS(template_id=1, question_id="safe", value=v) for v in ("1", "4", "4")]
    rows += [NS(template_id=1, question_id="focus", value=v) for v in ("a", "b")]
    (shown,) = figures(rows, {1: (safe, focus)})
    assert (shown.label, shown.count, shown.text) == ("Safe?", 3, "average 3.0 of 5")
    rows += [NS(template_id=2, question_id="focus", value="a")]  # the same question in another version
    assert [f.text for f in figures(rows, {1: (safe, focus), 2: (focus,)})][1] == "Delivery 2 · Growth 1"
