"""A real slack_bolt App against the sandbox: what Bolt sends and expects must just work.

The app under test here is a throwaway Bolt app defined in this file, not the project's app.
"""

import threading
import time
from collections.abc import Iterator

import pytest
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from werkzeug.serving import WSGIRequestHandler, make_server

from sandbox import Sandbox

SECRET = "bolt-signing-secret"
TOKEN = "xoxb-bolt"


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args, **kwargs) -> None:
        pass


@pytest.fixture
def bolt() -> Iterator[tuple[Sandbox, App, list]]:
    sb = Sandbox(signing_secret=SECRET, bot_token=TOKEN, echo_bot_messages=True).start()
    client = WebClient(base_url=sb.api_url, token=TOKEN)
    app = App(token=TOKEN, signing_secret=SECRET, client=client)  # calls auth.test now
    seen_messages: list = []

    @app.command("/goals")
    def goals(ack, body, client):
        ack()
        client.views_open(
            trigger_id=body["trigger_id"],
            view={
                "type": "modal",
                "callback_id": "goal_new",
                "title": {"type": "plain_text", "text": "New goal"},
                "submit": {"type": "plain_text", "text": "Save"},
                "blocks": [
                    {
                        "type": "input",
                        "block_id": "title",
                        "label": {"type": "plain_text", "text": "Title"},
                        "element": {"type": "plain_text_input", "action_id": "title"},
                    }
                ],
            },
        )

    @app.view("goal_new")
    def save_goal(ack, view, body, client):
        title = view["state"]["values"]["title"]["title"]["value"]
        if title == "taken":
            ack(response_action="errors", errors={"title": "You already have that goal"})
            return
        ack()
        client.chat_postMessage(channel=body["user"]["id"], text=f"Saved: {title}")

    @app.action("done")
    def done(ack, respond):
        ack()
        respond(replace_original=True, text="Marked done")

    @app.event("message")
    def on_message(event, say):
        seen_messages.append(event)
        say(f"Got it: {event['text']}")

    server = make_server("127.0.0.1", 0, SlackRequestHandler(app), threaded=True, request_handler=_Quiet)
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    sb.set_app_url(f"http://127.0.0.1:{server.server_port}/slack/events")
    yield sb, app, seen_messages
    sb.stop()
    server.shutdown()
    server.server_close()


def _wait_for(predicate, timeout: float = 3.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.01)


def test_bolt_app_full_goal_flow(bolt):
    sb, _app, _ = bolt
    ana = sb.add_user(email="ana@example.com", real_name="Ana Lima")
    assert sb.calls[0].method == "auth.test"
    assert sb.slash_command(ana, "/goals", "new").status == 200
    _wait_for(lambda: sb.open_views(ana))
    assert sb.open_views(ana)[0]["callback_id"] == "goal_new"
    sb.submit_view(ana, {"title": "taken"})
    assert sb.view_errors(ana) == {"title": "You already have that goal"}
    sb.submit_view(ana, {"title": "Ship v2"})
    _wait_for(lambda: sb.dm_messages(ana))
    assert sb.open_views(ana) == []
    assert sb.dm_messages(ana)[0]["text"] == "Saved: Ship v2"
    assert sb.problems == []


def test_bolt_respond_uses_the_response_url(bolt):
    sb, app, _ = bolt
    ana = sb.add_user(email="ana@example.com", real_name="Ana Lima")
    app.client.chat_postMessage(
        channel=ana,
        text="Goal: Ship v2",
        blocks=[
            {
                "type": "actions",
                "elements": [
                    {"type": "button", "text": {"type": "plain_text", "text": "Done"}, "action_id": "done"}
                ],
            }
        ],
    )
    _wait_for(lambda: sb.calls_to("chat.postMessage"))
    assert sb.click(ana, "done").status == 200
    _wait_for(lambda: sb.dm_messages(ana)[0]["text"] == "Marked done")
    assert sb.dm_messages(ana)[0]["text"] == "Marked done"


def test_bolt_ignores_its_own_echoed_dm_posts(bolt):
    sb, _app, seen_messages = bolt
    ana = sb.add_user(email="ana@example.com", real_name="Ana Lima")
    assert sb.send_dm(ana, "hello").ok
    _wait_for(lambda: len(sb.dm_messages(ana)) == 2)
    time.sleep(0.2)  # room for the echo of the app's reply to arrive (and be ignored)
    assert [m["text"] for m in sb.dm_messages(ana)] == ["hello", "Got it: hello"]
    echoes = [r for r in sb.requests if r.payload["event"].get("bot_id") == sb.bot_id]
    assert len(echoes) == 1 and echoes[0].ok  # the echo was delivered and acknowledged...
    assert [e["text"] for e in seen_messages] == ["hello"]  # ...and Bolt dropped the bot's own post
    assert len(sb.calls_to("chat.postMessage")) == 1
