"""Acting as Slack and as people toward an app: payloads, acks, retries, response_urls, modals."""

import json
import time
import urllib.error
import urllib.request

import pytest
from werkzeug.wrappers import Response

from sandbox import Sandbox, SandboxError


def mood_button(label: str, value: str) -> dict:
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": label},
        "action_id": "mood",
        "value": value,
    }


# One action_id per actions block (Slack's rule), so each button sits in its own block.
MOOD_BLOCKS = [
    {"type": "section", "text": {"type": "mrkdwn", "text": "How was your week?"}},
    {"type": "actions", "block_id": "m1", "elements": [mood_button("Great", "great")]},
    {"type": "actions", "block_id": "m2", "elements": [mood_button("Rough", "rough")]},
]

GOAL_MODAL = {
    "type": "modal",
    "callback_id": "goal_new",
    "title": {"type": "plain_text", "text": "New goal"},
    "submit": {"type": "plain_text", "text": "Save"},
    "close": {"type": "plain_text", "text": "Cancel"},
    "notify_on_close": True,
    "private_metadata": "from-command",
    "blocks": [
        {
            "type": "input",
            "block_id": "title",
            "label": {"type": "plain_text", "text": "Title"},
            "element": {"type": "plain_text_input", "action_id": "title", "max_length": 80},
        },
        {
            "type": "input",
            "block_id": "due",
            "label": {"type": "plain_text", "text": "Due"},
            "element": {"type": "datepicker", "action_id": "due", "initial_date": "2030-01-31"},
        },
        {
            "type": "input",
            "block_id": "weight",
            "label": {"type": "plain_text", "text": "Weight"},
            "element": {
                "type": "static_select",
                "action_id": "weight",
                "options": [
                    {"text": {"type": "plain_text", "text": "Low"}, "value": "low"},
                    {"text": {"type": "plain_text", "text": "High"}, "value": "high"},
                ],
            },
        },
        {
            "type": "input",
            "block_id": "buddy",
            "optional": True,
            "label": {"type": "plain_text", "text": "Buddy"},
            "element": {"type": "users_select", "action_id": "buddy"},
        },
        {
            "type": "input",
            "block_id": "notes",
            "optional": True,
            "label": {"type": "plain_text", "text": "Notes"},
            "element": {"type": "plain_text_input", "action_id": "notes", "multiline": True},
        },
    ],
}


def open_goal_modal_on_command(client, **overrides):
    def respond(received):
        if received.kind == "command":
            client.views_open(trigger_id=received.payload["trigger_id"], view={**GOAL_MODAL, **overrides})
        return None

    return respond


# -- slash commands -------------------------------------------------------------------------------
def test_slash_command_form_fields(sb, app, ana):
    reply = sb.slash_command(ana, "/goals", "add Ship v2")
    assert reply.ok and reply.elapsed > 0
    received = app.of_kind("command")[0]
    form = received.payload
    assert received.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert form["command"] == "/goals" and form["text"] == "add Ship v2"
    assert form["user_id"] == ana and form["user_name"] == "ana"
    assert form["team_id"] == sb.team_id and form["team_domain"] == "sandbox"
    assert form["channel_id"] == sb.dm_channel(ana) and form["channel_name"] == "directmessage"
    assert form["response_url"].startswith(sb.api_url.replace("/api/", "/response/"))
    assert form["trigger_id"] and form["api_app_id"] == sb.app_id
    assert form["is_enterprise_install"] == "false" and "enterprise_id" in form


@pytest.mark.parametrize(
    ("ack", "kind", "text"),
    [
        ({"text": "Saved"}, "ephemeral", "Saved"),
        ({"response_type": "ephemeral", "text": "Also private"}, "ephemeral", "Also private"),
        ("plain words", "ephemeral", "plain words"),
        ({"response_type": "in_channel", "text": "Everyone sees"}, "dm", "Everyone sees"),
    ],
)
def test_slash_command_ack_is_shown(sb, app, ana, ack, kind, text):
    app.respond = lambda r: ack
    sb.slash_command(ana, "/goals", "")
    assert [(s.kind, s.text) for s in sb.seen(ana)] == [(kind, text)]
    assert sb.problems == []


def test_empty_ack_shows_nothing(sb, app, ana):
    assert sb.slash_command(ana, "/goals", "").status == 200
    assert sb.seen(ana) == []


def test_ack_with_invalid_blocks_is_refused(sb, app, ana):
    app.respond = lambda r: {
        "blocks": [{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}]
    }
    reply = sb.slash_command(ana, "/goals", "")
    assert reply.error == "invalid_command_response"
    assert [s.kind for s in sb.seen(ana)] == ["error"]
    assert sb.problems


def test_slow_ack_times_out(sb, app, ana):
    sb.ack_timeout = 0.3
    app.respond = lambda r: time.sleep(0.6)
    reply = sb.slash_command(ana, "/goals", "")
    assert reply.timed_out and reply.status == 0 and reply.error == "operation_timeout"
    assert reply.elapsed >= 0.3
    assert sb.seen(ana)[-1].text == '/goals failed with the error "operation_timeout"'


def test_server_error_is_dispatch_failed(sb, app, ana):
    app.respond = lambda r: Response("boom", status=500)
    reply = sb.slash_command(ana, "/goals", "")
    assert reply.status == 500 and reply.error == "dispatch_failed"
    assert "dispatch_failed" in sb.transcript(ana)


def test_no_app_url_is_a_clear_error(ana):
    with Sandbox() as sb:
        uid = sb.add_user(email="x@example.com")
        with pytest.raises(SandboxError, match="set_app_url"):
            sb.slash_command(uid, "/goals")


def test_deactivated_people_cannot_act(sb, app, ana):
    sb.update_user(ana, deleted=True)
    with pytest.raises(SandboxError, match="deactivated"):
        sb.slash_command(ana, "/goals")
    assert app.requests == []


# -- block_actions on messages --------------------------------------------------------------------
def test_click_sends_block_actions_built_from_the_message(sb, app, client, ana):
    posted = client.chat_postMessage(channel=ana, text="How was your week?", blocks=MOOD_BLOCKS)
    reply = sb.click(ana, "mood", "rough")
    assert reply.ok
    payload = app.of_kind("interaction")[0].payload
    assert payload["type"] == "block_actions"
    assert payload["user"]["id"] == ana and payload["user"]["username"] == "ana"
    assert payload["container"] == {
        "type": "message",
        "message_ts": posted["ts"],
        "channel_id": posted["channel"],
        "is_ephemeral": False,
    }
    assert payload["channel"]["id"] == posted["channel"]
    assert payload["message"]["ts"] == posted["ts"] and payload["message"]["bot_id"] == sb.bot_id
    action = payload["actions"][0]
    assert (action["action_id"], action["block_id"], action["value"], action["type"]) == (
        "mood",
        "m2",
        "rough",
        "button",
    )
    assert payload["trigger_id"] and payload["response_url"] and payload["api_app_id"] == sb.app_id


def test_click_picks_the_newest_message(sb, app, client, ana):
    client.chat_postMessage(channel=ana, text="week 1", blocks=MOOD_BLOCKS)
    newest = client.chat_postMessage(channel=ana, text="week 2", blocks=MOOD_BLOCKS)
    sb.click(ana, "mood", "great")
    assert app.of_kind("interaction")[0].payload["container"]["message_ts"] == newest["ts"]


def test_click_on_nothing_visible_raises(sb, app, client, ana, bob):
    client.chat_postMessage(channel=bob, text="for bob", blocks=MOOD_BLOCKS)
    with pytest.raises(SandboxError, match="sees no element 'mood'"):
        sb.click(ana, "mood")
    with pytest.raises(SandboxError, match="value 'meh'"):
        sb.click(bob, "mood", "meh")
    assert app.requests == []


def test_click_trigger_opens_a_modal(sb, app, client, ana):
    client.chat_postMessage(channel=ana, text="Set a goal", blocks=MOOD_BLOCKS)

    def respond(received):
        client.views_open(trigger_id=received.payload["trigger_id"], view=GOAL_MODAL)

    app.respond = respond
    sb.click(ana, "mood", "great")
    assert [v["callback_id"] for v in sb.open_views(ana)] == ["goal_new"]


def test_select_in_a_message(sb, app, client, ana):
    blocks = [
        {
            "type": "section",
            "block_id": "pick",
            "text": {"type": "mrkdwn", "text": "Which goal?"},
            "accessory": {
                "type": "static_select",
                "action_id": "goal_pick",
                "placeholder": {"type": "plain_text", "text": "Goal"},
                "options": [
                    {"text": {"type": "plain_text", "text": "Ship v2"}, "value": "g1"},
                    {"text": {"type": "plain_text", "text": "Hire"}, "value": "g2"},
                ],
            },
        }
    ]
    client.chat_postMessage(channel=ana, text="Which goal?", blocks=blocks)
    sb.select(ana, "goal_pick", "g2")
    payload = app.of_kind("interaction")[0].payload
    assert payload["actions"][0]["selected_option"]["value"] == "g2"
    assert payload["actions"][0]["type"] == "static_select"
    assert payload["state"]["values"]["pick"]["goal_pick"]["selected_option"]["value"] == "g2"
    with pytest.raises(SandboxError):
        sb.select(ana, "goal_pick", "g3")


def test_ephemeral_buttons_are_clickable_without_message_echo(sb, app, client, ana):
    client.chat_postEphemeral(channel=ana, user=ana, text="Undo?", blocks=MOOD_BLOCKS)
    sb.click(ana, "mood", "great")
    payload = app.of_kind("interaction")[0].payload
    assert payload["container"]["is_ephemeral"] is True
    assert "message" not in payload


# -- response_url ---------------------------------------------------------------------------------
def _post_json(url: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), method="POST", headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_response_url_replaces_and_deletes_the_original(sb, app, client, ana):
    posted = client.chat_postMessage(channel=ana, text="How was your week?", blocks=MOOD_BLOCKS)
    sb.click(ana, "mood", "great")
    url = app.of_kind("interaction")[0].payload["response_url"]
    status, body = _post_json(url, {"replace_original": True, "text": "Thanks! Noted: great"})
    assert (status, body) == (200, {"ok": True})
    message = sb.dm_messages(ana)[0]
    assert message["ts"] == posted["ts"] and message["text"] == "Thanks! Noted: great"
    assert "blocks" not in message  # replaced entirely: the buttons are gone
    assert sb.seen(ana)[-1].updated
    assert _post_json(url, {"delete_original": True})[0] == 200
    assert sb.dm_messages(ana) == []


def test_response_url_default_is_ephemeral_and_in_channel_posts(sb, app, ana):
    sb.slash_command(ana, "/goals", "list")
    url = app.of_kind("command")[0].payload["response_url"]
    _post_json(url, {"text": "Only you"})
    _post_json(url, {"text": "Everyone", "response_type": "in_channel"})
    assert [(s.kind, s.text) for s in sb.seen(ana)] == [("response", "Only you"), ("dm", "Everyone")]


def test_response_url_works_five_times(sb, app, ana):
    sb.slash_command(ana, "/goals", "")
    url = app.of_kind("command")[0].payload["response_url"]
    statuses = [_post_json(url, {"text": f"{i}"})[0] for i in range(6)]
    assert statuses == [200] * 5 + [404]
    assert _post_json(url, {"text": "x"})[1]["error"] == "used_url"
    assert _post_json(url.rsplit("/", 1)[0] + "/made-up", {"text": "x"})[0] == 404


def test_response_url_refuses_invalid_blocks(sb, app, ana):
    sb.slash_command(ana, "/goals", "")
    url = app.of_kind("command")[0].payload["response_url"]
    status, body = _post_json(url, {"text": "x", "blocks": [{"type": "section", "text": {"type": "mrkdwn"}}]})
    assert status == 400 and body["error"] == "invalid_blocks"
    assert sb.problems and sb.seen(ana) == []


# -- modals ---------------------------------------------------------------------------------------
def test_submit_view_builds_state_values(sb, app, client, ana, bob):
    app.respond = open_goal_modal_on_command(client)
    sb.slash_command(ana, "/goals", "new")
    app.respond = lambda r: None
    reply = sb.submit_view(ana, {"title": "Ship v2", "weight": "high", "buddy": bob})
    assert reply.ok
    payload = app.of_kind("interaction")[-1].payload
    assert payload["type"] == "view_submission"
    view = payload["view"]
    assert view["callback_id"] == "goal_new" and view["private_metadata"] == "from-command"
    values = view["state"]["values"]
    assert values["title"]["title"] == {"type": "plain_text_input", "value": "Ship v2"}
    assert values["due"]["due"] == {"type": "datepicker", "selected_date": "2030-01-31"}  # initial kept
    assert values["weight"]["weight"]["selected_option"]["value"] == "high"
    assert values["buddy"]["buddy"] == {"type": "users_select", "selected_user": bob}
    assert values["notes"]["notes"] == {"type": "plain_text_input", "value": None}  # optional, left empty
    assert sb.open_views(ana) == []  # an empty ack closes the modal


def test_required_fields_are_checked_before_sending(sb, app, client, ana):
    app.respond = open_goal_modal_on_command(client)
    sb.slash_command(ana, "/goals", "new")
    reply = sb.submit_view(ana, {"title": "x" * 81})
    assert reply.status == 0 and reply.error == "client_validation"
    assert set(sb.view_errors(ana)) == {"title", "weight"}
    assert app.of_kind("interaction") == []  # Slack's client never sent it
    with pytest.raises(SandboxError, match="no input"):
        sb.submit_view(ana, {"nonexistent": "x"})


def test_submit_view_with_errors_ack(sb, app, client, ana):
    app.respond = open_goal_modal_on_command(client)
    sb.slash_command(ana, "/goals", "new")
    app.respond = lambda r: {"response_action": "errors", "errors": {"title": "Title taken"}}
    reply = sb.submit_view(ana, {"title": "Ship", "weight": "low"})
    assert reply.ok and reply.error is None
    assert sb.view_errors(ana) == {"title": "Title taken"}
    assert len(sb.open_views(ana)) == 1
    assert sb.problems == []


def test_errors_ack_naming_a_non_input_block_is_flagged(sb, app, client, ana):
    app.respond = open_goal_modal_on_command(client)
    sb.slash_command(ana, "/goals", "new")
    app.respond = lambda r: {"response_action": "errors", "errors": {"title_input": "bad key"}}
    reply = sb.submit_view(ana, {"title": "Ship", "weight": "low"})
    assert reply.error == "invalid_errors"
    assert any("title_input" in p for p in sb.problems)


def test_submit_view_update_push_clear(sb, app, client, ana):
    app.respond = open_goal_modal_on_command(client)
    sb.slash_command(ana, "/goals", "new")
    confirm = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Confirm"},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Sure?"}}],
    }
    app.respond = lambda r: {"response_action": "push", "view": {**GOAL_MODAL, "notify_on_close": False}}
    sb.submit_view(ana, {"title": "One", "weight": "low"})
    app.respond = lambda r: {"response_action": "update", "view": {**GOAL_MODAL, "title": confirm["title"]}}
    sb.submit_view(ana, {"title": "Two", "weight": "low"})
    assert [v["title"]["text"] for v in sb.open_views(ana)] == ["New goal", "Confirm"]
    app.respond = lambda r: {"response_action": "clear"}
    sb.submit_view(ana, {"title": "Three", "weight": "low"})
    assert sb.open_views(ana) == []
    assert sb.problems == []


def test_push_beyond_three_is_flagged(sb, app, client, ana):
    app.respond = open_goal_modal_on_command(client)
    sb.slash_command(ana, "/goals", "new")
    app.respond = lambda r: {"response_action": "push", "view": GOAL_MODAL}
    for _ in range(3):
        sb.submit_view(ana, {"title": "x", "weight": "low"})
    assert len(sb.open_views(ana)) == 3
    assert any("push_limit_reached" in p for p in sb.problems)


def test_modal_inputs_keep_state_until_submit(sb, app, client, ana):
    app.respond = open_goal_modal_on_command(client)
    sb.slash_command(ana, "/goals", "new")
    assert sb.select(ana, "weight", "high").status == 0  # no dispatch_action: nothing is sent
    sb.submit_view(ana, {"title": "Kept"})
    values = app.of_kind("interaction")[-1].payload["view"]["state"]["values"]
    assert values["weight"]["weight"]["selected_option"]["value"] == "high"


def test_click_inside_a_modal(sb, app, client, ana):
    with_button = {
        **GOAL_MODAL,
        "blocks": [*GOAL_MODAL["blocks"], {"type": "actions", "elements": [MOOD_BLOCKS[1]["elements"][0]]}],
    }
    app.respond = open_goal_modal_on_command(client, blocks=with_button["blocks"])
    sb.slash_command(ana, "/goals", "new")
    sb.click(ana, "mood")
    payload = app.of_kind("interaction")[-1].payload
    assert payload["container"]["type"] == "view"
    assert payload["view"]["id"] == sb.open_views(ana)[0]["id"]
    assert "title" in payload["view"]["state"]["values"]
    assert "response_url" not in payload


def test_close_view_notifies_only_when_asked(sb, app, client, ana):
    app.respond = open_goal_modal_on_command(client)
    sb.slash_command(ana, "/goals", "new")
    reply = sb.close_view(ana)
    assert reply.ok
    closed = app.of_kind("interaction")[-1].payload
    assert closed["type"] == "view_closed" and closed["is_cleared"] is False
    app.respond = open_goal_modal_on_command(client, notify_on_close=False)
    sb.slash_command(ana, "/goals", "new")
    assert sb.close_view(ana).status == 0
    assert len(app.of_kind("interaction")) == 1
    with pytest.raises(SandboxError, match="no modal"):
        sb.close_view(ana)


# -- events ---------------------------------------------------------------------------------------
def test_send_dm_is_a_message_im_event(sb, app, ana):
    reply = sb.send_dm(ana, "Shipped the release")
    assert reply.ok
    envelope = app.of_kind("event")[0].payload
    assert envelope["type"] == "event_callback" and envelope["event_id"].startswith("Ev")
    assert envelope["team_id"] == sb.team_id and envelope["api_app_id"] == sb.app_id
    assert envelope["authorizations"][0]["user_id"] == sb.bot_user_id
    event = envelope["event"]
    assert (event["type"], event["channel_type"], event["user"]) == ("message", "im", ana)
    assert event["channel"] == sb.dm_channel(ana) and event["text"] == "Shipped the release"
    assert event["ts"] == event["event_ts"] == sb.dm_messages(ana)[0]["ts"]
    assert "bot_id" not in event


def test_dm_thread_reply(sb, app, client, ana):
    parent = client.chat_postMessage(channel=ana, text="What did you ship?")
    sb.send_dm(ana, "The release", thread_ts=parent["ts"])
    assert app.of_kind("event")[0].payload["event"]["thread_ts"] == parent["ts"]
    assert sb.dm_messages(ana)[1]["thread_ts"] == parent["ts"]


def test_open_home_sends_app_home_opened(sb, app, client, ana):
    sb.open_home(ana)
    client.views_publish(user_id=ana, view={"type": "home", "blocks": []})
    sb.open_home(ana)
    first, second = (r.payload["event"] for r in app.of_kind("event"))
    assert first["type"] == "app_home_opened" and first["tab"] == "home" and first["user"] == ana
    assert "view" not in first and second["view"]["type"] == "home"


def test_unacked_events_are_retried_with_headers(sb, app, ana):
    answers = iter([Response("", status=500), Response("", status=503), None])
    app.respond = lambda r: next(answers)
    reply = sb.send_event({"type": "app_mention", "user": ana, "text": "hi", "channel": "C1"})
    assert reply.ok and len(reply.attempts) == 3
    deliveries = app.of_kind("event")
    assert len({d.payload["event_id"] for d in deliveries}) == 1
    assert "X-Slack-Retry-Num" not in deliveries[0].headers
    assert [(d.headers["X-Slack-Retry-Num"], d.headers["X-Slack-Retry-Reason"]) for d in deliveries[1:]] == [
        ("1", "http_error"),
        ("2", "http_error"),
    ]


def test_slow_event_ack_is_retried_as_http_timeout(sb, app, ana):
    sb.ack_timeout = 0.2
    calls = []

    def respond(received):
        calls.append(received)
        if len(calls) == 1:
            time.sleep(0.4)

    app.respond = respond
    reply = sb.send_dm(ana, "hello")
    assert reply.ok and reply.attempts[0].timed_out
    assert app.of_kind("event")[1].headers["X-Slack-Retry-Reason"] == "http_timeout"


def test_events_never_acked_are_flagged(sb, app, ana):
    app.respond = lambda r: Response("", status=500)
    reply = sb.send_dm(ana, "hello")
    assert not reply.ok and len(reply.attempts) == 4
    assert any("never acknowledged" in p for p in sb.problems)


def test_retry_event_resends_same_event_id(sb, app, ana):
    first = sb.send_dm(ana, "hello")
    event_id = first.payload["event_id"]
    assert sb.last_event_id == event_id
    sb.retry_event(event_id, num=2, reason="http_timeout")
    again = app.of_kind("event")[-1]
    assert again.payload["event_id"] == event_id
    assert again.headers["X-Slack-Retry-Num"] == "2"
    with pytest.raises(SandboxError):
        sb.retry_event("EvNOPE")


def test_bot_dm_posts_echo_back_when_enabled(sb, app, client, ana):
    client.chat_postMessage(channel=ana, text="quiet")
    sb.echo_bot_messages = True
    posted = client.chat_postMessage(channel=ana, text="Time for your check-in")
    deadline = time.monotonic() + 3
    while not app.of_kind("event") and time.monotonic() < deadline:
        time.sleep(0.01)
    events = [r.payload["event"] for r in app.of_kind("event")]
    assert len(events) == 1  # only posts made while echoing is on
    event = events[0]
    assert event["bot_id"] == sb.bot_id and event["user"] == sb.bot_user_id
    assert event["channel_type"] == "im" and event["ts"] == posted["ts"]


def test_url_verification(sb, app):
    app.respond = lambda r: {"challenge": r.payload["challenge"]}
    assert sb.url_verification("abc123").ok and sb.problems == []
    app.respond = lambda r: None
    assert sb.url_verification("abc123").error == "challenge_failed"


def test_announce_user_change(sb, app, ana):
    sb.update_user(ana, deleted=True)
    sb.announce_user_change(ana)
    event = app.of_kind("event")[0].payload["event"]
    assert event["type"] == "user_change" and event["user"]["id"] == ana and event["user"]["deleted"] is True


def test_forged_requests_leave_no_trace_on_the_person(sb, app, client, ana):
    # Unsigned or replayed requests are not Slack's: nobody saw them fail, nobody did anything.
    client.chat_postMessage(channel=ana, text="pick", blocks=MOOD_BLOCKS)
    app.respond = open_goal_modal_on_command(client)
    sb.slash_command(ana, "/goals", "new")
    app.respond = lambda r: Response("", status=401)
    before = sb.seen(ana, include_actions=True)
    assert sb.slash_command(ana, "/goals", "", sign=False).status == 401
    assert sb.click(ana, "mood", "great", timestamp=int(time.time()) - 600).status == 401
    assert sb.submit_view(ana, {"title": "x", "weight": "low"}, sign=False).status == 401
    assert sb.send_dm(ana, "forged", sign=False).attempts == [sb.requests[-1]]  # no retries
    assert sb.seen(ana, include_actions=True) == before
    assert len(sb.open_views(ana)) == 1 and len(sb.dm_messages(ana)) == 1
    assert sb.problems == []


def test_replicas_get_requests_in_turn_and_an_unacked_event_is_retried_on_the_next(sb, ana):
    from werkzeug.wrappers import Response

    from tests.sandbox.conftest import SECRET, Receiver

    replicas = [Receiver(SECRET) for _ in range(3)]
    try:
        sb.set_app_urls([r.url for r in replicas])
        for n in range(6):
            assert sb.send_dm(ana, f"hello {n}").ok
        assert [len(r.of_kind("event")) for r in replicas] == [2, 2, 2]
        replicas[0].respond = lambda r: Response("down", status=503)  # the next in turn fails
        reply = sb.send_dm(ana, "to a replica that is down")
        assert reply.ok and [a.status for a in reply.attempts] == [503, 200]
        first, retry = replicas[0].of_kind("event")[-1], replicas[1].of_kind("event")[-1]
        assert first.payload["event_id"] == retry.payload["event_id"]
        assert retry.headers.get("X-Slack-Retry-Num") == "1"
    finally:
        for r in replicas:
            r.stop()


def test_a_message_shortcut_sends_a_message_action_for_a_message_the_person_sees(sb, app, ana):
    bo = sb.add_user(email="bo@x.test", real_name="Bo", name="bo", tz="UTC")
    eve = sb.add_user(email="eve@x.test", real_name="Eve", name="eve", tz="UTC")
    private = sb.add_channel("pairs", is_private=True, members=[ana, bo])
    ts = sb.say(bo, private, "Can we move the offsite?")
    reply = sb.message_shortcut(ana, "add_to_agenda", ts)
    assert reply.ok
    (received,) = app.of_kind("interaction")
    payload = received.payload
    assert payload["type"] == "message_action" and payload["callback_id"] == "add_to_agenda"
    assert payload["user"]["id"] == ana and payload["channel"] == {"id": private, "name": "pairs"}
    assert payload["message_ts"] == ts and payload["message"]["text"] == "Can we move the offsite?"
    assert payload["message"]["user"] == bo and payload["trigger_id"] and payload["response_url"]
    with pytest.raises(SandboxError, match="sees no message"):  # Eve is not in the channel
        sb.message_shortcut(eve, "add_to_agenda", ts)
    with pytest.raises(SandboxError, match="is not in"):
        sb.say(eve, private, "let me in")


def test_a_command_s_typed_text_arrives_escaped_as_slack_sends_it_and_its_mentions_do_not():
    from sandbox.driver import as_typed_in_slack

    typed = "give <@U1|ana> kudos for R&D <3 in <#C9|general> <!here>"
    assert as_typed_in_slack(typed) == "give <@U1|ana> kudos for R&amp;D &lt;3 in <#C9|general> <!here>"
    assert as_typed_in_slack("a > b & c") == "a &gt; b &amp; c"
