"""The benchmarks' Slack requests, signed as Slack sends them, and the people who send them."""

import json
import time
import urllib.parse

from sandbox import Sandbox
from sandbox.driver import USER_AGENT, VERIFICATION_TOKEN
from sandbox.signing import signed_headers

SECRET = "bench-signing-secret"
BOT_TOKEN = "xoxb-bench"
PATH = "/slack/events"
OLDER = "home_file_page_older"
KINDS = ("command", "action", "modal")
LABELS = {"command": "/checkins", "action": "Older", "modal": "/goals new"}

# (email, real name, handle, time zone, manager, team, role)
PEOPLE = [
    ("maria@bench.test", "Maria Silva", "maria", "America/New_York", "", "Platform", "manager"),
    ("ana@bench.test", "Ana Lima", "ana", "America/Sao_Paulo", "maria@bench.test", "Platform", ""),
    ("bo@bench.test", "Bo Chen", "bo", "Asia/Shanghai", "maria@bench.test", "Platform", ""),
    ("cara@bench.test", "Cara Diaz", "cara", "Europe/Madrid", "maria@bench.test", "Platform", ""),
    ("dev@bench.test", "Dev Patel", "dev", "Asia/Kolkata", "", "Data", "manager"),
    ("eli@bench.test", "Eli Cohen", "eli", "Asia/Jerusalem", "dev@bench.test", "Data", ""),
    ("fay@bench.test", "Fay Okafor", "fay", "Africa/Lagos", "dev@bench.test", "Data", ""),
    ("gus@bench.test", "Gus Berg", "gus", "Europe/Oslo", "", "People", "admin"),
]


def people(count: int) -> list[tuple[str, str, str, str, str, str, str]]:
    """PEOPLE, then as many more as `count` asks, in the two managers' teams by turns."""
    more = []
    for n in range(len(PEOPLE), count):
        manager, team = ("maria@bench.test", "Platform") if n % 2 else ("dev@bench.test", "Data")
        more.append((f"p{n:03d}@bench.test", f"Person {n}", f"p{n:03d}", "Europe/Paris", manager, team, ""))
    return PEOPLE[:count] + more


Built = tuple[str, bytes, dict[str, str], str]  # kind, body, headers, ref (see visible.Sent)


class Requests:
    """Signed bodies as Slack sends them, by turns: a `/checkins` command (answered on its response_url),
    a click on the Home tab's Older button (answered by a views.publish), and, unless `modals` is off, a
    `/goals new` (answered by a modal opened with its trigger_id)."""

    def __init__(self, sb: Sandbox, users: list[str], homes: dict[str, dict], *, modals: bool = True):
        self.sb, self.users, self.homes = sb, users, homes
        self.kinds = KINDS if modals else KINDS[:2]

    def build(self, i: int) -> Built:
        sb, kinds = self.sb, self.kinds
        kind, uid = kinds[i % len(kinds)], self.users[(i // len(kinds)) % len(self.users)]
        user = sb.user(uid)
        trigger = sb.ws.issue_trigger(uid)
        if kind in ("command", "modal"):
            channel = sb.dm_channel(uid)
            # A real response_url per command: the app posts its answer there after the ack.
            token = sb.ws.issue_response_url(uid, channel, {"kind": "command"})
            fields = {
                "token": VERIFICATION_TOKEN,
                "team_id": sb.team_id,
                "team_domain": "sandbox",
                "enterprise_id": "",
                "channel_id": channel,
                "channel_name": "directmessage",
                "user_id": uid,
                "user_name": user["name"],
                "command": "/checkins" if kind == "command" else "/goals",
                "text": "" if kind == "command" else "new",
                "api_app_id": sb.app_id,
                "is_enterprise_install": "false",
                "response_url": f"{sb.api_base}/response/{token}",
                "trigger_id": trigger,
            }
            ref = token if kind == "command" else trigger
        else:
            view = self.homes[uid]
            payload = {
                "type": "block_actions",
                "user": {"id": uid, "username": user["name"], "name": user["name"], "team_id": sb.team_id},
                "api_app_id": sb.app_id,
                "token": VERIFICATION_TOKEN,
                "container": {"type": "view", "view_id": view["id"]},
                "trigger_id": trigger,
                "team": {"id": sb.team_id, "domain": "sandbox"},
                "enterprise": None,
                "is_enterprise_install": False,
                "view": view,
                "actions": [
                    {
                        "action_id": OLDER,
                        "block_id": "file_pages",
                        "text": {"type": "plain_text", "text": "Older"},
                        "value": "1",
                        "type": "button",
                        "action_ts": f"{time.time():.6f}",
                    }
                ],
            }
            fields = {"payload": json.dumps(payload)}
            ref = uid
        body = urllib.parse.urlencode(fields).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded", "User-Agent": USER_AGENT}
        headers.update(signed_headers(SECRET, body))
        return kind, body, headers, ref
