"""A team's channel digest through the sandbox: one message a period, each person's team answers in its
thread (updated on edit), answers for the manager alone never there, and the app saying when it is not in
the channel."""

import time

import pytest

from schedules.jobs import run_tick
from storage import checkins as store
from storage import sends
from storage.models import SendKind
from storage.types import utcnow
from tests.support import joined, tick_now, utc, wait_for


@pytest.fixture
def world(world):
    joined(world.services, utc(2026, 11, 14))
    return world


def standup_with_channel(world):
    sb, maria = world.sb, world.ids["maria@acme.test"]
    channel = sb.add_channel("platform-standup", app_member=False)
    sb.slash_command(maria, "/checkins", f"channel <#{channel}|platform-standup>")
    wait_for(lambda: f"I am not in <#{channel}>: invite me there" in str(sb.ephemerals(maria)))
    assert sb.channel_messages(channel) == []  # refused before anything was kept or posted
    with world.services.session() as session:
        assert store.team_channel(session, team="Platform") is None
    sb.invite_app(channel)
    sb.slash_command(maria, "/checkins", f"channel <#{channel}|platform-standup>")
    wait_for(lambda: "Platform's check-in digest will be posted in" in sb.transcript(maria))
    assert len(sb.channel_messages(channel)) == 1  # the welcome, once the app is in
    sb.slash_command(maria, "/checkins", "settings")
    wait_for(lambda: sb.open_views(maria))
    assert sb.submit_view(maria, {"template": "standup"}).status == 200
    return channel


def answer(world, email, values):
    sb, uid = world.sb, world.ids[email]
    sb.click(uid, "checkin_open")
    view = wait_for(lambda: sb.open_views(uid))[-1]
    assert sb.submit_view(uid, values).status == 200
    return view


def digest_of(sb, channel):
    messages = sb.channel_messages(channel)[1:]  # after the welcome
    headers = [m for m in messages if not m.get("thread_ts") or m.get("thread_ts") == m["ts"]]
    replies = [m for m in messages if m.get("thread_ts") and m["thread_ts"] != m["ts"]]
    return headers, replies


def test_the_digest_is_posted_once_its_thread_updated_on_edit_and_manager_answers_stay_out(world):
    sb, services = world.sb, world.services
    channel = standup_with_channel(world)
    tick_now(services)
    view = answer(
        world,
        "ana@acme.test",
        {"yesterday": "Billing backfill", "today": "Review PRs", "on_track": "no"},
    )
    said = {b["block_id"]: None for b in view["blocks"] if b["type"] == "input"}
    contexts = [str(b) for b in view["blocks"] if b["type"] == "context"][1:]
    assert len(contexts) == len(said) == 4
    assert "Your team reads this" in contexts[0] and "Only you and your manager" in contexts[3]

    (header,), (reply,) = wait_for(lambda: digest_of(sb, channel) if digest_of(sb, channel)[1] else None)
    assert header["text"].startswith("Platform check-ins, ") and header["text"].endswith("1 of 4 so far")
    assert reply["thread_ts"] == header["ts"] and "Billing backfill" in str(reply["blocks"])
    assert "On track" not in str(sb.channel_messages(channel))  # for the manager alone

    answer(world, "bo@acme.test", {"yesterday": "Emails", "today": "Tour", "on_track": "yes"})
    wait_for(lambda: len(digest_of(sb, channel)[1]) == 2)
    wait_for(lambda: digest_of(sb, channel)[0][0]["text"].endswith("2 of 4 so far"))

    answer(world, "ana@acme.test", {"today": "Pairing with Bo instead"})
    wait_for(lambda: "Pairing with Bo instead" in str(digest_of(sb, channel)[1]))
    headers, replies = digest_of(sb, channel)
    assert len(headers) == 1 and len(replies) == 2
    assert "Review PRs" not in str(replies) and "edited" in str(replies[0]["blocks"])
    assert headers[0]["text"].endswith("2 of 4 so far")
    with services.session() as session:
        assert sends.count(session, kind=SendKind.digest) == 1
        assert sends.count(session, kind=SendKind.digest_reply) == 2
    assert sb.problems == []


def test_a_team_without_a_channel_keeps_every_answer_between_person_and_manager(world):
    sb, services = world.sb, world.services
    maria = world.ids["maria@acme.test"]
    sb.slash_command(maria, "/checkins", "settings")
    wait_for(lambda: sb.open_views(maria))
    sb.submit_view(maria, {"template": "standup"})
    tick_now(services)
    view = answer(world, "chen@acme.test", {"yesterday": "a", "today": "b", "on_track": "yes"})
    contexts = [str(b) for b in view["blocks"] if b["type"] == "context"][1:]
    assert all("Only you and your manager" in c for c in contexts)
    with services.session() as session:
        assert sends.count(session, kind=SendKind.digest) == 0


def test_only_the_teams_manager_or_an_hr_admin_gives_it_a_channel(world):
    sb, ana = world.sb, world.ids["ana@acme.test"]
    channel = sb.add_channel("anas-channel")
    sb.slash_command(ana, "/checkins", f"channel <#{channel}|anas-channel>")
    wait_for(lambda: "Only managers and HR admins" in sb.transcript(ana))
    assert sb.channel_messages(channel) == []


def test_a_channel_is_checked_before_it_is_kept(world):
    """Refused with a line for its chooser alone: an id longer than the ledger's keys hold, a channel the app
    cannot see, and a private one the manager is not in (the team's answers would go to strangers)."""
    sb, services, maria = world.sb, world.services, world.ids["maria@acme.test"]
    ana = world.ids["ana@acme.test"]
    secret = sb.add_channel("leadership", is_private=True, members=[ana])
    ours = sb.add_channel("platform-private", is_private=True, members=[maria, ana])
    for typed, refusal in (
        ("<#C0123456789ABCDEF>", "That is not a channel Slack would name"),
        ("<#C0NOSUCH|gone>", "I cannot see that channel"),
        (f"<#{secret}|leadership>", f"You are not in <#{secret}>, a private channel"),
    ):
        sb.slash_command(maria, "/checkins", f"channel {typed}")
        wait_for(lambda r=refusal: r in str(sb.ephemerals(maria)))
    with services.session() as session:
        assert store.team_channel(session, team="Platform") is None
    assert sb.channel_messages(secret) == []
    sb.slash_command(maria, "/checkins", f"channel <#{ours}|platform-private>")
    wait_for(lambda: "Platform's check-in digest will be posted in" in sb.transcript(maria))
    with services.session() as session:
        assert store.team_channel(session, team="Platform").channel == ours
    assert len(sb.channel_messages(ours)) == 1  # the welcome
    refused = [s for s in sb.seen(maria) if "channel" in s.text and "digest will be posted" not in s.text]
    assert len(refused) == 3 and {s.kind for s in refused} <= {"ephemeral", "response"}  # to Maria alone


# --- when Slack refuses ------------------------------------------------------------------------------------


def told_gone(sb, uid):
    return [m for m in sb.dm_messages(uid) if m.get("bot_id") and "digest cannot be posted" in m["text"]]


def test_a_digest_message_slack_refused_for_now_is_posted_by_a_later_tick_with_the_answers(world):
    from datetime import timedelta

    sb, services = world.sb, world.services
    channel = standup_with_channel(world)
    tick_now(services)
    sb.inject_error("chat.postMessage", "internal_error", channel=channel)
    answer(world, "ana@acme.test", {"yesterday": "Billing", "today": "Review", "on_track": "yes"})
    answer(world, "bo@acme.test", {"yesterday": "Emails", "today": "Tour", "on_track": "yes"})
    with services.session() as session:  # the first answer's message failed; the second's reply waits
        wait_for(lambda: sends.count(session, kind=SendKind.digest, state="failed") == 1)
    assert digest_of(sb, channel) == ([], [])
    run_tick(services, now=utcnow() + timedelta(minutes=1))  # too soon to try again
    assert digest_of(sb, channel) == ([], [])
    run_tick(services, now=utcnow() + timedelta(minutes=6))
    # (Bo's own share may still be waiting for the message, and post his reply itself.)
    wait_for(lambda: len(digest_of(sb, channel)[1]) == 2)
    (header,), replies = digest_of(sb, channel)
    wait_for(lambda: digest_of(sb, channel)[0][0]["text"].endswith("2 of 4 so far"))
    assert {r["thread_ts"] for r in replies} == {header["ts"]}
    run_tick(services, now=utcnow() + timedelta(minutes=12))  # nothing more
    assert len(sb.channel_messages(channel)) == 1 + 3
    assert told_gone(sb, world.ids["maria@acme.test"]) == []


def _two_answers_behind_a_429(world):
    """Ana answers first, and her process's digest message meets a 429 (15 s); Bo answers meanwhile. The
    channel, and the refused call."""
    sb = world.sb
    channel = standup_with_channel(world)
    tick_now(world.services)
    sb.inject_ratelimit("chat.postMessage", count=1, retry_after=15, channel=channel)
    answer(world, "ana@acme.test", {"yesterday": "Billing", "today": "Review", "on_track": "yes"})
    answer(world, "bo@acme.test", {"yesterday": "Emails", "today": "Tour", "on_track": "yes"})
    refused = wait_for(lambda: [c for c in sb.calls_to("chat.postMessage") if c.status == 429], timeout=10)
    return channel, refused


def test_a_reply_that_gave_up_waiting_for_a_slow_digest_message_is_posted_by_a_later_tick(world):
    """The first answer's digest message waits out a 429 longer than a second answer waits for it: the
    second reply is left for the tick, which posts it in the thread once."""
    from datetime import timedelta

    sb, services = world.sb, world.services
    channel, refused = _two_answers_behind_a_429(world)
    assert refused[0].args["channel"] == channel  # Ana's process posts the message 15 s later
    (header,), (reply,) = wait_for(lambda: digest_of(sb, channel)[1] and digest_of(sb, channel), timeout=60)
    assert "Billing" in str(reply["blocks"])
    time.sleep(1.0)
    assert len(digest_of(sb, channel)[1]) == 1  # Bo's stopped waiting for the message: it waits for a tick
    run_tick(services, now=utcnow() + timedelta(minutes=6))
    wait_for(lambda: len(digest_of(sb, channel)[1]) == 2)
    (header,), replies = digest_of(sb, channel)
    assert {r["thread_ts"] for r in replies} == {header["ts"]} and "Emails" in str(replies[1]["blocks"])
    wait_for(lambda: digest_of(sb, channel)[0][0]["text"].endswith("2 of 4 so far"))
    run_tick(services, now=utcnow() + timedelta(minutes=12))  # nothing more
    assert len(sb.channel_messages(channel)) == 1 + 3
    with services.session() as session:
        assert sends.count(session, kind=SendKind.digest_reply, state="sent") == 2
    assert sb.problems == []


def test_a_reply_waiting_for_a_digest_message_that_failed_for_good_is_not_retried_forever(world):
    """The period's message never comes (the channel was archived while it waited out a 429): a reply that
    waits for it is given up at the next try instead of being tried again every 5 minutes."""
    from datetime import timedelta

    sb, services = world.sb, world.services
    channel, _ = _two_answers_behind_a_429(world)
    sb.archive_channel(channel)  # before Ana's process tries the message again

    def ledger(kind: str) -> list:
        with services.session() as session:
            return [row for row in sends.rows(session, kind=kind, pairs=_pairs(session)).values()]

    wait_for(lambda: [r for r in ledger(SendKind.digest) if r.state == "failed"], timeout=60)
    wait_for(lambda: [r for r in ledger(SendKind.digest_reply) if r.state == "failed"], timeout=60)
    run_tick(services, now=utcnow() + timedelta(minutes=6))
    with services.session() as session:
        later = utcnow() + timedelta(hours=1)
        assert sends.retries_due(session, kinds=(SendKind.digest, SendKind.digest_reply), now=later) == set()


def test_an_archived_channel_is_told_to_the_manager_once_and_the_answers_are_kept(world):
    from datetime import timedelta

    sb, services, maria = world.sb, world.services, world.ids["maria@acme.test"]
    channel = standup_with_channel(world)
    tick_now(services)
    sb.archive_channel(channel)
    answer(world, "ana@acme.test", {"yesterday": "Billing", "today": "Review", "on_track": "yes"})
    (notice,) = wait_for(lambda: told_gone(sb, maria))
    assert f"<#{channel}>" in str(notice["blocks"]) and "is_archived" in notice["text"]
    answer(world, "bo@acme.test", {"yesterday": "Emails", "today": "Tour", "on_track": "yes"})
    for minutes in (6, 12, 30):  # no retry loop, nobody told twice
        run_tick(services, now=utcnow() + timedelta(minutes=minutes))
    assert len(told_gone(sb, maria)) == 1
    with services.session() as session:
        assert store.submitted_in(session, person_ids=list(_ids(session)), period_key=_key(session)) == 2
        assert sends.count(session, kind=SendKind.digest, state="sent") == 0
    assert sb.problems == []


def test_the_app_removed_later_fails_the_edits_and_is_told_once(world):
    sb, services, maria = world.sb, world.services, world.ids["maria@acme.test"]
    channel = standup_with_channel(world)
    tick_now(services)
    answer(world, "ana@acme.test", {"yesterday": "Billing", "today": "Review", "on_track": "yes"})
    wait_for(lambda: digest_of(sb, channel)[1])
    sb.remove_app(channel)
    answer(world, "ana@acme.test", {"today": "Pairing"})  # the reply's edit fails
    (notice,) = wait_for(lambda: told_gone(sb, maria))
    assert "channel_not_found" in notice["text"]
    answer(world, "bo@acme.test", {"yesterday": "Emails", "today": "Tour", "on_track": "yes"})
    answer(world, "ana@acme.test", {"today": "Pairing again"})
    with services.session() as session:
        wait_for(lambda: sends.count(session, kind=SendKind.digest_reply, state="failed") == 1)
    assert len(told_gone(sb, maria)) == 1
    assert "Pairing" not in str(sb.channel_messages(channel))


def test_a_channel_changed_mid_period_keeps_the_periods_digest_where_it_started(world):
    sb, services, maria = world.sb, world.services, world.ids["maria@acme.test"]
    first = standup_with_channel(world)
    tick_now(services)
    answer(world, "ana@acme.test", {"yesterday": "Billing", "today": "Review", "on_track": "yes"})
    wait_for(lambda: digest_of(sb, first)[1])
    second = sb.add_channel("platform-updates")
    sb.slash_command(maria, "/checkins", f"channel <#{second}|platform-updates>")
    said = wait_for(lambda: [e for e in sb.ephemerals(maria) if "from the next period" in str(e)])
    assert f"<#{first}>" in str(said[-1]) and f"<#{second}>" in str(said[-1])  # mentions, not escaped
    answer(world, "bo@acme.test", {"yesterday": "Emails", "today": "Tour", "on_track": "yes"})
    wait_for(lambda: len(digest_of(sb, first)[1]) == 2)
    wait_for(lambda: digest_of(sb, first)[0][0]["text"].endswith("2 of 4 so far"))
    assert len(sb.channel_messages(second)) == 1  # its welcome only, until the next period


def _ids(session):
    from storage import people

    return [p.id for p in people.in_team(session, team="Platform")]


def _key(session):
    from sqlmodel import select

    from storage.models import Checkin

    return session.exec(select(Checkin.period_key)).first()


def _pairs(session) -> list[tuple[int, str]]:
    key = _key(session)
    return [(person_id, key) for person_id in _ids(session)]


def test_a_digest_message_whose_first_poster_died_before_claiming_it_is_posted_by_a_later_answer(world):
    """Ana's answer made the period's digest row, naming her as its poster, and her process died before it
    claimed the message in the ledger (the state it leaves, written here): Bo's answer posts the message
    under Ana's ledger row, once, and his reply in its thread; a later tick adds nothing."""
    from datetime import timedelta

    from sqlmodel import select

    from storage import people
    from storage.models import Checkin

    sb, services = world.sb, world.services
    channel = standup_with_channel(world)
    tick_now(services)
    with services.session() as session:
        ana = people.get_by_email(session, email="ana@acme.test")
        key = session.exec(select(Checkin.period_key).where(Checkin.person_id == ana.id)).first()
        assert store.claim_digest(session, team="Platform", period_key=key, channel=channel, poster_id=ana.id)
    answer(world, "bo@acme.test", {"yesterday": "Emails", "today": "Tour", "on_track": "yes"})
    (header,), (reply,) = wait_for(lambda: digest_of(sb, channel)[1] and digest_of(sb, channel), timeout=15)
    assert reply["thread_ts"] == header["ts"] and "Emails" in str(reply["blocks"])
    with services.session() as session:
        row = sends.rows(session, kind=SendKind.digest, pairs=[(ana.id, key)])[(ana.id, key)]
        assert row.state == "sent" and row.ts == header["ts"]
    run_tick(services, now=utcnow() + timedelta(minutes=6))
    assert len(sb.channel_messages(channel)) == 1 + 2
    assert sb.problems == []
