"""The Web API as slack_sdk's real WebClient sees it: answers, shapes and error codes."""

import json
import urllib.parse
import urllib.request

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError


def _error(call, *args, **kwargs) -> str:
    with pytest.raises(SlackApiError) as info:
        call(*args, **kwargs)
    return info.value.response["error"]


def _raw(sb, method: str, data: bytes | None, headers: dict, verb: str = "POST", query: str = "") -> dict:
    url = sb.api_url + method + (f"?{query}" if query else "")
    request = urllib.request.Request(url, data=data, method=verb, headers=headers)
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())


def test_token_is_checked_on_every_method(sb, ana):
    assert _error(lambda: WebClient(base_url=sb.api_url).auth_test()) == "not_authed"
    wrong = WebClient(base_url=sb.api_url, token="xoxb-wrong")
    assert _error(wrong.auth_test) == "invalid_auth"
    assert _error(lambda: wrong.chat_postMessage(channel=ana, text="x")) == "invalid_auth"
    assert [c.error for c in sb.calls] == ["not_authed", "invalid_auth", "invalid_auth"]
    assert sb.dm_messages(ana) == []


def test_token_may_come_as_a_form_field(sb):
    body = _raw(sb, "auth.test", urllib.parse.urlencode({"token": "xoxb-sandbox-test"}).encode(), {})
    assert body["ok"] is True


def test_auth_test_names_the_bot(sb, client):
    answer = client.auth_test()
    assert answer["user_id"] == sb.bot_user_id
    assert answer["bot_id"].startswith("B")
    assert answer["team_id"] == "T0SANDBOX"
    assert answer["url"].startswith("https://")


def test_unknown_method(sb, client):
    assert _error(lambda: client.api_call("chat.doesNotExist")) == "unknown_method"
    assert sb.calls[-1].method == "chat.doesNotExist"


def test_post_message_to_user_id_lands_in_their_dm(sb, client, ana):
    first = client.chat_postMessage(channel=ana, text="Hello")
    dm = client.conversations_open(users=ana)["channel"]["id"]
    assert dm.startswith("D") and first["channel"] == dm == sb.dm_channel(ana)
    second = client.chat_postMessage(channel=dm, text="Again")
    assert first["message"]["bot_id"] == sb.bot_id
    assert first["message"]["user"] == sb.bot_user_id
    assert first["message"]["text"] == "Hello"
    assert float(second["ts"]) > float(first["ts"])
    assert [m["text"] for m in sb.dm_messages(ana)] == ["Hello", "Again"]
    assert [s.kind for s in sb.seen(ana)] == ["dm", "dm"]


def test_ts_strictly_increase_across_many_posts(client, ana):
    stamps = [client.chat_postMessage(channel=ana, text=str(i))["ts"] for i in range(20)]
    assert all(len(ts.split(".")[1]) == 6 for ts in stamps)
    assert [float(t) for t in stamps] == sorted(float(t) for t in stamps)
    assert len(set(stamps)) == 20


def test_post_message_errors(sb, client, ana):
    assert _error(lambda: client.chat_postMessage(channel="C99999999", text="x")) == "channel_not_found"
    assert _error(lambda: client.chat_postMessage(channel="U99999999", text="x")) == "channel_not_found"
    assert _error(lambda: client.api_call("chat.postMessage", json={"channel": ana, "text": ""})) == "no_text"
    assert _error(lambda: client.chat_postMessage(channel=sb.bot_user_id, text="x")) == "cannot_dm_bot"
    assert sb.dm_messages(ana) == []


def test_thread_replies(sb, client, ana):
    parent = client.chat_postMessage(channel=ana, text="Weekly check-in")
    reply = client.chat_postMessage(channel=ana, text="Answer 1 saved", thread_ts=parent["ts"])
    assert reply["message"]["thread_ts"] == parent["ts"]
    messages = sb.dm_messages(ana)
    assert messages[0]["reply_count"] == 1
    assert [s.kind for s in sb.seen(ana)] == ["dm", "thread_reply"]
    assert sb.seen(ana)[1].thread_ts == parent["ts"]


def test_channel_posts_by_id_and_name(sb, client, ana, bob):
    praise = sb.add_channel("praise")
    hr = sb.add_channel("hr-summary", is_private=True, members=[bob])
    client.chat_postMessage(channel=praise, text="Kudos to Ana")
    client.chat_postMessage(channel="#hr-summary", text="Summary")
    assert [m["text"] for m in sb.channel_messages(praise)] == ["Kudos to Ana"]
    assert [m["text"] for m in sb.channel_messages(hr)] == ["Summary"]
    assert [s.text for s in sb.seen(ana)] == ["Kudos to Ana"]  # not a member of the private channel
    assert [s.text for s in sb.seen(bob)] == ["Kudos to Ana", "Summary"]


def test_conversations_members_pages_through_a_channels_people(sb, client, ana, bob):
    everyone = sb.add_channel("general")
    hr = sb.add_channel("hr-summary", is_private=True, members=[bob, ana])
    hidden = sb.add_channel("leadership", is_private=True, members=[bob], app_member=False)
    assert set(client.conversations_members(channel=everyone)["members"]) == {ana, bob}
    first = client.conversations_members(channel=hr, limit=1)
    cursor = first["response_metadata"]["next_cursor"]
    second = client.conversations_members(channel=hr, limit=1, cursor=cursor)
    assert second["response_metadata"]["next_cursor"] == ""
    assert sorted(first["members"] + second["members"]) == sorted([ana, bob])
    with pytest.raises(SlackApiError) as info:
        client.conversations_members(channel=hidden)  # a private channel the app is not in: unseen
    assert info.value.response["error"] == "channel_not_found"


def test_message_text_over_40000_is_truncated(client, sb, ana):
    answer = client.chat_postMessage(channel=ana, text="a" * 40_005)
    assert len(answer["message"]["text"]) == 40_000
    assert len(sb.dm_messages(ana)[0]["text"]) == 40_000


def test_chat_update(sb, client, ana):
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Q1*"}}]
    posted = client.chat_postMessage(channel=ana, text="Q1", blocks=blocks)
    updated = client.chat_update(channel=posted["channel"], ts=posted["ts"], text="Q1 (answered)")
    assert updated["ts"] == posted["ts"] and updated["text"] == "Q1 (answered)"
    stored = sb.dm_messages(ana)[0]
    assert stored["text"] == "Q1 (answered)"
    assert stored["blocks"][0]["text"]["text"] == "*Q1*"  # blocks left out are kept, as Slack does
    client.chat_update(channel=posted["channel"], ts=posted["ts"], text="plain", blocks=[])
    assert "blocks" not in sb.dm_messages(ana)[0]
    assert [(s.kind, s.updated) for s in sb.seen(ana)] == [("dm", False), ("dm", True), ("dm", True)]
    missing = _error(client.chat_update, channel=posted["channel"], ts="1.000001", text="x")
    assert missing == "message_not_found"


def test_chat_update_refuses_a_persons_message(sb, app, client, ana):
    sb.send_dm(ana, "my answer")
    mine = sb.dm_messages(ana)[0]
    cant = _error(client.chat_update, channel=mine["channel"], ts=mine["ts"], text="edited")
    assert cant == "cant_update_message"
    assert _error(lambda: client.chat_delete(channel=mine["channel"], ts=mine["ts"])) == "cant_delete_message"


def test_chat_delete(sb, client, ana):
    posted = client.chat_postMessage(channel=ana, text="oops")
    assert client.chat_delete(channel=posted["channel"], ts=posted["ts"])["ts"] == posted["ts"]
    assert sb.dm_messages(ana) == []
    assert sb.seen(ana)[-1].removed is True
    assert (
        _error(lambda: client.chat_delete(channel=posted["channel"], ts=posted["ts"])) == "message_not_found"
    )


def test_post_ephemeral(sb, client, ana, bob):
    private = sb.add_channel("leads", is_private=True, members=[bob])
    answer = client.chat_postEphemeral(channel=ana, user=ana, text="only you")
    assert answer["message_ts"]
    assert [(s.kind, s.text) for s in sb.seen(ana)] == [("ephemeral", "only you")]
    assert sb.dm_messages(ana) == []
    assert (
        _error(lambda: client.chat_postEphemeral(channel=private, user=ana, text="x"))
        == "user_not_in_channel"
    )
    assert (
        _error(lambda: client.chat_postEphemeral(channel=ana, user="U99999999", text="x")) == "user_not_found"
    )


def test_conversations_open_is_stable_per_user(client, ana, bob):
    a1 = client.conversations_open(users=ana)["channel"]["id"]
    a2 = client.conversations_open(users=[ana])["channel"]["id"]
    b1 = client.conversations_open(users=bob, return_im=True)["channel"]
    assert a1 == a2 != b1["id"]
    assert b1["is_im"] is True and b1["user"] == bob
    assert _error(lambda: client.conversations_open(users="U99999999")) == "user_not_found"


def test_users_info_and_lookup(sb, client, ana):
    user = client.users_info(user=ana)["user"]
    assert user["id"] == ana
    assert user["profile"]["email"] == "ana@example.com"
    assert user["real_name"] == "Ana Lima"
    assert user["tz"] == "America/Sao_Paulo" and isinstance(user["tz_offset"], int)
    assert user["deleted"] is False and user["is_bot"] is False
    assert client.users_lookupByEmail(email="ANA@example.com")["user"]["id"] == ana
    assert _error(lambda: client.users_info(user="U99999999")) == "user_not_found"
    assert _error(lambda: client.users_lookupByEmail(email="nobody@example.com")) == "users_not_found"
    sb.update_user(ana, deleted=True, tz="Europe/Lisbon", real_name="Ana L.")
    changed = client.users_info(user=ana)["user"]
    assert (changed["deleted"], changed["tz"], changed["real_name"]) == (True, "Europe/Lisbon", "Ana L.")


def test_users_list_pages_with_cursor(sb, client):
    ids = [sb.add_user(email=f"p{i}@example.com", real_name=f"Person {i}") for i in range(7)]
    pages = []  # slack_sdk follows next_cursor itself (and reuses one response object)
    for page in client.users_list(limit=3):
        pages.append((page["members"], page["response_metadata"]["next_cursor"]))
    members = [m for page, _ in pages for m in page]
    assert len(pages) == 3  # 7 people + the app's bot + Slackbot = 9 members
    ids_listed = [m["id"] for m in members]
    assert set(ids) <= set(ids_listed) and len(ids_listed) == len(set(ids_listed)) == 9
    assert [bool(cursor) for _, cursor in pages] == [True, True, False]
    # A workspace lists its bots and Slackbot too: an app must skip them.
    bots = [m for m in members if m["is_bot"] or m["id"] == "USLACKBOT"]
    assert {b["id"] for b in bots} == {sb.bot_user_id, "USLACKBOT"}
    assert _error(lambda: client.users_list(cursor="not-a-cursor")) == "invalid_cursor"


def test_a_deactivated_account_is_not_found_by_email_but_is_listed(sb, client):
    gone = sb.add_user(email="gone@example.com", real_name="Gone", deleted=True)
    assert _error(lambda: client.users_lookupByEmail(email="gone@example.com")) == "users_not_found"
    listed = [m for page in client.users_list(limit=200) for m in page["members"]]
    assert [m["deleted"] for m in listed if m["id"] == gone] == [True]


def test_users_list_caps_a_page_and_wants_a_limit_for_a_large_team(sb, client):
    for i in range(1001):
        sb.add_user(email=f"p{i}@example.com")
    first = client.api_call("users.list", params={"limit": 5000})
    assert len(first["members"]) == 1000 and first["response_metadata"]["next_cursor"]
    assert _error(lambda: client.api_call("users.list")) == "limit_required"


def test_form_json_and_get_bodies_are_all_understood(sb, ana):
    auth = {"Authorization": "Bearer xoxb-sandbox-test"}
    blocks = json.dumps([{"type": "section", "text": {"type": "plain_text", "text": "form"}}])
    form = urllib.parse.urlencode({"channel": ana, "blocks": blocks, "text": "form"}).encode()
    by_form = _raw(
        sb, "chat.postMessage", form, {**auth, "Content-Type": "application/x-www-form-urlencoded"}
    )
    by_json = _raw(
        sb,
        "chat.postMessage",
        json.dumps({"channel": ana, "text": "json"}).encode(),
        {**auth, "Content-Type": "application/json; charset=utf-8"},
    )
    by_get = _raw(sb, "users.info", None, auth, verb="GET", query=urllib.parse.urlencode({"user": ana}))
    assert by_form["ok"] and by_form["message"]["blocks"][0]["text"]["text"] == "form"
    assert by_json["ok"] and by_get["user"]["id"] == ana
    bad = _raw(sb, "chat.postMessage", b"channel=x&blocks=%5Bnot-json", {**auth})
    assert bad == {"ok": False, "error": "invalid_blocks_format"}


def test_files_upload_v2_three_steps(sb, client, ana):
    dm = client.conversations_open(users=ana)["channel"]["id"]
    answer = client.files_upload_v2(
        channel=dm,
        content=b"name,score\nana,5\n",
        filename="review.csv",
        title="Q3 review",
        initial_comment="Here",
    )
    file_id = answer["file"]["id"]
    assert [c.method for c in sb.calls if c.method.startswith("files.")] == [
        "files.getUploadURLExternal",
        "files.completeUploadExternal",
    ]
    info = client.files_info(file=file_id)["file"]
    assert (info["name"], info["title"], info["size"]) == ("review.csv", "Q3 review", 17)
    assert info["ims"] == [dm]
    shared = sb.files(ana)
    assert len(shared) == 1
    assert shared[0]["bytes"] == b"name,score\nana,5\n"
    assert shared[0]["initial_comment"] == "Here" and shared[0]["channel"] == dm
    assert [s.kind for s in sb.seen(ana)] == ["file"]
    assert sb.dm_messages(ana)[0]["files"][0]["id"] == file_id
    assert _error(lambda: client.files_info(file="F99999999")) == "file_not_found"


def test_files_upload_refuses_user_ids_as_channel(client, ana):
    # Slack's files.completeUploadExternal wants a conversation id: open the DM first.
    error = _error(lambda: client.files_upload_v2(channel=ana, content=b"x", filename="a.txt"))
    assert error == "invalid_arguments"


def test_complete_upload_needs_the_bytes(client, ana):
    dm = client.conversations_open(users=ana)["channel"]["id"]
    started = client.files_getUploadURLExternal(filename="a.txt", length=3)
    assert started["upload_url"].startswith("http://127.0.0.1:")
    files = [{"id": started["file_id"], "title": "a"}]
    assert _error(client.files_completeUploadExternal, files=files, channel_id=dm) == "file_not_found"


def test_every_call_is_recorded(sb, client, ana):
    client.chat_postMessage(channel=ana, text="hi")
    call = sb.calls_to("chat.postMessage")[0]
    assert call.args["channel"] == ana and call.args["text"] == "hi"
    assert "token" not in call.args
    assert call.status == 200 and call.error is None and call.ok


def test_a_slow_method_posts_only_after_its_delay_and_says_what_it_holds(sb, client, ana):
    import threading
    import time

    sb.slow_down("chat.postMessage", 0.5)
    started = time.monotonic()
    posting = threading.Thread(target=lambda: client.chat_postMessage(channel=ana, text="slow"))
    posting.start()
    while not sb.slowed:
        time.sleep(0.01)
    assert sb.slowed[0]["channel"] == ana and sb.dm_messages(ana) == []  # taken, not acted on yet
    posting.join()
    assert time.monotonic() - started >= 0.5 and [m["text"] for m in sb.dm_messages(ana)] == ["slow"]
    client.chat_postMessage(channel=ana, text="quick")  # the next call is not held
    assert len(sb.slowed) == 1


def test_a_users_views_publish_may_be_refused(sb, client, ana):
    bo = sb.add_user(email="bo@example.com", real_name="Bo")
    sb.inject_error("views.publish", "internal_error", channel=ana)
    view = {"type": "home", "blocks": []}
    client.views_publish(user_id=bo, view=view)
    assert _error(client.views_publish, user_id=ana, view=view) == "internal_error"
    client.views_publish(user_id=ana, view=view)
