"""Block Kit limits: what Slack refuses, the sandbox refuses the same way."""

import pytest
from slack_sdk.errors import SlackApiError

from sandbox.blockkit import message_block_errors, view_errors


def section(text: str, **extra) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}, **extra}


def button(label: str, action_id: str = "act", value: str = "v") -> dict:
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": label},
        "action_id": action_id,
        "value": value,
    }


def option(text: str, value: str) -> dict:
    return {"text": {"type": "plain_text", "text": text}, "value": value}


def modal(blocks: list, **extra) -> dict:
    view = {"type": "modal", "title": {"type": "plain_text", "text": "New goal"}, "blocks": blocks}
    view.update(extra)
    return view


def text_input(block_id: str = "title", **element) -> dict:
    return {
        "type": "input",
        "block_id": block_id,
        "label": {"type": "plain_text", "text": "Title"},
        "element": {"type": "plain_text_input", "action_id": block_id, **element},
    }


GOOD_MESSAGE = [
    {"type": "header", "text": {"type": "plain_text", "text": "Weekly check-in"}},
    section("How was your week?", accessory=button("Answer", "answer")),
    {"type": "divider"},
    {"type": "context", "elements": [{"type": "mrkdwn", "text": "Due Friday"}]},
    {"type": "actions", "elements": [button("Great", "great"), button("Rough", "rough")]},
    {
        "type": "section",
        "fields": [{"type": "mrkdwn", "text": f"f{i}"} for i in range(10)],
    },
]


def test_a_good_message_passes():
    assert message_block_errors(GOOD_MESSAGE) == []


BAD_MESSAGES = {
    "51 blocks": [section("x") for _ in range(51)],
    "section text 3001": [section("a" * 3001)],
    "11 fields": [{"type": "section", "fields": [{"type": "mrkdwn", "text": "f"}] * 11}],
    "field 2001": [{"type": "section", "fields": [{"type": "mrkdwn", "text": "f" * 2001}]}],
    "header 151": [{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}],
    "header mrkdwn": [{"type": "header", "text": {"type": "mrkdwn", "text": "h"}}],
    "button text 76": [{"type": "actions", "elements": [button("b" * 76)]}],
    "button value 2001": [{"type": "actions", "elements": [button("b", value="v" * 2001)]}],
    "action_id 256": [{"type": "actions", "elements": [button("b", action_id="a" * 256)]}],
    "block_id 256": [section("x", block_id="b" * 256)],
    "duplicate block_id": [section("x", block_id="same"), section("y", block_id="same")],
    "duplicate action_id in one block": [
        {"type": "actions", "elements": [button("a", "dup"), button("b", "dup")]}
    ],
    "26 actions": [{"type": "actions", "elements": [button(str(i), f"a{i}") for i in range(26)]}],
    "11 context elements": [{"type": "context", "elements": [{"type": "mrkdwn", "text": "c"}] * 11}],
    "empty text": [section("")],
    "text without type": [{"type": "section", "text": {"text": "hi"}}],
    "text as a string": [{"type": "section", "text": "hi"}],
    "input in a message": [text_input()],
    "unknown block": [{"type": "carousel"}],
    "101 options": [
        section(
            "pick",
            accessory={
                "type": "static_select",
                "action_id": "s",
                "options": [option(str(i), str(i)) for i in range(101)],
            },
        )
    ],
    "option text 76": [
        section(
            "pick", accessory={"type": "static_select", "action_id": "s", "options": [option("o" * 76, "v")]}
        )
    ],
    "option value 151": [
        section(
            "pick", accessory={"type": "static_select", "action_id": "s", "options": [option("o", "v" * 151)]}
        )
    ],
    "initial option not offered": [
        section(
            "pick",
            accessory={
                "type": "static_select",
                "action_id": "s",
                "options": [option("a", "a")],
                "initial_option": option("b", "b"),
            },
        )
    ],
}


@pytest.mark.parametrize("name", sorted(BAD_MESSAGES))
def test_bad_messages_are_refused(name):
    errors = message_block_errors(BAD_MESSAGES[name])
    assert errors, name
    assert all("[json-pointer:/blocks" in e for e in errors)


def test_same_action_id_in_different_blocks_is_allowed():
    # Slack only wants action_id unique within a block: a list of rows each with an "Edit" button is fine.
    blocks = [section(f"Goal {i}", accessory=button("Edit", "goal_edit", str(i))) for i in range(3)]
    assert message_block_errors(blocks) == []


def test_error_points_at_the_offending_field():
    assert message_block_errors([section("ok"), section("a" * 3001)]) == [
        "must be less than 3001 characters [json-pointer:/blocks/1/text/text]"
    ]


def test_a_good_modal_passes():
    view = modal(
        [text_input(max_length=100, initial_value="x")],
        submit={"type": "plain_text", "text": "Save"},
        close={"type": "plain_text", "text": "Cancel"},
        callback_id="goal_new",
        private_metadata="p" * 3000,
    )
    assert view_errors(view, expected_type="modal") == []


SAVE = {"type": "plain_text", "text": "Save"}
BAD_VIEWS = {
    "101 blocks": modal([section("x") for _ in range(101)]),
    "title 25": modal([], title={"type": "plain_text", "text": "t" * 25}),
    "submit 25": modal([], submit={"type": "plain_text", "text": "s" * 25}),
    "close 25": modal([], close={"type": "plain_text", "text": "c" * 25}),
    "no title": {"type": "modal", "blocks": []},
    "private_metadata 3001": modal([], private_metadata="p" * 3001),
    "callback_id 256": modal([], callback_id="c" * 256),
    "max_length 3001": modal([text_input(max_length=3001)], submit=SAVE),
    "initial_value over max_length": modal([text_input(max_length=5, initial_value="toolong")], submit=SAVE),
    "inputs without submit": modal([text_input()]),
    "wrong type": {"type": "workflow_step", "blocks": []},
}


@pytest.mark.parametrize("name", sorted(BAD_VIEWS))
def test_bad_views_are_refused(name):
    assert view_errors(BAD_VIEWS[name]), name


def test_home_allows_100_blocks_but_not_101():
    assert view_errors({"type": "home", "blocks": [section("x")] * 100}, expected_type="home") == []
    assert view_errors({"type": "home", "blocks": [section("x")] * 101}, expected_type="home")
    assert view_errors(modal([]), expected_type="home")  # views.publish takes home views only


def test_invalid_blocks_answer_like_slack(client, sb, ana):
    with pytest.raises(SlackApiError) as info:
        client.chat_postMessage(channel=ana, text="x", blocks=[section("a" * 3001)])
    answer = info.value.response.data
    assert answer["ok"] is False and answer["error"] == "invalid_blocks"
    assert answer["errors"] == ["must be less than 3001 characters [json-pointer:/blocks/0/text/text]"]
    assert answer["response_metadata"]["messages"][0].startswith("[ERROR] must be less than 3001")
    assert sb.dm_messages(ana) == [] and sb.seen(ana) == []


def test_invalid_blocks_refused_by_update_and_ephemeral(client, ana):
    posted = client.chat_postMessage(channel=ana, text="x")
    for call in (
        lambda: client.chat_update(
            channel=posted["channel"], ts=posted["ts"], text="x", blocks=[{"type": "header"}]
        ),
        lambda: client.chat_postEphemeral(channel=ana, user=ana, text="x", blocks=[text_input()]),
    ):
        with pytest.raises(SlackApiError) as info:
            call()
        assert info.value.response["error"] == "invalid_blocks"


def test_invalid_views_answer_invalid_arguments(sb, client, ana):
    with pytest.raises(SlackApiError) as info:
        client.views_publish(user_id=ana, view={"type": "home", "blocks": [section("x")] * 101})
    assert info.value.response["error"] == "invalid_arguments"
    assert any("no more than 100" in m for m in info.value.response["response_metadata"]["messages"])
    assert sb.home(ana) is None


def test_view_over_250_kb_is_too_large(client, ana):
    big = {"type": "home", "blocks": [section("x" * 2900, block_id=f"b{i}") for i in range(90)]}
    with pytest.raises(SlackApiError) as info:
        client.views_publish(user_id=ana, view=big)
    assert info.value.response["error"] == "view_too_large"
