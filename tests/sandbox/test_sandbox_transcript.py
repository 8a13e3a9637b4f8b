"""What a person saw, as readable text."""

import signal
import subprocess
import sys
from pathlib import Path

from slack_sdk import WebClient

from sandbox.transcript import plain, render_blocks

ROOT = Path(__file__).resolve().parents[2]


def test_plain_reads_mrkdwn_as_a_person_does():
    users = {"U00000001": {"name": "ana"}}
    text = (
        "Hi <@U00000001>, see <https://x.example|the doc> by <!date^1900000000^{date_short}|Mar 17>"
        " &lt;3 &amp; <!here>"
    )
    assert plain(text, users) == "Hi @ana, see the doc by Mar 17 <3 & @here"


def test_render_blocks_layout():
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "Weekly check-in"}},
        {
            "type": "section",
            "fields": [{"type": "mrkdwn", "text": "*Goal*"}, {"type": "mrkdwn", "text": "Ship"}],
        },
        {"type": "divider"},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "due Friday"}]},
        {
            "type": "actions",
            "elements": [
                {"type": "button", "text": {"type": "plain_text", "text": "Start"}, "action_id": "a"},
                {"type": "button", "text": {"type": "plain_text", "text": "Skip"}, "action_id": "b"},
            ],
        },
        {
            "type": "input",
            "optional": True,
            "label": {"type": "plain_text", "text": "Blockers"},
            "element": {"type": "plain_text_input", "action_id": "c", "initial_value": "none"},
        },
    ]
    assert render_blocks(blocks) == [
        "# Weekly check-in",
        "  *Goal*",
        "  Ship",
        "-" * 20,
        "  due Friday",
        "[Start] [Skip]",
        "[input: Blockers] (optional) = none",
    ]


def test_transcript_in_order_with_what_the_person_did(sb, app, client, ana):
    client.chat_postMessage(channel=ana, text="Time for your check-in")
    app.respond = lambda r: {"text": "You have 2 goals"}
    sb.slash_command(ana, "/goals", "list")
    client.views_publish(user_id=ana, view={"type": "home", "blocks": []})
    lines = sb.transcript(ana).splitlines()
    assert lines == [
        "--- DM ---",
        "Time for your check-in",
        "> Ana Lima: /goals list",
        "--- only visible to you ---",
        "You have 2 goals",
        "=== home tab ===",
        "=== end home tab ===",
    ]
    assert [s.kind for s in sb.seen(ana)] == ["dm", "ephemeral", "home"]
    assert [s.kind for s in sb.seen(ana, include_actions=True)] == ["dm", "did", "ephemeral", "home"]


def test_transcript_frames_modals_with_their_title(sb, app, client, ana):
    modal = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Give feedback"},
        "submit": {"type": "plain_text", "text": "Send"},
        "blocks": [
            {
                "type": "input",
                "block_id": "to",
                "label": {"type": "plain_text", "text": "To"},
                "element": {"type": "users_select", "action_id": "to"},
            }
        ],
    }
    app.respond = lambda r: client.views_open(trigger_id=r.payload["trigger_id"], view=modal) and None
    sb.slash_command(ana, "/feedback")
    text = sb.transcript(ana)
    assert '=== modal "Give feedback" ===\n[input: To]\n[Send]\n=== end modal "Give feedback" ===' in text


def test_python_m_sandbox_runs_standalone():
    process = subprocess.Popen(
        [sys.executable, "-m", "sandbox", "--port", "0", "--user", "ana@example.com:Ana Lima"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        lines = [process.stdout.readline() for _ in range(2)]
        assert lines[0].startswith("user U") and "ana@example.com" in lines[0]
        api_url = lines[1].strip().split("=", 1)[1]
        assert api_url.startswith("http://127.0.0.1:") and api_url.endswith("/api/")
        client = WebClient(base_url=api_url, token="xoxb-sandbox")
        assert client.users_lookupByEmail(email="ana@example.com")["user"]["real_name"] == "Ana Lima"
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    assert process.returncode == 0
