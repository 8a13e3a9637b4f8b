import json
from datetime import UTC, datetime
from types import SimpleNamespace as NS

import pytest

from message_templates.render import BlockKitError, environment, render_message, render_view


def _home(file, name="Ana", team="Core"):
    """What domain.home.home() gives the template: one's own file, no reports, goals or open items."""
    person = NS(id=1, name=name, team=team, active=True, slack_user_id="UANA1")
    return NS(
        viewer=person,
        subject=person,
        subject_manager=NS(slack_user_id="UBOSS1"),
        file=file,
        reports=[],
        choose_anyone=False,
        refusal=None,
        goals=[],
        open_items=[],
        own=True,
    )


def _entry(text):
    return NS(kind="message", created_at=datetime.now(UTC), text=text, author_id=None, private=False, data={})


def test_user_text_is_escaped_and_cannot_ping():
    from domain.checkins.questions import DEFAULT_QUESTIONS, answered, needs_attention

    checkin = NS(
        id=7,
        mood=2,
        edited_at=None,
        answers={"progress": 'Shipped <!channel> & <@U999> "quoted"', "blockers": "x > y"},
    )
    person = NS(name="Ana <b>", slack_user_id="UANA1")
    message = render_message(
        "checkins/to_manager.json.j2",
        checkin=checkin,
        person=person,
        label="Friday",
        questions=DEFAULT_QUESTIONS,
        answered=answered(checkin.answers, DEFAULT_QUESTIONS),
        attention=needs_attention(checkin.answers, DEFAULT_QUESTIONS),
    )
    texts = [b.get("text", {}).get("text", "") for b in message["blocks"]]
    assert 'Shipped &lt;!channel&gt; &amp; &lt;@U999&gt; "quoted"' in texts
    assert texts[texts.index("x &gt; y") - 1] == ":warning: *Anything blocking you?*"
    assert message["blocks"][1]["elements"][0]["text"].startswith(
        "<@UANA1> · Friday"
    )  # our mention stays live
    assert "<@U999>" not in str(message) and "<!channel>" not in str(message)
    assert message["text"].startswith("Ana &lt;b&gt; checked in")


def test_mention_filter_refuses_anything_but_a_user_id():
    template = environment().from_string('"{{ uid | mention }}"')
    assert template.render(uid="U123ABC") == '"<@U123ABC>"'
    with pytest.raises(ValueError):
        template.render(uid="U1> <!channel")


def test_clip_never_cuts_an_entity_and_respects_the_limit():
    template = environment().from_string('"{{ text | clip(10) }}"')
    out = json.loads(template.render(text="abcdefg&&&&"))
    assert len(out) <= 10
    assert out.endswith("…")
    assert "&amp" not in out.replace("&amp;", "")  # no half entity left


def test_date_filter_renders_in_the_readers_zone():
    template = environment().from_string('"{{ at | date }}"')
    out = template.render(at=datetime(2026, 3, 1, 12, 0, tzinfo=UTC))
    assert out == '"<!date^1772366400^{date_short_pretty} {time}|2026-03-01 12:00 UTC>"'


def test_home_view_holds_long_entries_within_block_kit_limits():
    file = NS(
        total=1, entries=[_entry("&" * 3000)], page=0, page_size=10, has_more=False, authors={}, as_of=None
    )
    view = render_view("home/home.json.j2", home=_home(file), labels={})
    assert all(len(b.get("text", {}).get("text", "")) <= 3000 for b in view["blocks"])


def test_a_view_slack_would_refuse_is_refused_before_sending():
    file = NS(
        total=200, entries=[_entry("x")] * 120, page=0, page_size=120, has_more=True, authors={}, as_of=None
    )
    with pytest.raises(BlockKitError, match="over 100"):
        render_view("home/home.json.j2", home=_home(file), labels={})


def test_chunks_keep_all_of_a_long_text_within_the_limit_and_entities_whole():
    template = environment().from_string(
        '[{% for p in text | chunks(10) %}"{{ p }}"{% if not loop.last %},{% endif %}{% endfor %}]'
    )
    pieces = json.loads(template.render(text="ab&cd<efgh>ij&&&&&&k"))
    assert all(len(p) <= 10 for p in pieces)
    assert "".join(pieces) == "ab&amp;cd&lt;efgh&gt;ij&amp;&amp;&amp;&amp;&amp;&amp;k"
    assert all(p.count("&") == p.count(";") for p in pieces)  # no entity split across pieces


def _t(text, kind="plain_text"):
    return {"type": kind, "text": text}


def _button(**kw):
    return {"type": "button", "text": _t("Go"), "action_id": "go", **kw}


def _select(**kw):
    return {"type": "static_select", "action_id": "s", "options": [{"text": _t("a"), "value": "a"}], **kw}


def _input(element, **kw):
    return {"type": "input", "label": _t("Label"), "element": element, **kw}


def _modal(blocks, **kw):
    return {"type": "modal", "title": _t("Title"), "submit": _t("Save"), "blocks": blocks, **kw}


_TEXT_INPUT = {"type": "plain_text_input", "action_id": "p"}
# What Slack refuses, by data a template could be given: each must be refused by render's check before it
# is sent, and by the sandbox (written apart from the app), which confirms that Slack would refuse it.
REFUSED_BLOCKS = {
    "empty text": [{"type": "section", "text": _t("", "mrkdwn")}],
    "section text over 3000": [{"type": "section", "text": _t("x" * 3001, "mrkdwn")}],
    "header over 150": [{"type": "header", "text": _t("x" * 151)}],
    "field over 2000": [{"type": "section", "fields": [_t("x" * 2001, "mrkdwn")]}],
    "11 fields": [{"type": "section", "fields": [_t("x", "mrkdwn")] * 11}],
    "context text over 3000": [{"type": "context", "elements": [_t("x" * 3001, "mrkdwn")]}],
    "11 context elements": [{"type": "context", "elements": [_t("x", "mrkdwn")] * 11}],
    "26 actions": [{"type": "actions", "elements": [_button(action_id=f"a{i}") for i in range(26)]}],
    "same action_id twice in a block": [{"type": "actions", "elements": [_button(), _button()]}],
    "button text over 75": [{"type": "actions", "elements": [_button(text=_t("x" * 76))]}],
    "button value over 2000": [{"type": "actions", "elements": [_button(value="v" * 2001)]}],
    "action_id over 255": [{"type": "actions", "elements": [_button(action_id="a" * 256)]}],
    "block_id over 255": [{"type": "divider", "block_id": "x" * 256}],
    "same block_id twice": [{"type": "divider", "block_id": "x"}, {"type": "divider", "block_id": "x"}],
    "unknown block": [{"type": "sectionx", "text": _t("x", "mrkdwn")}],
    "option text over 75": [
        {"type": "actions", "elements": [_select(options=[{"text": _t("x" * 76), "value": "v"}])]}
    ],
    "option value over 150": [
        {"type": "actions", "elements": [_select(options=[{"text": _t("x"), "value": "v" * 151}])]}
    ],
    "101 options": [
        {
            "type": "actions",
            "elements": [_select(options=[{"text": _t("x"), "value": f"v{i}"} for i in range(101)])],
        }
    ],
    "initial option not among the options": [
        {"type": "actions", "elements": [_select(initial_option={"text": _t("y"), "value": "w"})]}
    ],
    "51 blocks": [{"type": "divider"}] * 51,
}
REFUSED_VIEWS = {
    "input label over 2000": _modal([_input(_TEXT_INPUT, label=_t("l" * 2001))]),
    "initial value over max_length": _modal(
        [_input({**_TEXT_INPUT, "max_length": 10, "initial_value": "x" * 11})]
    ),
    "initial value over 3000": _modal([_input({**_TEXT_INPUT, "initial_value": "x" * 3001})]),
    "title over 24": _modal([{"type": "divider"}], title=_t("x" * 25)),
    "private_metadata over 3000": _modal([{"type": "divider"}], private_metadata="m" * 3001),
    "input without a submit button": {"type": "modal", "title": _t("T"), "blocks": [_input(_TEXT_INPUT)]},
    "101 blocks": {"type": "home", "blocks": [{"type": "divider"}] * 101},
    "over 250 kB": {
        "type": "home",
        "blocks": [
            {"type": "section", "block_id": f"b{i}", "text": _t("é" * 2999, "mrkdwn")} for i in range(45)
        ],
    },
}


@pytest.mark.parametrize("case", REFUSED_BLOCKS)
def test_blocks_slack_would_refuse_are_refused_before_sending(case):
    from message_templates.render import _check_blocks
    from sandbox.blockkit import message_block_errors

    blocks = REFUSED_BLOCKS[case]
    assert message_block_errors(blocks)
    with pytest.raises(BlockKitError):
        _check_blocks("t.json.j2", blocks, "message", 50)


@pytest.mark.parametrize("case", REFUSED_VIEWS)
def test_views_slack_would_refuse_are_refused_before_sending(case):
    from message_templates.render import _check_view
    from sandbox.blockkit import MAX_VIEW_BYTES, view_errors, view_size

    view = REFUSED_VIEWS[case]
    assert view_errors(view) or view_size(view) > MAX_VIEW_BYTES
    with pytest.raises(BlockKitError):
        _check_view("t.json.j2", view)


def test_a_message_with_an_input_block_is_refused():
    from message_templates.render import _check_blocks

    with pytest.raises(BlockKitError, match="modals"):
        _check_blocks("t.json.j2", [_input(_TEXT_INPUT)], "message", 50)
