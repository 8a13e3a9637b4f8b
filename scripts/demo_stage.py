"""The demo's stage: the people, the app run as the operator runs it (`checkins` CLI and `checkins serve`
in processes of their own, on SQLite), and the waits for what the app does after its ack."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

from sandbox import Sandbox, SandboxError

OUT = Path("demo-output")
SECRET = "demo-signing-secret"
TOKEN = "xoxb-demo-token"
CHECKINS = str(Path(sys.executable).with_name("checkins"))

# A manager and four reports in three time zones.
PEOPLE = [
    # email, real name, Slack time zone, manager, role
    ("maria@acme.test", "Maria Garcia", "America/New_York", "", "manager"),
    ("ana@acme.test", "Ana Lima", "America/New_York", "maria@acme.test", ""),
    ("bo@acme.test", "Bo Berg", "Europe/Berlin", "maria@acme.test", ""),
    ("chen@acme.test", "Chen Wei", "Asia/Tokyo", "maria@acme.test", ""),
    ("dee@acme.test", "Dee Okafor", "Europe/Berlin", "maria@acme.test", "admin"),  # and HR admin
]
# A second team, on the daily standup template, with its channel digest.
MOBILE = [
    ("kai@acme.test", "Kai Tanaka", "Europe/Berlin", "", "manager"),
    ("lu@acme.test", "Lu Chen", "Europe/Berlin", "kai@acme.test", ""),
    ("sam@acme.test", "Sam Reed", "America/New_York", "kai@acme.test", ""),
]


def say(text: str = "") -> None:
    print(text, flush=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Demo:
    def __init__(self, sb: Sandbox, *, socket_mode: bool = False):
        self.sb = sb
        self.socket_mode = socket_mode
        self.ids: dict[str, str] = {}
        self.db = OUT / "checkins.db"
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL", "PORT"))},
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": sb.api_url,
            "DATABASE_URL": f"sqlite:///{self.db.resolve()}",
        }
        self.server: subprocess.Popen | None = None

    def cli(self, *args: str) -> str:
        say(f"$ checkins {' '.join(args)}")
        result = subprocess.run([CHECKINS, *args], env=self.env, capture_output=True, text=True, timeout=60)
        output = (result.stdout + result.stderr).strip()
        for line in output.splitlines():
            say(f"  {line}")
        if result.returncode != 0:
            raise SystemExit(f"demo: `checkins {' '.join(args)}` failed")
        return output

    def serve(self) -> None:
        port = _free_port()
        log = open(OUT / "app.log", "w")  # noqa: SIM115 (kept open for the app's lifetime)
        transport = "--socket" if self.socket_mode else "--http"
        env = {**self.env, "SLACK_APP_TOKEN": self.sb.app_token} if self.socket_mode else self.env
        if self.socket_mode:
            self.sb.use_socket_mode()
        say(f"$ checkins serve {transport} --port {port}   (log: {OUT / 'app.log'})")
        self.server = subprocess.Popen(
            [CHECKINS, "serve", transport, "--port", str(port), "--host", "127.0.0.1"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                    break
            except OSError:
                if self.server.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"demo: the app did not start; see {OUT / 'app.log'}") from None
                time.sleep(0.1)
        if self.socket_mode:
            self.sb.wait_for_socket_connections(count=1, timeout=30)
        else:
            self.sb.set_app_url(f"http://127.0.0.1:{port}/slack/events")

    def stop(self) -> None:
        if self.server and self.server.poll() is None:
            self.server.terminate()
            self.server.wait(timeout=10)

    def settle(self, condition: Callable[[], bool], timeout: float = 10.0) -> None:
        """The app answers after acking; wait until what a scene expects has arrived."""
        if not self.settled(condition, timeout):
            raise SystemExit(f"demo: the app did not do what this scene expects; see {OUT / 'app.log'}")

    @staticmethod
    def settled(condition: Callable[[], bool], timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True

    def person(self, email: str) -> str:
        return self.ids[email]

    def click(self, uid: str, action_id: str, value: str | None = None) -> None:
        """Clicks once the button is there: the app may still be posting the message that carries it."""
        self._when_visible(lambda: self.sb.click(uid, action_id, value))

    def select(self, uid: str, action_id: str, value: str) -> None:
        self._when_visible(lambda: self.sb.select(uid, action_id, value))

    def _when_visible(self, act: Callable[[], object], timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                act()  # the sandbox finds the element before anything is sent
                return
            except SandboxError as err:
                if time.monotonic() > deadline:
                    raise SystemExit(f"demo: {err}; see {OUT / 'app.log'}") from None
                time.sleep(0.05)
