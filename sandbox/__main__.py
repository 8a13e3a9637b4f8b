"""Run the sandbox on its own for manual development: python -m sandbox --port 8765 --app-url URL
(or --socket: the app connects in Socket Mode with the printed SLACK_APP_TOKEN)."""

import argparse
import threading

from sandbox.core import Sandbox


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--signing-secret", default="sandbox-signing-secret")
    parser.add_argument("--bot-token", default="xoxb-sandbox")
    parser.add_argument("--team-id", default="T0SANDBOX")
    parser.add_argument("--app-token", default="xapp-1-A0SANDBOX1-sandbox", help="app-level token (xapp-...)")
    parser.add_argument("--socket", action="store_true", help="reach the app over Socket Mode, not its URL")
    parser.add_argument(
        "--app-url", default=None, help="the app's request URL, e.g. http://127.0.0.1:3000/slack/events"
    )
    parser.add_argument(
        "--user", action="append", default=[], metavar="EMAIL[:Real Name]", help="add a person (repeatable)"
    )
    args = parser.parse_args(argv)
    sb = Sandbox(
        signing_secret=args.signing_secret,
        bot_token=args.bot_token,
        team_id=args.team_id,
        host=args.host,
        port=args.port,
        app_token=args.app_token,
    ).start()
    if args.socket:
        sb.use_socket_mode()
    if args.app_url:
        sb.set_app_url(args.app_url)
    for spec in args.user:
        email, _, real_name = spec.partition(":")
        print(f"user {sb.add_user(email=email, real_name=real_name)} {email}")
    print(f"SLACK_API_URL={sb.api_url}", flush=True)
    if args.socket:
        print(f"SLACK_APP_TOKEN={sb.app_token}", flush=True)
    print(f"transcripts: {sb.api_base}/_sandbox/transcript/<user id>   calls: {sb.api_base}/_sandbox/calls")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        sb.stop()


if __name__ == "__main__":
    main()
