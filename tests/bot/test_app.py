"""The real app over HTTP and over Socket Mode, driven by the sandbox as Slack would."""

import time
import urllib.request

import pytest

from storage import file_entries, people
from tests.support import seed_team, wait_for


@pytest.fixture
def team(sandbox, runtime, app_server):
    return seed_team(sandbox, runtime.services)


def _file(runtime, email):
    with runtime.services.session() as session:
        person = people.get_by_email(session, email=email)
        return list(file_entries.list_for(session, person_id=person.id))


def test_healthz_answers_while_the_database_answers(app_server):
    with urllib.request.urlopen(f"{app_server.url}/healthz", timeout=5) as response:
        assert response.status == 200
        assert b'"database": "up"' in response.read()


def test_signed_slash_command_is_acked_at_once_and_answered(sandbox, team):
    reply = sandbox.slash_command(team["ana@acme.test"], "/checkins", "")
    assert reply.status == 200
    assert reply.elapsed < 3  # Slack's own deadline for the ack
    answer = wait_for(lambda: [s for s in sandbox.seen(team["ana@acme.test"]) if "Platform" in str(s.blocks)])
    transcript = sandbox.transcript(team["ana@acme.test"])
    assert "Your check-ins" in transcript
    assert "every Friday at 10:00" in transcript
    assert f"<@{team['maria@acme.test']}>" in str(answer[-1].blocks)
    assert "America/Sao_Paulo" in transcript


@pytest.mark.parametrize("how", ["unsigned", "stale", "future"])
def test_unsigned_or_stale_requests_get_401_and_nothing_happens_over_http(sandbox, team, how):
    kwargs = {
        "unsigned": {"sign": False},
        "stale": {"timestamp": int(time.time()) - 301},
        "future": {"timestamp": int(time.time()) + 301},
    }[how]
    reply = sandbox.slash_command(team["ana@acme.test"], "/checkins", "", **kwargs)
    assert reply.status == 401
    time.sleep(0.3)
    assert sandbox.seen(team["ana@acme.test"]) == []


def test_someone_outside_the_org_is_told_to_ask_hr(sandbox, app_server):
    stranger = sandbox.add_user(email="x@elsewhere.test", real_name="X", name="x", tz="UTC")
    assert sandbox.slash_command(stranger, "/checkins", "").status == 200
    wait_for(lambda: "not set up" in sandbox.transcript(stranger))


def test_every_declared_command_answers(sandbox, team):
    for command in ("/goals", "/feedback", "/checkins"):
        assert sandbox.slash_command(team["bo@acme.test"], command, "help").status == 200
    wait_for(lambda: sandbox.transcript(team["bo@acme.test"]).count("`/") >= 3)
    assert "not available" not in sandbox.transcript(team["bo@acme.test"])


def test_home_tab_shows_the_persons_own_file_and_pages_through_it(sandbox, runtime, team):
    ana = team["ana@acme.test"]
    for n in range(12):
        assert sandbox.send_dm(ana, f"note {n} <!channel>").status == 200
    wait_for(lambda: len(_file(runtime, "ana@acme.test")) == 13)  # joined + 12 messages
    assert sandbox.open_home(ana).status == 200
    home = wait_for(lambda: sandbox.home(ana))
    text = str(home["blocks"])
    assert "note 11 &lt;!channel&gt;" in text and "note 2 " in text and "note 1 " not in text
    assert sandbox.click(ana, "home_file_page_older").status == 200
    wait_for(lambda: "note 0 " in str(sandbox.home(ana)["blocks"]))
    assert "Joined" in str(sandbox.home(ana)["blocks"])
    # paging one's own file records no look at it
    assert not [e for e in _file(runtime, "ana@acme.test") if e.kind == "file_view"]


def test_a_direct_message_is_kept_once_despite_slack_retries(sandbox, runtime, team):
    chen = team["chen@acme.test"]
    reply = sandbox.send_dm(chen, "blocked on the deploy & <@U999>")
    assert reply.status == 200
    entries = wait_for(lambda: [e for e in _file(runtime, "chen@acme.test") if e.kind == "message"])
    event_id = sandbox.last_event_id
    assert sandbox.retry_event(event_id, num=1, reason="http_timeout").status == 200
    assert sandbox.retry_event(event_id, num=2, reason="http_timeout").status == 200
    # a later, different message arrives; by then any doubled entry from the retries would be there too
    sandbox.send_dm(chen, "a later message")
    wait_for(lambda: [e for e in _file(runtime, "chen@acme.test") if e.text == "a later message"])
    entries = [e for e in _file(runtime, "chen@acme.test") if e.kind == "message"]
    assert [e.text for e in entries] == ["blocked on the deploy & <@U999>", "a later message"]
    assert entries[0].author_id == entries[0].person_id
    assert entries[0].slack_ts


def test_the_bots_own_messages_are_not_kept(sandbox, runtime, team):
    chen = team["chen@acme.test"]
    event = {
        "type": "message",
        "channel": "D0CHEN",
        "user": sandbox.bot_user_id,
        "bot_id": "B0BOT",
        "text": "echo",
        "ts": "1790000000.000100",
        "channel_type": "im",
    }
    assert sandbox.send_event(event).status == 200
    sandbox.send_dm(chen, "real")
    wait_for(lambda: [e for e in _file(runtime, "chen@acme.test") if e.kind == "message"])
    assert [e.text for e in _file(runtime, "chen@acme.test") if e.kind == "message"] == ["real"]


def test_a_form_served_after_its_trigger_expired_tells_the_person_to_try_again(sandbox, team, caplog):
    ana = team["ana@acme.test"]
    sandbox.ws.trigger_ttl = 0.0  # as if the app had been too busy to open it within Slack's 3 s
    assert sandbox.slash_command(ana, "/goals", "new").status == 200
    wait_for(lambda: "took us too long" in sandbox.transcript(ana))
    assert sandbox.open_views(ana) == []
    assert "expired_trigger_id" in caplog.text  # and logged for the operator


def test_a_view_submission_is_answered_with_inline_errors_in_the_ack(sandbox, team, transport):
    """Over Socket Mode the errors ride in the ack's payload, as over HTTP in the response body."""
    ana = team["ana@acme.test"]
    assert sandbox.slash_command(ana, "/goals", "new").status == 200
    [form] = wait_for(lambda: sandbox.open_views(ana))
    [period] = [b for b in form["blocks"] if b.get("block_id") == "period"]
    values = {"title": "Ship v2", "kind": "result", "metric": "teams", "baseline": "1", "target": "lots"}
    values["period"] = period["element"]["options"][0]["value"]
    reply = sandbox.submit_view(ana, values)
    assert reply.status == 200
    assert reply.json["response_action"] == "errors"
    assert sandbox.view_errors(ana) == reply.json["errors"]
    assert len(sandbox.open_views(ana)) == 1  # the form stays open, what was typed kept


def _messages(runtime, email) -> list[str]:
    return [e.text for e in _file(runtime, email) if e.kind == "message"]


def test_an_event_whose_ack_was_lost_is_delivered_again_and_kept_once_over_socket_mode(
    sandbox, runtime, team
):
    chen = team["chen@acme.test"]
    sandbox.ack_timeout = 1.0  # Slack waits 3 s; a shorter wait keeps the test short
    sandbox.lose_acks(1)  # the app's ack never reaches Slack
    reply = sandbox.send_dm(chen, "kept once")
    assert [attempt.status for attempt in reply.attempts] == [0, 200]  # redelivered, then acked
    sandbox.send_dm(chen, "a later message")  # by then a doubled entry would be there too
    wait_for(lambda: "a later message" in _messages(runtime, "chen@acme.test"))
    assert _messages(runtime, "chen@acme.test") == ["kept once", "a later message"]


@pytest.mark.parametrize("reason", ["refresh_requested", "warning"])
def test_a_disconnect_loses_no_envelope_over_socket_mode(sandbox, runtime, team, reason):
    chen = team["chen@acme.test"]
    sent = [f"note {n}" for n in range(20)]
    for n, text in enumerate(sent):
        if n == 5:
            sandbox.socket_disconnect(reason=reason)  # Slack asks the app to move to a new connection
        assert sandbox.send_dm(chen, text).status == 200
    wait_for(lambda: len(_messages(runtime, "chen@acme.test")) == len(sent), timeout=15)
    assert sorted(_messages(runtime, "chen@acme.test")) == sorted(sent)
    sandbox.wait_for_socket_connections(count=1, timeout=15)


def test_a_command_that_mentions_payload_keeps_its_fields(sandbox, team):
    """A slash command's form is not an interaction because its text says "payload"."""
    bo = team["bo@acme.test"]
    assert sandbox.slash_command(bo, "/feedback", "help with the payload=x").status == 200
    wait_for(lambda: "/feedback request" in sandbox.transcript(bo))
