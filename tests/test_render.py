import json
from datetime import UTC, datetime
from types import SimpleNamespace as NS

import pytest

from message_templates.render import BlockKitError, environment, render_message, render_view


def _profile(name="Ana", team="Core"):
    person = NS(name=name, team=team, timezone="Europe/Paris", role="employee", slack_user_id="UANA1")
    return NS(person=person, manager=NS(slack_user_id="UBOSS1"), reports=[])


def test_user_text_is_escaped_and_cannot_ping():
    from domain.checkin_questions import DEFAULT_QUESTIONS, MOODS

    checkin = NS(
        id=7,
        mood=2,
        edited_at=None,
        answers={"progress": 'Shipped <!channel> & <@U999> "quoted"', "blockers": "x > y"},
    )
    person = NS(name="Ana <b>", slack_user_id="UANA1")
    message = render_message(
        "checkin_to_manager.json.j2",
        checkin=checkin,
        person=person,
        label="Friday",
        questions=DEFAULT_QUESTIONS,
        moods=MOODS,
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
    entry = NS(kind="message", created_at=datetime.now(UTC), text="&" * 3000)
    view = render_view(
        "home.json.j2",
        profile=_profile(),
        file=NS(total=1, entries=[entry], page=0, page_size=10, has_more=False),
    )
    assert all(len(b.get("text", {}).get("text", "")) <= 3000 for b in view["blocks"])


def test_a_view_slack_would_refuse_is_refused_before_sending():
    entry = NS(kind="message", created_at=datetime.now(UTC), text="x")
    with pytest.raises(BlockKitError, match="over 100"):
        render_view(
            "home.json.j2",
            profile=_profile(),
            file=NS(total=200, entries=[entry] * 120, page=0, page_size=120, has_more=True),
        )


def test_chunks_keep_all_of_a_long_text_within_the_limit_and_entities_whole():
    template = environment().from_string(
        '[{% for p in text | chunks(10) %}"{{ p }}"{% if not loop.last %},{% endif %}{% endfor %}]'
    )
    pieces = json.loads(template.render(text="ab&cd<efgh>ij&&&&&&k"))
    assert all(len(p) <= 10 for p in pieces)
    assert "".join(pieces) == "ab&amp;cd&lt;efgh&gt;ij&amp;&amp;&amp;&amp;&amp;&amp;k"
    assert all(p.count("&") == p.count(";") for p in pieces)  # no entity split across pieces
