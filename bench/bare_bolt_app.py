"""A bare Bolt app for bench/ack_latency.py: the same listeners as checkins (`/checkins`, `/goals`, the
Home tab's page buttons, app_home_opened), each a no-op, behind the very same server (bot.server.HttpServer:
waitress, SlackRequestHandler, 16 threads). What checkins takes beyond this is the app's own overhead.

Usage: SLACK_SIGNING_SECRET=... SLACK_BOT_TOKEN=... SLACK_API_URL=... python bench/bare_bolt_app.py --port P
"""

import argparse
import os
import re
import signal
import sys
from pathlib import Path
from types import SimpleNamespace

import sqlalchemy as sa
from slack_bolt import Ack, App
from slack_sdk import WebClient

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from anywhere

from bot.server import HttpServer


def create_app() -> App:
    client = WebClient(base_url=os.environ["SLACK_API_URL"], token=os.environ["SLACK_BOT_TOKEN"])
    app = App(signing_secret=os.environ["SLACK_SIGNING_SECRET"], client=client)

    def noop_command(ack: Ack) -> None:
        ack()

    def noop_action(ack: Ack) -> None:
        ack()

    def noop_event() -> None:
        pass

    app.command("/checkins")(noop_command)
    app.command("/goals")(noop_command)
    app.action(re.compile("^home_file_page"))(noop_action)  # the same matcher as handlers/home.py
    app.event("app_home_opened")(noop_event)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--threads", type=int, default=16, help="request threads (16: its best here)")
    args = parser.parse_args()
    # HttpServer wants a Runtime; it only uses .app, .settings (the gate's signing secret), and
    # .services.engine for GET /healthz.
    runtime = SimpleNamespace(
        app=create_app(),
        settings=SimpleNamespace(slack_signing_secret=os.environ["SLACK_SIGNING_SECRET"]),
        services=SimpleNamespace(engine=sa.create_engine("sqlite://")),
    )
    server = HttpServer(runtime, host=args.host, port=args.port, threads=args.threads)  # type: ignore[arg-type]
    signal.signal(signal.SIGTERM, lambda *_: server.stop())
    signal.signal(signal.SIGINT, lambda *_: server.stop())
    server.serve_forever()


if __name__ == "__main__":
    main()
