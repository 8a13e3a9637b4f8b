"""Notices that name a person or a channel: the app's own mentions stay mentions, user text stays escaped."""

import pytest

from message_templates.render import channel_mention, markup, markup_joined, render_message, user_mention
from tests.support import seed_team, wait_for


def test_markup_keeps_only_the_apps_mentions():
    typed = "<!channel> & <@U0FORGED|boss> <#C0FORGED>"
    text = markup("Sent to ", user_mention("U012ABC"), " in ", channel_mention("C012ABC"), ": ", typed)
    assert text == (
        "Sent to <@U012ABC> in <#C012ABC>: &lt;!channel&gt; &amp; &lt;@U0FORGED|boss&gt; &lt;#C0FORGED&gt;"
    )
    message = render_message("shared/notice.json.j2", message=text)
    assert message["text"] == text and message["blocks"][0]["text"]["text"] == text
    # the same words as a plain string are escaped whole, as before
    plain = render_message("shared/notice.json.j2", message="in <#C012ABC>")
    assert plain["text"] == "in &lt;#C012ABC&gt;"


def test_notices_made_of_notices_are_escaped_once():
    one = markup(user_mention("U012ABC"), " has left & <!here>")
    two = markup("Tom & Jerry", " is away")
    assert markup_joined([one, two, "a <b>"]) == (
        "<@U012ABC> has left &amp; &lt;!here&gt; Tom &amp; Jerry is away a &lt;b&gt;"
    )


@pytest.mark.parametrize("bad", ["", "C012ABC>", "<!here>", "U012ABC|x"])
def test_a_mention_is_only_made_of_an_id(bad):
    with pytest.raises(ValueError):
        channel_mention(bad)
    with pytest.raises(ValueError):
        user_mention(bad)


def test_choosing_a_channel_answers_with_the_channel_not_its_escaped_id(sandbox, runtime, app_server):
    ids = seed_team(sandbox, runtime.services)
    dee = ids["dee@acme.test"]
    figures, kudos = sandbox.add_channel("people-figures"), sandbox.add_channel("kudos")
    sandbox.slash_command(dee, "/checkins", f"summary channel <#{figures}|people-figures>")
    sandbox.slash_command(dee, "/feedback", f"channel <#{kudos}|kudos>")
    texts = wait_for(
        lambda: len(sandbox.ephemerals(dee)) >= 2 and [m["text"] for m in sandbox.ephemerals(dee)]
    )
    assert any(f"now go to <#{figures}> as periods close" in t for t in texts), texts
    assert any(f"also goes to <#{kudos}>." in t for t in texts), texts
    assert not any("&lt;#" in t for t in texts)
