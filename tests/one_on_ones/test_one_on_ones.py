"""1:1s through the sandbox: a series, the agenda both sides keep (command, Home tab, message shortcut), the
agenda DM the day before, points carried over, notes, action items, private notes, and who may touch what."""

import time
from datetime import date, timedelta

from sqlmodel import select

from domain.checkins import service as checkin_service
from domain.one_on_ones import reading, rhythm
from domain.performance_file import entries as performance_file
from domain.performance_file import export, privacy
from schedules.jobs import run_retention, run_tick
from storage import checkins, people, reviews
from storage import goals as goal_store
from storage import one_on_ones as store
from storage.models import Goal, OneOnOneAction, OneOnOnePoint, OneOnOnePrivateNote, OneOnOneSeries
from storage.types import utcnow
from tests.support import csv_text, import_org, wait_for

AGENDA = "Tomorrow's 1:1 agenda"


def at(uid: str) -> str:
    return f"<@{uid}|someone>"


def bot_dms(sb, uid, start):
    return [m for m in sb.dm_messages(uid) if m.get("bot_id") and m["text"].startswith(start)]


def series(services, email) -> OneOnOneSeries | None:
    with services.session() as session:
        person = people.get_by_email(session, email=email)
        found = [s for s in store.active_series_of(session, person_id=person.id) if s.report_id == person.id]
        return found[0] if found else None


def meeting_after(found: OneOnOneSeries, after):
    return rhythm.next_meeting(
        reading.rhythm_of(found), tz=found.timezone, starts_on=found.starts_on, after=after
    )


def points(services) -> list[OneOnOnePoint]:
    with services.session() as session:
        return list(session.exec(select(OneOnOnePoint).order_by(OneOnOnePoint.id)))


def file_of(services, email, viewer_email=None):
    with services.session() as session:
        person = people.get_by_email(session, email=email)
        viewer = people.get_by_email(session, email=viewer_email or email)
        page = performance_file.read(session, viewer=viewer, person=person, page_size=200)
        return [(e.kind, e.text) for e in reversed(page.entries) if e.kind == "one_on_one"]


def shortcut(sb, uid: str, text: str):
    """The message shortcut "Add to 1:1" on a message the person sees: one they wrote in a channel."""
    channel = sb.add_channel(f"talk-{time.time_ns()}")  # public, with everyone in it
    return sb.message_shortcut(uid, "one_on_one_add_to_agenda", sb.say(uid, channel, text))


def set_up(world, who="ana@acme.test", other="maria@acme.test", rhythm_text="weekly tue 10:00"):
    sb, ids = world.sb, world.ids
    sb.slash_command(ids[who], "/checkins", f"1on1 with {at(ids[other])} {rhythm_text}")
    wait_for(lambda: "1:1 with" in sb.transcript(ids[who]) and series(world.services, "ana@acme.test"))
    return series(world.services, "ana@acme.test")


def test_a_report_sets_up_a_1on1_both_sides_add_points_and_the_agenda_comes_the_day_before_once(world):
    sb, services, ids = world.sb, world.services, world.ids
    ana, maria = ids["ana@acme.test"], ids["maria@acme.test"]
    found = set_up(world)
    assert (found.frequency, found.weekday, found.at_minute) == ("weekly", 1, 600)
    assert found.timezone == "America/Sao_Paulo"  # the setter's local time
    wait_for(lambda: "Your 1:1 with Maria is set: every week, Tuesday at 10:00" in sb.transcript(ana))
    (invited,) = wait_for(lambda: bot_dms(sb, maria, "Ana set up a 1:1 with you"))
    assert "every week, Tuesday at 10:00" in str(invited["blocks"])
    sb.slash_command(ana, "/checkins", "1on1 add Career path & <!channel> next year")
    sb.slash_command(maria, "/checkins", f"1on1 add {at(ana)} The migration's delay")
    wait_for(lambda: len(points(services)) == 2)
    assert shortcut(sb, maria, "Can we move the offsite to March?").ok
    modal = wait_for(lambda: sb.open_views(maria))[-1]
    assert "Can we move the offsite to March?" in str(modal)
    assert sb.submit_view(maria, {"text": "Can we move the offsite to March?"}).ok
    wait_for(lambda: len(points(services)) == 3)
    assert [p.source for p in points(services)] == ["command", "command", "shortcut"]

    meeting = meeting_after(found, utcnow())
    run_tick(services, now=meeting - timedelta(days=2))
    assert not bot_dms(sb, ana, AGENDA) and not bot_dms(sb, maria, AGENDA)
    for _ in range(2):  # a tick that runs again sends nothing more
        run_tick(services, now=meeting - timedelta(hours=23))
    for uid in (ana, maria):
        (dm,) = wait_for(lambda u=uid: bot_dms(sb, u, AGENDA))
        shown = str(dm["blocks"])
        assert "Career path &amp; &lt;!channel&gt; next year" in shown and "<!channel>" not in shown
        assert "The migration's delay" in shown and "offsite to March" in shown
    run_tick(services, now=meeting - timedelta(hours=1))
    assert len(bot_dms(sb, ana, AGENDA)) == 1 and len(bot_dms(sb, maria, AGENDA)) == 1


def test_points_carry_over_until_discussed_which_enters_the_reports_file(world):
    sb, services, ids = world.sb, world.services, world.ids
    ana, maria = ids["ana@acme.test"], ids["maria@acme.test"]
    found = set_up(world)
    sb.slash_command(ana, "/checkins", "1on1 add Career path")
    wait_for(lambda: len(points(services)) == 1)  # commands run concurrently: one at a time, for the order
    sb.slash_command(ana, "/checkins", "1on1 add Training budget")
    wait_for(lambda: len(points(services)) == 2)
    first = meeting_after(found, utcnow())
    run_tick(services, now=first - timedelta(hours=20))
    wait_for(lambda: bot_dms(sb, maria, AGENDA))
    career = points(services)[0]
    sb.click(maria, "one_on_one_discussed", str(career.id))
    wait_for(lambda: "Marked discussed: Career path" in sb.transcript(maria))
    second = meeting_after(found, first)
    assert second - first == timedelta(days=7)
    run_tick(services, now=second - timedelta(hours=20))
    for uid in (ana, maria):
        latest = wait_for(lambda u=uid: len(bot_dms(sb, u, AGENDA)) == 2 and bot_dms(sb, u, AGENDA))[-1]
        assert "Training budget" in str(latest["blocks"]) and "Career path" not in str(latest["blocks"])
    assert file_of(services, "ana@acme.test") == [("one_on_one", "Discussed: Career path")]


def test_shared_notes_and_action_items_enter_the_file_in_order_and_are_followed_up(world):
    sb, services, ids = world.sb, world.services, world.ids
    ana, maria = ids["ana@acme.test"], ids["maria@acme.test"]
    set_up(world)
    sb.slash_command(maria, "/checkins", "1on1 note Agreed: Ana leads the Q1 migration")
    wait_for(lambda: "Shared note kept" in sb.transcript(maria))
    sb.slash_command(maria, "/checkins", f"1on1 action {at(ana)} 2026-12-20 Write the migration plan")
    wait_for(lambda: "Action item for Ana, due 2026-12-20" in sb.transcript(maria))
    sb.slash_command(ana, "/checkins", "1on1")  # her agenda shows the open item, with its button
    wait_for(lambda: "Write the migration plan" in sb.transcript(ana))
    with services.session() as session:
        (item,) = store.open_actions_owned(
            session, owner_id=people.get_by_email(session, email="ana@acme.test").id
        )
    sb.click(ana, "one_on_one_done", str(item.id))
    wait_for(lambda: "Done: Write the migration plan" in sb.transcript(ana))
    assert file_of(services, "ana@acme.test", "maria@acme.test") == [
        ("one_on_one", "Agreed: Ana leads the Q1 migration"),
        ("one_on_one", "Action item for Ana, due 2026-12-20: Write the migration plan"),
        ("one_on_one", "Done: Write the migration plan"),
    ]


def test_private_notes_are_read_by_their_author_only_never_exported_and_go_with_a_file_delete(world):
    sb, services, ids = world.sb, world.services, world.ids
    ana, maria, dee = ids["ana@acme.test"], ids["maria@acme.test"], ids["dee@acme.test"]
    set_up(world)
    sb.slash_command(maria, "/checkins", "1on1 private Ana seems tired lately")
    wait_for(lambda: "only you can ever read it" in sb.transcript(maria))
    sb.slash_command(maria, "/checkins", "1on1 notes")
    wait_for(lambda: "Ana seems tired lately" in sb.transcript(maria))
    sb.slash_command(ana, "/checkins", "1on1 notes")  # her own private notes: none
    wait_for(lambda: "None yet" in sb.transcript(ana))
    for uid in (ana, dee):
        sb.open_home(uid)
        sb.slash_command(uid, "/checkins", "1on1")
    wait_for(lambda: sb.home(ana) and sb.home(dee))
    sb.slash_command(dee, "/checkins", f"export {at(ana)} json")
    wait_for(lambda: sb.files(dee))
    for uid in (ana, dee):
        assert "tired" not in sb.transcript(uid) and "tired" not in str(sb.home(uid))
    assert "tired" not in str(sb.files(dee))
    now = utcnow()
    with services.session() as session:
        for fmt in ("md", "json", "csv", "html"):
            made = export.for_operator(session, email="ana@acme.test", fmt=fmt, now=now)
            assert b"tired" not in made.content
    with services.session() as session:
        privacy.erase(session, email="ana@acme.test")
    with services.session() as session:
        assert not session.exec(select(OneOnOnePrivateNote)).all()
        assert not session.exec(select(OneOnOneSeries)).all()


def test_the_home_tab_shows_the_next_1on1_whose_buttons_add_and_discuss_points(world):
    sb, services, ids = world.sb, world.services, world.ids
    ana = ids["ana@acme.test"]
    set_up(world)
    sb.slash_command(ana, "/checkins", "1on1 add Career path")
    wait_for(lambda: points(services))
    sb.open_home(ana)
    wait_for(lambda: "Career path" in str(sb.home(ana)) and "1:1 with Maria" in str(sb.home(ana)))
    sb.click(ana, "one_on_one_add", surface="home")
    wait_for(lambda: sb.open_views(ana))
    assert sb.submit_view(ana, {"text": "Conference in May"}).ok
    wait_for(lambda: "Conference in May" in str(sb.home(ana)))
    assert points(services)[-1].source == "home"
    career = points(services)[0]
    sb.click(ana, "one_on_one_discussed", str(career.id), surface="home")
    # off the agenda, into the file shown below it
    wait_for(lambda: f"oo_point_{career.id}" not in str(sb.home(ana)))
    assert "Conference in May" in str(sb.home(ana)) and "Discussed: Career path" in str(sb.home(ana))
    maria = ids["maria@acme.test"]  # nothing to act on, but a 1:1 to prepare: not "nothing waits"
    sb.open_home(maria)
    wait_for(lambda: "Conference in May" in str(sb.home(maria)))
    assert home_todos(sb, maria) == []
    assert "Nothing to act on now; your next 1:1 is below." in str(sb.home(maria))
    assert "Nothing waits for you now." not in str(sb.home(maria))


def test_forged_reads_and_edits_of_someone_elses_1on1_are_refused(world):
    sb, services, ids = world.sb, world.services, world.ids
    ana, chen, maria = ids["ana@acme.test"], ids["chen@acme.test"], ids["maria@acme.test"]
    found = set_up(world)
    sb.slash_command(ana, "/checkins", "1on1 add Salary review")
    sb.slash_command(maria, "/checkins", f"1on1 action {at(ana)} 2026-12-20 Draft the plan")
    wait_for(lambda: points(services) and "Action item" in sb.transcript(maria))
    point = points(services)[0]
    with services.session() as session:
        (item,) = store.open_actions(session, series_id=found.id)
    sb.send_dm(chen, "hello")
    # a colleague: buttons he never saw, a point added to their agenda, their notes
    assert sb.forge_action(chen, "one_on_one_discussed", str(point.id)).ok
    assert sb.forge_action(chen, "one_on_one_done", str(item.id)).ok
    assert sb.forge_action(chen, "one_on_one_add", str(found.id)).ok
    wait_for(lambda: sb.transcript(chen).count("That 1:1 is not yours.") == 3)
    sb.slash_command(chen, "/checkins", f"1on1 add {at(ana)} Gossip")
    sb.slash_command(chen, "/checkins", f"1on1 notes {at(ana)}")
    sb.slash_command(chen, "/checkins", "1on1")
    wait_for(lambda: sb.transcript(chen).count("You have no 1:1") >= 2)
    assert "Salary review" not in sb.transcript(chen) and "Draft the plan" not in sb.transcript(chen)
    shortcut(sb, chen, "anything")
    wait_for(lambda: "You have no 1:1 yet" in sb.transcript(chen))
    # an outsider
    outsider = sb.add_user(email="eve@other.test", real_name="Eve", name="eve", tz="UTC")
    sb.slash_command(outsider, "/checkins", f"1on1 add {at(ana)} hi")
    wait_for(lambda: "not set up in checkins" in sb.transcript(outsider))
    # a modal of his own (for his 1:1 with Maria), submitted as if for theirs
    sb.slash_command(chen, "/checkins", f"1on1 with {at(maria)} monthly fri 9:00")
    wait_for(lambda: "Your 1:1 with Maria is set" in sb.transcript(chen))
    shortcut(sb, chen, "Gossip")
    wait_for(lambda: sb.open_views(chen))
    reply = sb.submit_view(chen, {"text": "Gossip"}, forge_metadata=f"{found.id}:home")
    assert reply.json == {"response_action": "errors", "errors": {"text": "That 1:1 is not yours."}}
    with services.session() as session:
        assert store.get_point(session, point_id=point.id).discussed_at is None
        assert store.get_action(session, action_id=item.id).done_at is None
    assert [p.text for p in points(services)] == ["Salary review"]


def test_a_manager_change_ends_the_series_and_invites_the_new_manager_once(world):
    sb, services, ids = world.sb, world.services, world.ids
    ana, dee = ids["ana@acme.test"], ids["dee@acme.test"]
    set_up(world)
    moved = csv_text(
        [
            ["maria@acme.test", "", "Platform", "manager", ""],
            ["ana@acme.test", "dee@acme.test", "Platform", "", ""],
            ["bo@acme.test", "maria@acme.test", "Platform", "", "Europe/Berlin"],
            ["chen@acme.test", "maria@acme.test", "Platform", "employee", ""],
            ["dee@acme.test", "maria@acme.test", "Platform", "admin", ""],
        ]
    )
    assert import_org(services, moved).ok
    sb.slash_command(ana, "/checkins", "1on1 add Still there?")
    wait_for(lambda: "You have no 1:1 yet" in sb.transcript(ana))
    for _ in range(2):
        run_tick(services, now=utcnow())
    (invite,) = wait_for(lambda: bot_dms(sb, dee, "Ana now reports to you"))
    assert "1on1 with" in str(invite["blocks"])
    with services.session() as session:
        (ended,) = session.exec(select(OneOnOneSeries)).all()
        assert ended.end_reason == "manager_changed" and ended.ended_at is not None


def home_todos(sb, uid) -> list[str]:
    home = sb.home(uid) or {}
    return [str(b) for b in home.get("blocks", []) if str(b.get("block_id", "")).startswith("todo_")]


def test_the_home_tab_lists_each_kind_of_to_do_with_its_button_and_clears_it_when_done(world):
    sb, services, ids = world.sb, world.services, world.ids
    ana, bo, maria = ids["ana@acme.test"], ids["bo@acme.test"], ids["maria@acme.test"]
    sb.open_home(ana)
    # The period open now: its prompt never went (Ana joined after it opened), yet she may check in.
    (only,) = wait_for(lambda: home_todos(sb, ana))
    assert "Your check-in is open." in only and "'value': 'current'" in only
    now = utcnow()
    with services.session() as session:  # a review cycle begun
        person = people.get_by_email(session, email="ana@acme.test")
        reviews.ensure(session, person_id=person.id, manager_id=person.manager_id, cycle="2026-Q4", now=now)
    sb.slash_command(bo, "/feedback", f"request {at(ana)}")
    wait_for(lambda: bot_dms(sb, ana, "Bo"))
    sb.open_home(ana)
    todos = wait_for(lambda: len(home_todos(sb, ana)) == 3 and home_todos(sb, ana))
    assert "Your check-in is open." in todos[0] and "Check in now" in todos[0]
    assert "Bo asked for your feedback." in todos[1] and "Give feedback" in todos[1]
    assert "Your self-assessment for 2026-Q4." in todos[2] and "Start self-assessment" in todos[2]

    sb.click(ana, "checkin_open", surface="home")
    wait_for(lambda: sb.open_views(ana))
    assert sb.submit_view(ana, {"mood": "3", "progress": "Billing migration"}).ok
    sb.open_home(maria)
    (waiting,) = wait_for(lambda: home_todos(sb, maria))
    assert "Ana's check-in waits for your reply." in waiting and "Reply" in waiting
    sb.click(maria, "checkin_reply", surface="home")
    wait_for(lambda: sb.open_views(maria))
    assert sb.submit_view(maria, {"reply": "Thanks!"}).ok
    sb.click(ana, "feedback_give", surface="home")
    wait_for(lambda: sb.open_views(ana))
    assert sb.submit_view(ana, {"text": "Bo explains things clearly"}).ok
    wait_for(lambda: bot_dms(sb, bo, "Feedback from Ana"))
    sb.open_home(ana)
    sb.open_home(maria)
    wait_for(lambda: len(home_todos(sb, ana)) == 1 and "self-assessment" in home_todos(sb, ana)[0])
    wait_for(lambda: home_todos(sb, maria) == [] and "Nothing waits for you now." in str(sb.home(maria)))


def test_suggestions_from_a_blocker_and_a_goal_at_risk_are_accepted_or_dismissed_by_either_side(world):
    sb, services, ids = world.sb, world.services, world.ids
    ana, maria = ids["ana@acme.test"], ids["maria@acme.test"]
    found = set_up(world)
    now = utcnow()
    with services.session() as session:
        person = people.get_by_email(session, email="ana@acme.test")
        checkin = checkins.ensure(
            session,
            person_id=person.id,
            period_key="test-period",
            opens_at=now - timedelta(hours=1),
            closes_at=now + timedelta(days=2),
        )
        goal = goal_store.add(
            session,
            goal=Goal(
                person_id=person.id,
                title="Cut p99 latency",
                kind="result",
                period="2026-Q4",
                starts_on=date(2026, 10, 1),
                due_on=date(2026, 12, 31),
                status="at_risk",
            ),
        )
    sb.open_home(ana)
    wait_for(lambda: home_todos(sb, ana))
    sb.click(ana, "checkin_open", surface="home")
    wait_for(lambda: sb.open_views(ana))
    assert sb.submit_view(ana, {"mood": "2", "progress": "Billing", "blockers": "Waiting on the DBA"}).ok
    wait_for(lambda: bot_dms(sb, maria, "Ana checked in"))
    sb.slash_command(maria, "/checkins", "1on1")
    wait_for(lambda: "Suggested:_ Blocker: Waiting on the DBA" in sb.transcript(maria))
    assert "Goal at risk: Cut p99 latency" in sb.transcript(maria)
    sb.click(maria, "one_on_one_accept", f"{found.id}:c{checkin.id}b")
    wait_for(lambda: "Added to the agenda: Blocker: Waiting on the DBA" in sb.transcript(maria))
    sb.open_home(ana)  # Ana dismisses the other on her Home tab
    wait_for(lambda: "Blocker: Waiting on the DBA" in str(sb.home(ana)))
    sb.click(ana, "one_on_one_dismiss", f"{found.id}:g{goal.id}r", surface="home")
    wait_for(lambda: len(points(services)) == 2)
    wait_for(lambda: "Goal at risk: Cut p99 latency" not in str(sb.home(ana)))  # the goal itself stays
    assert [(p.text, p.source, p.discussed_at is None) for p in points(services)] == [
        ("Blocker: Waiting on the DBA", "suggestion", True),
        ("Goal at risk: Cut p99 latency", "dismissed", False),
    ]
    sb.open_home(maria)
    home = wait_for(lambda: "Blocker: Waiting on the DBA" in str(sb.home(maria)) and str(sb.home(maria)))
    assert "Suggested" not in home and "Goal at risk: Cut p99 latency" not in home
    # a colleague cannot take them
    sb.send_dm(ids["chen@acme.test"], "hello")
    sb.forge_action(ids["chen@acme.test"], "one_on_one_accept", f"{found.id}:g{goal.id}r")
    wait_for(lambda: "That 1:1 is not yours." in sb.transcript(ids["chen@acme.test"]))
    assert len(points(services)) == 2


def test_open_action_items_come_with_the_owners_next_check_in_once_until_done(world):
    sb, services, ids = world.sb, world.services, world.ids
    ana, maria = ids["ana@acme.test"], ids["maria@acme.test"]
    set_up(world)
    sb.slash_command(maria, "/checkins", f"1on1 action {at(ana)} 2026-12-20 Write the migration plan")
    wait_for(lambda: "Action item for Ana" in sb.transcript(maria))
    run_tick(services, now=utcnow())
    assert not bot_dms(sb, ana, "Your open 1:1 action items")  # no check-in open yet
    now = utcnow()
    with services.session() as session:
        person = people.get_by_email(session, email="ana@acme.test")
        checkins.ensure(
            session,
            person_id=person.id,
            period_key="test-period",
            opens_at=now - timedelta(minutes=5),
            closes_at=now + timedelta(days=2),
        )
    for _ in range(2):
        run_tick(services, now=utcnow())
    (follow_up,) = wait_for(lambda: bot_dms(sb, ana, "Your open 1:1 action items"))
    assert "Write the migration plan" in str(follow_up["blocks"]) and "1:1 with Maria" in str(
        follow_up["blocks"]
    )
    assert not bot_dms(sb, maria, "Your open 1:1 action items")  # the owner's only
    sb.click(ana, "one_on_one_done")
    wait_for(lambda: "Done: Write the migration plan" in sb.transcript(ana))
    assert file_of(services, "ana@acme.test")[-1] == ("one_on_one", "Done: Write the migration plan")


def test_a_long_action_item_still_lets_its_owner_open_the_check_in_form(world):
    """Block Kit takes 75 characters in a checkbox's text and description; an action item takes 2,000."""
    sb, ids = world.sb, world.ids
    ana, maria = ids["ana@acme.test"], ids["maria@acme.test"]
    set_up(world)
    sb.slash_command(maria, "/checkins", f"1on1 action {at(ana)} 2026-12-20 " + "Write the plan " * 40)
    wait_for(lambda: "Action item for Ana" in sb.transcript(maria))
    sb.slash_command(ana, "/checkins", "now")
    form = wait_for(lambda: [v for v in sb.open_views(ana) if v.get("callback_id") == "checkin_submit"])[-1]
    (block,) = [b for b in form["blocks"] if b.get("block_id") == "oo_actions_done"]
    (option,) = block["element"]["options"]
    assert option["text"]["text"].startswith("Write the plan") and len(option["text"]["text"]) <= 75
    assert sb.problems == []


def test_open_action_items_are_in_the_owners_check_in_form_and_ticked_done_there(world):
    sb, services, ids = world.sb, world.services, world.ids
    ana, maria = ids["ana@acme.test"], ids["maria@acme.test"]
    set_up(world)
    sb.slash_command(maria, "/checkins", f"1on1 action {at(ana)} 2026-12-20 Write the <!channel> plan")
    sb.slash_command(ana, "/checkins", f"1on1 action {at(maria)} 2026-12-21 Book the offsite room")
    wait_for(lambda: "Action item for Maria" in sb.transcript(ana))
    wait_for(lambda: "Action item for Ana" in sb.transcript(maria))
    with services.session() as session:
        found = {a.text: a for a in session.exec(select(OneOnOneAction)).all()}
        mine, theirs = found["Write the <!channel> plan"], found["Book the offsite room"]
    sb.slash_command(ana, "/checkins", "now")
    form = wait_for(lambda: [v for v in sb.open_views(ana) if v.get("callback_id") == "checkin_submit"])[-1]
    (block,) = [b for b in form["blocks"] if b.get("block_id") == "oo_actions_done"]
    options = block["element"]["options"]
    assert [o["value"] for o in options] == [str(mine.id)]  # her own only, not Maria's
    assert options[0]["text"]["text"] == "Write the &lt;!channel&gt; plan"
    assert "Due 2026-12-20 · 1:1 with Maria" in options[0]["description"]["text"]

    # A tampered client ticking Maria's item: the whole check-in is refused, nothing is done.
    with services.session() as session:
        refused = checkin_service.submit(
            session,
            slack_user_id=ana,
            checkin_id=int(form["private_metadata"]),
            answers={"mood": "4", "progress": "Shipped", "oo_actions_done": f"{mine.id},{theirs.id}"},
            now=utcnow(),
        )
    assert refused.errors == {
        "oo_actions_done": "Only your own action items can be ticked; nothing was saved."
    }

    assert sb.submit_view(ana, {"mood": "4", "progress": "Shipped", "oo_actions_done": [str(mine.id)]}).ok
    wait_for(lambda: ("one_on_one", "Done: Write the <!channel> plan") in file_of(services, "ana@acme.test"))
    with services.session() as session:
        assert store.get_action(session, action_id=mine.id).done_at is not None
        assert store.get_action(session, action_id=theirs.id).done_at is None
    sb.slash_command(ana, "/checkins", "now")  # the next form: nothing left to tick
    wait_for(lambda: len([v for v in sb.open_views(ana) if v.get("callback_id") == "checkin_submit"]))
    assert "oo_actions_done" not in str(sb.open_views(ana)[-1])


def test_a_manager_with_many_1on1s_and_long_agendas_gets_them_within_slacks_block_limits(world):
    sb, services, ids = world.sb, world.services, world.ids
    maria = ids["maria@acme.test"]
    for email in ("ana@acme.test", "bo@acme.test", "chen@acme.test"):
        sb.slash_command(maria, "/checkins", f"1on1 with {at(ids[email])} biweekly wed 15:00")
        wait_for(lambda e=email: f"1:1 with {e.split('@')[0].title()} is set" in sb.transcript(maria))
    for n in range(10):
        sb.slash_command(maria, "/checkins", f"1on1 add {at(ids['bo@acme.test'])} Point {n}")
        wait_for(lambda n=n: len(points(services)) == n + 1)
    with services.session() as session:
        bo = people.get_by_email(session, email="bo@acme.test")
        for n in range(7):
            series_id = store.active_series_of(session, person_id=bo.id)[0].id
            store.add(
                session,
                OneOnOneAction(
                    series_id=series_id,
                    owner_id=bo.id,
                    text=f"Item {n}",
                    due_on=date(2027, 1, 1),
                    created_at=utcnow(),
                ),
            )
    sb.slash_command(maria, "/checkins", "1on1")
    wait_for(lambda: "and 1 more 1:1s" in sb.transcript(maria))
    sb.slash_command(maria, "/checkins", f"1on1 {at(ids['bo@acme.test'])}")
    wait_for(lambda: "and 2 more points" in sb.transcript(maria))
    sb.open_home(maria)
    wait_for(lambda: "and 1 more 1:1s" in str(sb.home(maria)))
    assert not sb.problems


def test_the_retention_window_removes_what_is_settled_in_1on1s_and_keeps_what_is_open(world):
    services = world.services
    now = utcnow()
    old, recent = now - timedelta(days=100), now - timedelta(days=10)
    with services.session() as session:
        ana = people.get_by_email(session, email="ana@acme.test")
        bo = people.get_by_email(session, email="bo@acme.test")
        maria = people.get_by_email(session, email="maria@acme.test")

        def series(report, ended_at=None):
            return store.add(
                session,
                OneOnOneSeries(
                    manager_id=maria.id,
                    report_id=report.id,
                    frequency="weekly",
                    weekday=1,
                    at_minute=600,
                    timezone="UTC",
                    starts_on=old.date(),
                    created_at=old,
                    ended_at=ended_at,
                ),
            )

        running, ended = series(ana), series(bo, ended_at=old)
        for found, text, discussed in (
            (running, "open since long ago", None),
            (running, "discussed long ago", old),
            (running, "discussed lately", recent),
            (ended, "left open when it ended", None),
        ):
            store.add(
                session,
                OneOnOnePoint(
                    series_id=found.id,
                    author_id=ana.id,
                    text=text,
                    source="command",
                    created_at=old,
                    discussed_at=discussed,
                ),
            )
        for text, done in (("open action", None), ("done long ago", old), ("done lately", recent)):
            store.add(
                session,
                OneOnOneAction(
                    series_id=running.id,
                    owner_id=ana.id,
                    text=text,
                    due_on=old.date(),
                    created_at=old,
                    done_at=done,
                ),
            )
        for text, at_ in (("old private", old), ("recent private", recent)):
            note = OneOnOnePrivateNote(series_id=running.id, author_id=maria.id, text=text, created_at=at_)
            store.add(session, note)
        ended_id = ended.id

    run_retention(services, days=90, now=now)
    with services.session() as session:
        assert [p.text for p in points(services)] == ["open since long ago", "discussed lately"]
        actions = session.exec(select(OneOnOneAction).order_by(OneOnOneAction.id)).all()
        assert [a.text for a in actions] == ["open action", "done lately"]
        notes = session.exec(select(OneOnOnePrivateNote)).all()
        assert [n.text for n in notes] == ["recent private"]
        assert session.get(OneOnOneSeries, ended_id) is None
        assert len(session.exec(select(OneOnOneSeries)).all()) == 1
    assert sum(run_retention(services, days=90, now=now).counts.values()) == 0  # nothing more, next day
