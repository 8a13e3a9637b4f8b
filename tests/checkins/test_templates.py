"""Question templates through the sandbox: a team's choice, versions that keep old answers as asked, and
answers checked against the questions the check-in asks."""

import copy

import pytest

from domain.checkins import service, templates
from domain.checkins.questions import Question
from sandbox.driver import VERIFICATION_TOKEN
from storage import checkins as store
from storage import file_entries, people
from storage.types import utcnow
from tests.support import joined, tick_now, utc, wait_for


@pytest.fixture
def world(world):
    joined(world.services, utc(2026, 11, 14))
    return world


def bot_messages(sb, uid, starts):
    return [m for m in sb.dm_messages(uid) if m.get("bot_id") and m["text"].startswith(starts)]


def inputs(view):
    return [b["block_id"] for b in view["blocks"] if b["type"] == "input"]


def choose(world, slug):
    sb, maria = world.sb, world.ids["maria@acme.test"]
    assert sb.slash_command(maria, "/checkins", "settings").status == 200
    view = wait_for(lambda: sb.open_views(maria))[-1]
    template = next(b for b in view["blocks"] if b.get("block_id") == "template")
    assert template["element"]["initial_option"]["value"] == "weekly"
    offered = [o["value"] for o in template["element"]["options"]]
    assert offered[0] == "weekly" and {"standup", "monthly", "retro"} <= set(offered)
    assert sb.submit_view(maria, {"template": slug}).status == 200
    assert sb.open_views(maria) == []


def open_checkin(world, email):
    sb, uid = world.sb, world.ids[email]
    sb.click(uid, "checkin_open")
    return wait_for(lambda: sb.open_views(uid))[-1]


def test_a_team_switched_to_the_standup_template_is_asked_its_questions(world):
    sb, services = world.sb, world.services
    ana, maria = world.ids["ana@acme.test"], world.ids["maria@acme.test"]
    choose(world, "standup")
    tick_now(services)
    view = open_checkin(world, "ana@acme.test")
    assert inputs(view) == ["yesterday", "today", "blockers", "on_track"]
    on_track = next(b for b in view["blocks"] if b.get("block_id") == "on_track")
    assert [o["value"] for o in on_track["element"]["options"]] == ["yes", "no"]
    reply = sb.submit_view(ana, {"yesterday": "Fixed the importer", "today": "Ship it", "on_track": "no"})
    assert reply.status == 200 and sb.open_views(ana) == []
    to_maria = wait_for(lambda: bot_messages(sb, maria, "Ana checked in"))[0]
    shown = str(to_maria["blocks"])
    assert "*On track for the week?* No" in shown and "Fixed the importer" in shown
    assert "mood" not in shown and "needs attention" not in to_maria["text"]
    with services.session() as session:
        ana_row = people.get_by_email(session, email="ana@acme.test")
        (checkin,) = store.for_person(session, person_id=ana_row.id)
        assert checkin.mood is None and checkin.answers["on_track"] == "no"
        (entry,) = [e for e in file_entries.list_for(session, person_id=ana_row.id) if e.kind == "checkin"]
    assert entry.text == "Fixed the importer"
    assert entry.data["questions"]["today"] == "What will you do today?"
    # Bo, in the same team, was not prompted before the switch either: his check-in asks the same
    assert inputs(open_checkin(world, "bo@acme.test"))[0] == "yesterday"


def test_an_edited_template_leaves_last_weeks_answers_and_their_questions_as_they_were(world):
    sb, services = world.sb, world.services
    chen = world.ids["chen@acme.test"]
    tick_now(services)
    view = open_checkin(world, "chen@acme.test")
    assert inputs(view) == ["mood", "progress", "wins", "blockers", "help"]
    sb.submit_view(chen, {"mood": "4", "progress": "The importer"})
    wait_for(lambda: bot_messages(sb, chen, "Checked in") or "You checked in" in str(sb.dm_messages(chen)))
    with services.session() as session:
        edited = (
            Question("mood", "Your energy this week?", kind="scale", required=True),
            Question("progress", "What shipped?", required=True),
        )
        assert templates.edit(session, slug="weekly", name="Weekly", questions=edited, now=utcnow()) == 2
    with services.session() as session:
        chen_row = people.get_by_email(session, email="chen@acme.test")
        (checkin,) = store.for_person(session, person_id=chen_row.id)
        asked = templates.questions_of(templates.of_checkin(session, checkin))
        assert [q.label for q in asked][:2] == [
            "How are you feeling about work?",
            "What did you make progress on?",
        ]
        assert checkin.answers["progress"] == "The importer"
    # reopening last week's to edit it asks the questions it answered, not the new ones
    view = open_checkin(world, "chen@acme.test")
    assert inputs(view) == ["mood", "progress", "wins", "blockers", "help"]
    progress = next(b for b in view["blocks"] if b.get("block_id") == "progress")
    assert progress["label"]["text"] == "What did you make progress on?"
    sb.submit_view(chen, {"progress": "The importer, shipped"})
    with services.session() as session:
        # next period's check-in asks version 2
        nxt = service.checkin_for(
            session,
            chen_row,
            service.Period(key="w:2099-01-02", opens=utcnow(), closes=utcnow().replace(year=2099)),
        )
        assert [q.label for q in templates.questions_of(templates.of_checkin(session, nxt))] == [
            "Your energy this week?",
            "What shipped?",
        ]
        entries = [
            e for e in file_entries.list_for(session, person_id=chen_row.id) if e.kind.startswith("checkin")
        ]
    assert [e.data["questions"]["progress"] for e in entries] == ["What did you make progress on?"] * 2


def test_a_check_in_from_before_templates_reads_as_the_weekly_one(world):
    with world.services.session() as session:
        ana = people.get_by_email(session, email="ana@acme.test")
        checkin = store.ensure(
            session,
            person_id=ana.id,
            period_key="w:2026-01-02",
            opens_at=utc(2026, 1, 2),
            closes_at=utc(2026, 1, 9),
        )
        assert checkin.template_id is None
        row = templates.of_checkin(session, checkin)
        assert (row.slug, row.version) == ("weekly", 1)
        assert [q.id for q in templates.questions_of(row)] == ["mood", "progress", "wins", "blockers", "help"]


def _forge(sb, uid, view, values):
    """A view submission with answers the modal never had, as a tampered client could send it."""
    view = copy.deepcopy(view)
    state = {}
    for block_id, value in values.items():
        state[block_id] = {"answer": {"type": "plain_text_input", "value": value}}
    state["mood"] = {
        "answer": {"type": "static_select", "selected_option": {"value": values.get("mood", "4")}}
    }
    view["state"] = {"values": state}
    payload = {
        "type": "view_submission",
        "team": sb._team(),
        "user": sb._user_ref(uid),
        "api_app_id": sb.ws.app_id,
        "token": VERIFICATION_TOKEN,
        "trigger_id": "1.2.3",
        "view": view,
        "response_urls": [],
    }
    return sb.send_payload("interactivity", payload)


def test_a_forged_answer_to_a_question_not_asked_is_refused_and_nothing_kept(world):
    sb, services, dee = world.sb, world.services, world.ids["dee@acme.test"]
    choose(world, "standup")
    tick_now(services)
    view = open_checkin(world, "dee@acme.test")
    reply = _forge(sb, dee, view, {"yesterday": "a", "today": "b", "on_track": "yes", "mood": "1"})
    assert reply.json == {
        "response_action": "errors",
        "errors": {"yesterday": "This check-in does not ask that; nothing was saved."},
    }
    reply = sb.submit_view(dee, {"yesterday": "a", "today": "b", "on_track": "yes"})
    assert reply.status == 200
    with services.session() as session:
        dee_row = people.get_by_email(session, email="dee@acme.test")
        (checkin,) = store.for_person(session, person_id=dee_row.id)
    assert checkin.answers == {"yesterday": "a", "today": "b", "blockers": "", "on_track": "yes"}


def test_hr_admins_copy_edit_and_archive_templates_from_slack(world):
    sb, services = world.sb, world.services
    ana, dee, maria = world.ids["ana@acme.test"], world.ids["dee@acme.test"], world.ids["maria@acme.test"]
    sb.slash_command(ana, "/checkins", "template copy standup Mine")
    wait_for(lambda: "Only HR admins manage check-in templates." in sb.transcript(ana))
    assert sb.open_views(ana) == []

    sb.slash_command(dee, "/checkins", "template copy standup Platform standup")
    view = wait_for(lambda: sb.open_views(dee))[-1]
    text = next(b for b in view["blocks"] if b.get("block_id") == "questions")["element"]["initial_value"]
    assert text.startswith("long* team | What did you get done yesterday?")
    reply = sb.submit_view(dee, {"questions": text + "\nessay | Nope"})
    assert reply.json["response_action"] == "errors" and "Line 5" in reply.json["errors"]["questions"]
    reply = sb.submit_view(dee, {"questions": text + "\nnumber* | Tickets closed"})
    assert reply.status == 200
    wait_for(lambda: sb.open_views(dee) == [] or "Template saved" in str(sb.open_views(dee)))

    choose(world, "platform-standup")
    tick_now(services)
    assert inputs(open_checkin(world, "ana@acme.test")) == [
        "yesterday",
        "today",
        "blockers",
        "on_track",
        "tickets_closed",
    ]
    reply = sb.submit_view(ana, {"yesterday": "a", "today": "b", "on_track": "yes", "tickets_closed": "many"})
    assert reply.json == {
        "response_action": "errors",
        "errors": {"tickets_closed": "Write a number, such as 12 or 3.5."},
    }
    assert sb.submit_view(ana, {"tickets_closed": "7"}).status == 200

    sb.slash_command(dee, "/checkins", "template edit platform-standup")
    view = wait_for(lambda: [v for v in sb.open_views(dee) if v["title"]["text"] == "Edit template"])[-1]
    text = next(b for b in view["blocks"] if b.get("block_id") == "questions")["element"]["initial_value"]
    assert sb.submit_view(dee, {"questions": text.replace("Tickets closed", "Tickets done")}).status == 200
    with services.session() as session:
        assert store.latest_template(session, slug="platform-standup").version == 2
        ana_row = people.get_by_email(session, email="ana@acme.test")
        (checkin,) = store.for_person(session, person_id=ana_row.id)
        asked = templates.questions_of(templates.of_checkin(session, checkin))
    assert asked[-1].label == "Tickets closed" and checkin.answers["tickets_closed"] == "7"

    sb.slash_command(dee, "/checkins", "template archive platform-standup")
    wait_for(lambda: "Template `platform-standup` archived" in sb.transcript(dee))
    sb.slash_command(dee, "/checkins", "templates")
    wait_for(lambda: "Archived: `platform-standup`" in sb.transcript(dee))
    sb.slash_command(maria, "/checkins", "settings")
    view = wait_for(lambda: sb.open_views(maria))[-1]
    template = next(b for b in view["blocks"] if b.get("block_id") == "template")
    assert "platform-standup" not in [o["value"] for o in template["element"]["options"]]


def test_a_manager_adds_up_to_three_questions_of_their_own_after_the_templates(world):
    sb, services = world.sb, world.services
    ana, maria = world.ids["ana@acme.test"], world.ids["maria@acme.test"]
    sb.slash_command(maria, "/checkins", "settings")
    wait_for(lambda: sb.open_views(maria))
    four = "\n".join(f"short | Question {n}" for n in range(4))
    reply = sb.submit_view(maria, {"own": four})
    assert reply.json == {
        "response_action": "errors",
        "errors": {"own": "Add 3 questions of your own at most (this has 4)."},
    }
    own = "scale* | How focused were you?\nchoice | Pair next week? | Yes please; No thanks"
    assert sb.submit_view(maria, {"own": own}).status == 200
    tick_now(services)
    view = open_checkin(world, "ana@acme.test")
    assert inputs(view) == [
        "mood",
        "progress",
        "wins",
        "blockers",
        "help",
        "own_how_focused_were_you",
        "own_pair_next_week",
    ]
    reply = sb.submit_view(ana, {"mood": "3", "progress": "Docs", "own_pair_next_week": "yes_please"})
    assert reply.json == {
        "own_how_focused_were_you": "Please complete this required field."
    }  # Slack's client
    assert sb.submit_view(ana, {"own_how_focused_were_you": "2"}).status == 200
    to_maria = wait_for(lambda: [m for m in sb.dm_messages(maria) if m["text"].startswith("Ana checked in")])[
        0
    ]
    assert "*Pair next week?* Yes please" in str(to_maria["blocks"])
    # the settings modal shows them back, and changing one leaves Ana's answered check-in as it was asked
    sb.slash_command(maria, "/checkins", "settings")
    view = wait_for(lambda: sb.open_views(maria))[-1]
    shown = next(b for b in view["blocks"] if b.get("block_id") == "own")["element"]["initial_value"]
    assert shown == "scale* | How focused were you?\nchoice | Pair next week? | Yes please; No thanks"
    assert sb.submit_view(maria, {"own": "long | Anything else?"}).status == 200
    with services.session() as session:
        ana_row = people.get_by_email(session, email="ana@acme.test")
        (checkin,) = store.for_person(session, person_id=ana_row.id)
        asked = templates.questions_of(templates.of_checkin(session, checkin))
        assert asked[-1].label == "Pair next week?"
        assert [q.label for q in templates.questions_of(templates.for_team(session, "Platform"))][
            -1
        ] == "Anything else?"
