"""A DM to the app outside any check-in thread: kept in the writer's file, and they are told so in one line,
with who can read it, once per DM (a job run again sends nothing more)."""

from handlers.checkins import direct_message
from storage import file_entries, people, sends
from storage.models import SendKind
from tests.support import wait_for


def told(sb, uid):
    return [m for m in sb.dm_messages(uid) if m.get("bot_id") and m["text"].startswith("Kept in your file")]


def messages_in_file(services, uid):
    with services.session() as session:
        person = people.get_by_slack_id(session, slack_user_id=uid)
        return [e for e in file_entries.list_for(session, person_id=person.id) if e.kind == "message"]


def test_a_dm_is_kept_and_its_writer_told_once_who_can_read_it(world):
    sb, services, ids = world.sb, world.services, world.ids
    ana, maria = ids["ana@acme.test"], ids["maria@acme.test"]
    sb.send_dm(ana, "Shipped the <!channel> release, *finally* <@" + maria + ">")
    (line,) = wait_for(lambda: told(sb, ana))
    assert line["text"] == f"Kept in your file. You, your manager <@{maria}> and HR admins can read it."
    assert "thread_ts" not in line or line["thread_ts"] == line["ts"]  # where it was written: the DM itself
    assert len(messages_in_file(services, ana)) == 1

    # The job runs again (a worker died after the answer went out): nothing is kept or said twice.
    dm = next(m for m in sb.dm_messages(ana) if not m.get("bot_id"))
    event = {"type": "message", "channel_type": "im", "user": ana, "text": dm["text"], "ts": dm["ts"]}
    direct_message({**event, "channel": sb.dm_channel(ana)}, services)
    assert len(told(sb, ana)) == 1 and len(messages_in_file(services, ana)) == 1
    with services.session() as session:
        assert sends.count(session, kind=SendKind.dm_filed) == 1

    sb.send_dm(ana, "And the docs")  # each DM gets its own line
    wait_for(lambda: len(told(sb, ana)) == 2)
    assert len(messages_in_file(services, ana)) == 2
    assert sb.problems == []


def test_someone_without_a_manager_is_told_only_they_and_hr_admins_read_it(world):
    sb, maria = world.sb, world.ids["maria@acme.test"]
    sb.send_dm(maria, "Note to self: <b>plan</b> the offsite")
    (line,) = wait_for(lambda: told(sb, maria))
    assert line["text"] == "Kept in your file. You and HR admins can read it."


def test_a_reply_in_a_non_check_in_thread_is_answered_in_that_thread(world):
    sb, ana = world.sb, world.ids["ana@acme.test"]
    sb.send_dm(ana, "First thought")
    wait_for(lambda: told(sb, ana))
    parent = next(m for m in sb.dm_messages(ana) if not m.get("bot_id"))
    sb.send_dm(ana, "A follow-up", thread_ts=parent["ts"])
    second = wait_for(lambda: told(sb, ana)[1:])[0]
    assert second["thread_ts"] == parent["ts"]
