"""`make demo`: the real app against the sandbox; prints what each person saw.

The app runs as the operator runs it (`checkins org import`, `checkins serve`, on SQLite), in its own
processes; the sandbox plays Slack and the people, over HTTP or, with `--socket` (`make demo-socket`), over
Socket Mode. Everything it leaves is in ./demo-output.
"""

import shutil
import sys
import time

from sandbox import Sandbox
from scripts.demo_scenes import SCENES
from scripts.demo_stage import MOBILE, OUT, PEOPLE, SECRET, TOKEN, Demo, say


def main(argv: list[str] | None = None) -> None:
    socket_mode = "--socket" in (sys.argv[1:] if argv is None else argv)
    started = time.monotonic()
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir()
    with Sandbox(signing_secret=SECRET, bot_token=TOKEN) as sb:
        demo = Demo(sb, socket_mode=socket_mode)
        try:
            for scene in SCENES:
                scene(demo)
                say()
        finally:
            demo.stop()
        say("=" * 78)
        say("What each person saw in Slack")
        say("=" * 78)
        for email, name, tz, _, _ in PEOPLE + MOBILE:
            uid = demo.person(email)
            transcript = sb.transcript(uid)
            (OUT / f"transcript-{email.split('@')[0]}.txt").write_text(transcript)
            say(f"\n--- {name} <{email}> ({tz}) ---")
            say(transcript)
        problems = sb.problems
    say()
    say(f"Performance files: the SQLite database {demo.db} (table file_entries); each person's")
    say(f"Home tab above shows theirs. Transcripts: {OUT}/transcript-*.txt; the app's log: {OUT}/app.log")
    if problems:
        say("Slack would have refused or flagged:")
        for problem in problems:
            say(f"  - {problem}")
    say(f"Demo finished in {time.monotonic() - started:.1f} s.")
    if problems:
        sys.exit(1)


if __name__ == "__main__":
    main()
