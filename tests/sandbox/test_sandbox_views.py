"""views.open / push / update / publish: triggers, hashes, the stack of three, the Home tab."""

import time

import pytest
from slack_sdk.errors import SlackApiError


def modal(title: str = "New goal", **extra) -> dict:
    view = {
        "type": "modal",
        "callback_id": "goal_new",
        "title": {"type": "plain_text", "text": title},
        "submit": {"type": "plain_text", "text": "Save"},
        "blocks": [
            {
                "type": "input",
                "block_id": "title",
                "label": {"type": "plain_text", "text": "Title"},
                "element": {"type": "plain_text_input", "action_id": "title"},
            }
        ],
    }
    view.update(extra)
    return view


def trigger_for(sb, app, uid) -> str:
    sb.slash_command(uid, "/goals", "new")
    return app.of_kind("command")[-1].payload["trigger_id"]


def _error(call, *args, **kwargs) -> str:
    with pytest.raises(SlackApiError) as info:
        call(*args, **kwargs)
    return info.value.response["error"]


def test_views_open_answers_the_view(sb, app, client, ana):
    answer = client.views_open(trigger_id=trigger_for(sb, app, ana), view=modal(private_metadata="goal:7"))
    view = answer["view"]
    assert view["id"].startswith("V") and view["type"] == "modal"
    assert view["root_view_id"] == view["id"] and view["previous_view_id"] is None
    assert view["callback_id"] == "goal_new" and view["private_metadata"] == "goal:7"
    assert view["state"] == {"values": {}} and view["hash"]
    assert view["app_id"] == sb.app_id and view["bot_id"] == sb.bot_id
    assert [v["id"] for v in sb.open_views(ana)] == [view["id"]]
    assert sb.seen(ana)[-1].kind == "modal" and sb.seen(ana)[-1].title == "New goal"


def test_trigger_ids_are_checked(sb, app, client, ana):
    assert (
        _error(lambda: client.views_open(trigger_id="123.456.made-up", view=modal())) == "invalid_trigger_id"
    )
    trigger = trigger_for(sb, app, ana)
    client.views_open(trigger_id=trigger, view=modal())
    assert _error(lambda: client.views_open(trigger_id=trigger, view=modal())) == "exchanged_trigger_id"
    sb.ws.trigger_ttl = 0.05
    late = trigger_for(sb, app, ana)
    time.sleep(0.1)
    assert _error(lambda: client.views_open(trigger_id=late, view=modal())) == "expired_trigger_id"


def test_views_update_by_id_external_id_and_hash(sb, app, client, ana):
    opened = client.views_open(trigger_id=trigger_for(sb, app, ana), view=modal(external_id="goal-form-ana"))[
        "view"
    ]
    edit = modal("Edit goal", external_id="goal-form-ana")
    updated = client.views_update(view_id=opened["id"], hash=opened["hash"], view=edit)["view"]
    assert updated["id"] == opened["id"] and updated["hash"] != opened["hash"]
    stale = _error(client.views_update, view_id=opened["id"], hash=opened["hash"], view=modal())
    assert stale == "hash_conflict"
    by_external = client.views_update(
        external_id="goal-form-ana", view=modal("Again", external_id="goal-form-ana")
    )
    assert by_external["view"]["id"] == opened["id"]
    assert _error(lambda: client.views_update(view_id="V99999999", view=modal())) == "not_found"
    assert sb.open_views(ana)[0]["title"]["text"] == "Again"
    assert [(s.title, s.updated) for s in sb.seen(ana) if s.kind == "modal"] == [
        ("New goal", False),
        ("Edit goal", True),
        ("Again", True),
    ]


def test_views_push_stops_at_three(sb, app, client, ana):
    root = client.views_open(trigger_id=trigger_for(sb, app, ana), view=modal("One"))["view"]
    second = client.views_push(trigger_id=trigger_for(sb, app, ana), view=modal("Two"))["view"]
    assert second["root_view_id"] == root["id"] and second["previous_view_id"] == root["id"]
    client.views_push(trigger_id=trigger_for(sb, app, ana), view=modal("Three"))
    fourth = _error(client.views_push, trigger_id=trigger_for(sb, app, ana), view=modal("Four"))
    assert fourth == "push_limit_reached"
    assert [v["title"]["text"] for v in sb.open_views(ana)] == ["One", "Two", "Three"]


def test_views_push_needs_an_open_modal(sb, app, client, ana):
    assert (
        _error(lambda: client.views_push(trigger_id=trigger_for(sb, app, ana), view=modal())) == "not_found"
    )


def test_views_publish_home(sb, client, ana):
    home = {"type": "home", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Your goals"}}]}
    first = client.views_publish(user_id=ana, view=home)["view"]
    assert first["type"] == "home" and sb.home(ana)["id"] == first["id"]
    again = client.views_publish(user_id=ana, view=home, hash=first["hash"])["view"]
    assert again["id"] == first["id"]
    assert _error(lambda: client.views_publish(user_id=ana, view=home, hash=first["hash"])) == "hash_conflict"
    assert _error(lambda: client.views_publish(user_id="U99999999", view=home)) == "user_not_found"
    assert _error(lambda: client.views_publish(user_id=ana, view=modal())) == "invalid_arguments"
    assert [s.kind for s in sb.seen(ana)] == ["home", "home"]


def test_duplicate_external_id_is_refused(sb, app, client, ana, bob):
    client.views_open(trigger_id=trigger_for(sb, app, ana), view=modal(external_id="only-one"))
    again = _error(
        client.views_open, trigger_id=trigger_for(sb, app, bob), view=modal(external_id="only-one")
    )
    assert again == "duplicate_external_id"
