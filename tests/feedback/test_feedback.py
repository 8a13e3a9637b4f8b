"""/feedback through the sandbox: give, request, read, praise, and who may see what."""

from datetime import timedelta

import pytest

from domain.performance_file import entries as performance_file
from schedules.jobs import run_tick
from storage import file_entries, people
from storage.types import utcnow
from tests.support import wait_for


def at(uid: str) -> str:
    """How Slack writes a mention in a slash command's text (should_escape: true)."""
    return f"<@{uid}|someone>"


def dms(sb, uid, start):
    return [m for m in sb.dm_messages(uid) if m.get("bot_id") and m["text"].startswith(start)]


def entries(services, email, viewer_email=None):
    with services.session() as session:
        person = people.get_by_email(session, email=email)
        if viewer_email is None:
            return list(file_entries.list_for(session, person_id=person.id))
        viewer = people.get_by_email(session, email=viewer_email)
        return list(performance_file.read(session, viewer=viewer, person=person, page_size=100).entries)


def test_feedback_given_in_one_line_reaches_the_recipient_escaped_and_their_file(world):
    sb, ids = world.sb, world.ids
    ana, bo = ids["ana@acme.test"], ids["bo@acme.test"]
    assert sb.slash_command(ana, "/feedback", f"{at(bo)} Great demo & clear <!channel> notes").status == 200
    wait_for(lambda: "Your feedback reached Bo." in sb.transcript(ana))
    (received,) = wait_for(lambda: dms(sb, bo, "Feedback from Ana"))
    shown = str(received["blocks"])
    assert "Great demo &amp; clear &lt;!channel&gt; notes" in shown and "<!channel>" not in shown
    assert "Visible to you and your manager" in shown
    (entry,) = [e for e in entries(world.services, "bo@acme.test") if e.kind == "feedback"]
    assert entry.text == "Great demo & clear <!channel> notes" and not entry.private
    # the manager sees it in Bo's file
    assert [
        e.text for e in entries(world.services, "bo@acme.test", "maria@acme.test") if e.kind == "feedback"
    ]


def test_private_feedback_from_the_form_is_seen_by_nobody_but_the_recipient(world):
    sb, services, ids = world.sb, world.services, world.ids
    ana, bo, maria, chen = (
        ids["ana@acme.test"],
        ids["bo@acme.test"],
        ids["maria@acme.test"],
        ids["chen@acme.test"],
    )
    sb.slash_command(ana, "/feedback", at(bo))  # no text: the form opens, Bo already chosen
    view = wait_for(lambda: sb.open_views(ana))[-1]
    assert (
        next(b for b in view["blocks"] if b.get("block_id") == "recipient")["element"]["initial_user"] == bo
    )
    reply = sb.submit_view(
        ana, {"text": "Your code reviews feel harsh sometimes", "visibility": "recipient_only"}
    )
    assert reply.status == 200
    wait_for(lambda: "Your feedback reached Bo." in str(sb.open_views(ana)))
    (received,) = wait_for(lambda: dms(sb, bo, "Feedback from Ana"))
    assert "For your eyes only" in str(received["blocks"])
    # Bo sees it; his manager and an unrelated colleague see nothing of it, by any command or view
    assert [e.text for e in entries(services, "bo@acme.test", "bo@acme.test") if e.kind == "feedback"]
    assert [e for e in entries(services, "bo@acme.test", "maria@acme.test") if e.kind == "feedback"] == []
    for reader in (maria, chen):
        sb.slash_command(reader, "/feedback", "")
        sb.open_home(reader)
    wait_for(lambda: sb.home(maria) and sb.home(chen))
    wait_for(lambda: "Feedback you received" in sb.transcript(chen))
    for reader in (maria, chen):
        assert "harsh" not in sb.transcript(reader)
    sb.slash_command(bo, "/feedback", "")
    wait_for(lambda: "harsh sometimes" in sb.transcript(bo) and "only you" in sb.transcript(bo))


@pytest.mark.parametrize(
    ("to", "text", "answer"),
    [
        ("self", "I am great", "Feedback on yourself belongs in your check-in."),
        ("bot", "beep", "is not in checkins: bots and people outside the org cannot get feedback."),
        ("deactivated", "bye", "has left: deactivated people cannot get feedback."),
        ("bo", "x" * 3001, "Keep it under 3000 characters (this is 3001)."),
    ],
)
def test_feedback_rules_are_explained_and_nothing_is_kept(world, to, text, answer):
    sb, services, ids = world.sb, world.services, world.ids
    ana = ids["ana@acme.test"]
    if to == "deactivated":
        with services.session() as session:
            people.get_by_email(session, email="chen@acme.test").active = False
    target = {
        "self": ana,
        "bot": sb.bot_user_id,
        "deactivated": ids["chen@acme.test"],
        "bo": ids["bo@acme.test"],
    }[to]
    sb.slash_command(ana, "/feedback", f"{at(target)} {text}")
    wait_for(lambda: answer in sb.transcript(ana))
    with services.session() as session:
        assert all(
            e.kind != "feedback"
            for p in people.list_all(session)
            for e in file_entries.list_for(session, person_id=p.id)
        )


def test_blank_feedback_gets_an_inline_error(world):
    sb, ana, bo = world.sb, world.ids["ana@acme.test"], world.ids["bo@acme.test"]
    sb.slash_command(ana, "/feedback", at(bo))
    wait_for(lambda: sb.open_views(ana))
    reply = sb.submit_view(ana, {"text": "   "})
    assert reply.json == {"response_action": "errors", "errors": {"text": "Write your feedback first."}}


def test_asking_colleagues_answers_arrive_and_one_reminder_goes(world):
    sb, services, ids = world.sb, world.services, world.ids
    ana, bo, chen = ids["ana@acme.test"], ids["bo@acme.test"], ids["chen@acme.test"]
    sb.slash_command(ana, "/feedback", f"request {at(bo)} {at(chen)}")
    wait_for(lambda: "Asked Bo, Chen for feedback on you" in sb.transcript(ana))
    wait_for(
        lambda: dms(sb, bo, "Ana asks for your feedback") and dms(sb, chen, "Ana asks for your feedback")
    )
    sb.click(bo, "feedback_give")
    view = wait_for(lambda: sb.open_views(bo))[-1]
    assert "Feedback on" in str(view["blocks"][0])
    sb.submit_view(bo, {"text": "Your planning docs are excellent"})
    answer = wait_for(lambda: dms(sb, ana, "Bo answered your request"))
    assert "planning docs are excellent" in str(answer[0]["blocks"])
    assert dms(sb, ana, "Feedback from Bo")  # the feedback itself, too
    # Bo's answered; Chen gets one reminder, two days on
    later = utcnow() + timedelta(hours=49)
    run_tick(services, now=later)
    run_tick(services, now=later + timedelta(minutes=1))
    assert len(dms(sb, chen, "A reminder: Ana asks")) == 1
    assert dms(sb, bo, "A reminder") == []
    sb.click(bo, "feedback_give")  # the request is answered: once is enough
    wait_for(lambda: "You already answered that request." in sb.transcript(bo))


def test_a_manager_asks_about_a_report_and_sees_only_what_is_shared(world):
    sb, ids = world.sb, world.ids
    maria, ana, bo, chen = (
        ids[e] for e in ("maria@acme.test", "ana@acme.test", "bo@acme.test", "chen@acme.test")
    )
    sb.slash_command(bo, "/feedback", f"request {at(chen)} about {at(ana)}")  # Bo is not Ana's manager
    wait_for(lambda: "or on someone who reports to you" in sb.transcript(bo))
    sb.slash_command(maria, "/feedback", f"request {at(bo)} {at(chen)} about {at(ana)}")
    wait_for(lambda: "for feedback on Ana" in sb.transcript(maria))
    wait_for(lambda: dms(sb, bo, "Maria asks for your feedback on Ana"))
    sb.click(bo, "feedback_give")
    wait_for(lambda: sb.open_views(bo))
    sb.submit_view(bo, {"text": "Ana carried the migration", "visibility": "recipient_and_manager"})
    shared = wait_for(lambda: dms(sb, maria, "Bo answered"))
    assert "Ana carried the migration" in str(shared[0]["blocks"])
    wait_for(lambda: dms(sb, chen, "Maria asks"))
    sb.click(chen, "feedback_give")
    wait_for(lambda: sb.open_views(chen))
    sb.submit_view(chen, {"text": "Ana is burning out, worried", "visibility": "recipient_only"})
    kept = wait_for(lambda: dms(sb, maria, "Chen answered"))
    assert "kept it for Ana" in str(kept[0]["blocks"]) and "burning out" not in str(sb.dm_messages(maria))
    assert dms(sb, ana, "Feedback from Chen")


def test_nobody_answers_a_request_meant_for_someone_else(world):
    sb, services, ids = world.sb, world.services, world.ids
    ana, bo, chen = ids["ana@acme.test"], ids["bo@acme.test"], ids["chen@acme.test"]
    sb.slash_command(ana, "/feedback", f"request {at(bo)}")
    wait_for(lambda: dms(sb, bo, "Ana asks"))
    request_id = dms(sb, bo, "Ana asks")[0]["blocks"][1]["elements"][0]["value"]
    sb.slash_command(chen, "/checkins", "")  # Chen has a DM to forge from
    wait_for(lambda: sb.dm_messages(chen) or sb.ephemerals(chen))
    sb.send_dm(chen, "hi")
    assert sb.forge_action(chen, "feedback_give", request_id).status == 200
    wait_for(lambda: "That feedback request was not sent to you." in sb.transcript(chen))
    assert sb.open_views(chen) == []
    sb.slash_command(chen, "/feedback", at(ana))
    wait_for(lambda: sb.open_views(chen))
    reply = sb.submit_view(chen, {"text": "forged answer"}, forge_metadata=request_id)
    assert reply.json["response_action"] == "errors"
    assert [e for e in entries(services, "ana@acme.test") if e.kind == "feedback"] == []


def test_praise_goes_to_the_channel_an_admin_chose(world):
    sb, ids = world.sb, world.ids
    ana, bo, dee = ids["ana@acme.test"], ids["bo@acme.test"], ids["dee@acme.test"]
    channel = sb.add_channel("kudos")
    sb.slash_command(ana, "/feedback", f"channel <#{channel}|kudos>")
    wait_for(lambda: "Only HR admins can choose the praise channel." in sb.transcript(ana))
    # a channel the app cannot post to is refused when chosen, not at the first praise
    outside = sb.add_channel("kudos-old", app_member=False)
    secret = sb.add_channel("kudos-private", is_private=True, members=[dee], app_member=False)
    sb.slash_command(dee, "/feedback", f"channel <#{outside}|kudos-old>")
    wait_for(lambda: "invite me there (`/invite @checkins`), then choose it again" in sb.transcript(dee))
    assert f"I am not in <#{outside}>: invite me there" in str(sb.ephemerals(dee))  # a mention, not escaped
    for missing in (secret, "C0NOSUCH1"):
        sb.slash_command(dee, "/feedback", f"channel <#{missing}>")
    wait_for(lambda: sb.transcript(dee).count("I cannot see that channel: it does not exist") == 2)
    sb.slash_command(dee, "/feedback", f"channel <#{channel}|kudos>")
    wait_for(lambda: "also goes to" in sb.transcript(dee))
    sb.slash_command(ana, "/feedback", at(bo))
    wait_for(lambda: sb.open_views(ana))
    sb.submit_view(ana, {"text": "Shipped <!here> on time & calm", "praise": ["praise"]})
    posted = wait_for(lambda: sb.channel_messages(channel))
    assert "Shipped &lt;!here&gt; on time &amp; calm" in str(posted[0]["blocks"])
    assert dms(sb, bo, "Praise from Ana")


def test_refusals_keep_the_mentions_of_whom_they_name_and_escape_what_people_wrote(world):
    sb, services, ids = world.sb, world.services, world.ids
    maria, ana, bo, chen = (
        ids[e] for e in ("maria@acme.test", "ana@acme.test", "bo@acme.test", "chen@acme.test")
    )
    stranger = sb.add_user(email="x@elsewhere.test", real_name="X", name="x", tz="UTC")
    sb.slash_command(maria, "/feedback", f"request {at(stranger)} {at(bo)}")
    wait_for(
        lambda: "is not in checkins: bots and people outside the org cannot be asked" in sb.transcript(maria)
    )
    assert f"<@{stranger}> is not in checkins" in str(sb.ephemerals(maria))
    with services.session() as session:
        chen_row = people.get_by_email(session, email="chen@acme.test")
        chen_row.name, chen_row.active = "Chen <!here> & co", False
    sb.slash_command(ana, "/feedback", f"{at(chen)} thanks")
    wait_for(lambda: "has left: deactivated people cannot get feedback." in sb.transcript(ana))
    assert "Chen &lt;!here&gt; &amp; co has left" in str(sb.ephemerals(ana))


def test_no_one_is_asked_for_feedback_on_someone_who_left(world):
    sb, services, ids = world.sb, world.services, world.ids
    maria, ana, bo = ids["maria@acme.test"], ids["ana@acme.test"], ids["bo@acme.test"]
    with services.session() as session:
        people.get_by_email(session, email="ana@acme.test").active = False
    sb.slash_command(maria, "/feedback", f"request {at(bo)} about {at(ana)}")  # Maria managed Ana
    wait_for(
        lambda: "has left: no one can be asked for feedback on deactivated people." in sb.transcript(maria)
    )
    assert f"<@{ana}> has left" in str(sb.ephemerals(maria))
    sb.slash_command(maria, "/feedback", f"request {at(bo)}")  # on herself: still fine
    wait_for(lambda: dms(sb, bo, "Maria asks for your feedback"))
    assert not dms(sb, bo, "on Ana")
