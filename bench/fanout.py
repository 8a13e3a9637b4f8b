"""Fan-out at Slack's pace: `checkins checkin send` to a large org against a workspace rate limit.

The sandbox (the local Slack) runs in this process with chat.postMessage limited to --limit per minute;
the org is imported with the real CLI, then `checkins checkin send` runs as a subprocess, as an admin
would run it, with its pacer at the same limit (CHECKINS_POSTS_PER_MINUTE). Prints sent, duplicates,
lost, 429s, wall time, the floor time the limit allows, their ratio, the sender's peak memory, and
PASS/FAIL against the targets (0 lost, 0 duplicates, within 1.1x of the floor, peak < 200 MiB).
With --probe, `checkins serve --no-scheduler` runs on the same database and answers signed /checkins
commands meanwhile: their ack latency shows whether the app stays responsive.
Exit status 0 whatever the figures; 1 if setup fails; 130 on Ctrl-C, 143 on SIGTERM (cleaned up either way).

    .venv/bin/python bench/fanout.py [--employees 10000] [--limit 6000] [--burst N] [--inject-429 K]
        [--probe] [--replicas 3 [--workers 2]] [--database-url postgresql://postgres@127.0.0.1:5432/postgres]

With --replicas N, N `checkins serve` replicas on the same database send instead: the bench adds a job per
prompt due and times until Slack has them all (bench/fanout_replicas.py).
"""

import argparse
import csv
import math
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(
    0, str(ROOT)
)  # the sandbox is not installed with the app; bench/ is on the path as the script's own folder

import fanout_replicas  # noqa: E402
import processes  # noqa: E402
from processes import SetupError, free_port, postgres_database, stop_process  # noqa: E402

from sandbox import Sandbox  # noqa: E402

SECRET = "bench-signing-secret"
BOT_TOKEN = "xoxb-bench"
PROMPT = "Time for your check-in"  # message_templates/checkins/prompt.json.j2
TIME_ZONES = ["America/Los_Angeles", "America/New_York", "Europe/London", "Asia/Kolkata", "Asia/Tokyo"]
TARGET_RATIO = 1.1
TARGET_MEMORY_MB = 200.0


@dataclass
class Org:
    uids: dict[str, str] = field(default_factory=dict)  # email -> Slack user id
    managed: list[str] = field(default_factory=list)  # emails of people with a manager: one prompt each
    top: str = ""  # no manager: gets no check-ins


@dataclass
class Probe:
    idle: list[float] = field(default_factory=list)  # ack seconds before the fan-out
    busy: list[float] = field(default_factory=list)  # ack seconds during it
    failed: int = 0


def revision() -> str:
    """The commit measured, and whether the tree had changes: results depend on the code they ran."""
    try:
        head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True)
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain"], capture_output=True)
    except OSError:
        return "an unknown commit"
    return head.stdout.decode().strip() + (" (with uncommitted changes)" if dirty.stdout.strip() else "")


def build_org(sb: Sandbox, employees: int, per_manager: int) -> tuple[Org, list[list[str]]]:
    """N employees, one manager per `per_manager` of them, every manager reporting to one top person."""
    org = Org(top="top@bench.test")
    managers = math.ceil(employees / per_manager)
    rows = [[org.top, "", "Leadership", "manager", TIME_ZONES[0]]]
    for m in range(1, managers + 1):
        rows.append([f"m{m:04d}@bench.test", org.top, f"Team {m:04d}", "", TIME_ZONES[m % len(TIME_ZONES)]])
    for e in range(1, employees + 1):
        m = (e - 1) // per_manager + 1
        tz = TIME_ZONES[e % len(TIME_ZONES)]
        rows.append([f"e{e:05d}@bench.test", f"m{m:04d}@bench.test", f"Team {m:04d}", "", tz])
    for email, manager, _, _, tz in rows:
        org.uids[email] = sb.add_user(email=email, tz=tz)
        if manager:
            org.managed.append(email)
    return org, rows


def setup(args: argparse.Namespace, stack: ExitStack) -> tuple[Sandbox, Org, dict[str, str], Path]:
    tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="checkins-fanout-")))
    if args.database_url:
        database_url = postgres_database(args.database_url, stack)
    else:
        database_url = f"sqlite:///{tmp / 'bench.db'}"
    sb = Sandbox(signing_secret=SECRET, bot_token=BOT_TOKEN).start()
    stack.callback(sb.stop)
    sb.rate_limits_enabled = False  # setup (users.lookupByEmail for the import) is not measured

    started = time.monotonic()
    org, rows = build_org(sb, args.employees, args.per_manager)
    org_csv = tmp / "org.csv"
    with open(org_csv, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["email", "manager_email", "team", "role", "timezone"])
        writer.writerows(rows)
    # cwd=tmp: no .env from the checkout is read; the environment says everything.
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": sb.api_url,
        "DATABASE_URL": database_url,
        "CHECKINS_POSTS_PER_MINUTE": str(args.limit),
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("SLACK_APP_TOKEN", None)
    done = subprocess.run(
        [checkins_bin(), "org", "import", str(org_csv)], env=env, cwd=tmp, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SetupError(
            f"checkins org import failed ({done.returncode}):\n{done.stdout}{done.stderr[-3000:]}"
        )
    print(f"setup: {len(rows)} people in the sandbox and imported in {time.monotonic() - started:.0f} s")
    return sb, org, env, tmp


def checkins_bin() -> str:
    return str(Path(sys.executable).parent / "checkins")


def start_server(env: dict[str, str], tmp: Path, stack: ExitStack) -> str:
    port = free_port()
    argv = [checkins_bin(), "serve", "--no-scheduler", "--port", str(port), "--host", "127.0.0.1"]
    processes.start_server("serve", argv, env, tmp, port, stack)
    return f"http://127.0.0.1:{port}/slack/events"


def probe_loop(sb: Sandbox, uids: list[str], into: list[float], probe: Probe, stop: threading.Event) -> None:
    """One signed /checkins at a time, every 0.5 s: the ack is what Slack waits 3 s for."""
    rng = random.Random(len(into))
    while not stop.is_set():
        reply = sb.slash_command(rng.choice(uids), "/checkins", "")
        if reply.ok:
            into.append(reply.elapsed)
        else:
            probe.failed += 1
        stop.wait(0.5)


def run_send(env: dict[str, str], tmp: Path, stack: ExitStack) -> tuple[int, float, float, float, str]:
    """(exit status, wall seconds, peak RSS MiB, CPU seconds, output) of `checkins checkin send`."""
    log_path = tmp / "send.log"
    with open(log_path, "wb") as log:
        start = time.monotonic()
        proc = subprocess.Popen(
            [checkins_bin(), "checkin", "send"], env=env, cwd=tmp, stdout=log, stderr=subprocess.STDOUT
        )
    stack.callback(stop_process, proc)
    # wait4 gives this child's own rusage; RUSAGE_CHILDREN would mix in the import and the server.
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        time.sleep(0.02)
    wall = time.monotonic() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    return proc.returncode, wall, usage.ru_maxrss / 1024, cpu, log_path.read_text(errors="replace")


class Accepted:
    """Posts Slack accepted so far, counted on from where the last look stopped: the sandbox's list of
    calls only grows, and copying it whole (`calls_to`) 20 times a second, under the lock its handlers
    take, cost the sandbox's CPU and time as it grew."""

    def __init__(self, sb: Sandbox):
        self.calls, self.seen, self.count = sb.ws.calls, 0, 0

    def __call__(self) -> int:
        end = len(self.calls)
        self.count += sum(1 for c in self.calls[self.seen : end] if c.method == "chat.postMessage" and c.ok)
        self.seen = end
        return self.count


def count_prompts(sb: Sandbox, org: Org) -> tuple[int, int, int, int]:
    """(sent, duplicates, lost, unexpected) from what each person's DM holds."""
    sent = duplicates = lost = 0
    for email in org.managed:
        n = sum(
            1
            for m in sb.dm_messages(org.uids[email])
            if m.get("bot_id") and str(m.get("text", "")).startswith(PROMPT)
        )
        sent += n >= 1
        duplicates += max(0, n - 1)
        lost += n == 0
    unexpected = sum(1 for m in sb.dm_messages(org.uids[org.top]) if m.get("bot_id"))
    return sent, duplicates, lost, unexpected


def ledger(database_url: str) -> str:
    """The send ledger's rows by state (and error): why a prompt is missing, in the app's own words."""
    engine = sa.create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    query = "SELECT state, error, count(*) FROM sends GROUP BY state, error ORDER BY state, error"
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text(query)).all()
    except sa.exc.SQLAlchemyError as err:
        return f"unreadable: {str(err).splitlines()[0]}"
    finally:
        engine.dispose()
    return ", ".join(f"{state}{f' ({error})' if error else ''} {n}" for state, error, n in rows) or "empty"


def ms(values: list[float], q: float) -> str:
    if not values:
        return "   n/a"
    values = sorted(values)
    return f"{values[max(0, math.ceil(q * len(values)) - 1)] * 1000:6.0f}"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--employees", type=int, default=10_000, help="employees (managers come on top)")
    parser.add_argument("--per-manager", type=int, default=10, help="reports per manager")
    parser.add_argument("--limit", type=int, default=6000, help="chat.postMessage per minute, workspace")
    parser.add_argument(
        "--burst", type=float, default=None, help="workspace bucket size (default: one second's allowance)"
    )
    parser.add_argument("--inject-429", type=int, default=0, metavar="K", help="a storm of K 429s first")
    parser.add_argument("--probe", action="store_true", help="measure /checkins acks during the fan-out")
    parser.add_argument(
        "--replicas",
        type=int,
        default=0,
        metavar="N",
        help="send through N `checkins serve` replicas' workers (a job per prompt) instead of `checkin send`",
    )
    parser.add_argument("--workers", type=int, default=2, help="worker processes per replica")
    parser.add_argument(
        "--database-url",
        default=None,
        help="a PostgreSQL server: the bench creates a database of its own there and drops it",
    )
    args = parser.parse_args()
    # Slack promises only "short bursts". One second's allowance is what the app's Pacer keeps itself, so
    # the floor barely depends on it and any pacing above the limit shows as 429s; --burst to explore.
    burst = args.burst if args.burst is not None else args.limit / 60
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # cleanup runs as for Ctrl-C

    with ExitStack() as stack:
        try:
            sb, org, env, tmp = setup(args, stack)
            probe, server_url = Probe(), None
            if args.probe:
                server_url = start_server(env, tmp, stack)
                sb.set_app_url(server_url)
            replicas = (
                fanout_replicas.start_replicas(checkins_bin(), args.replicas, args.workers, env, tmp, stack)
                if args.replicas
                else {}
            )
        except (SetupError, OSError, subprocess.SubprocessError) as err:
            print(f"bench setup failed: {err}", file=sys.stderr)
            return 1

        expected = len(org.managed)
        rate = args.limit / 60
        # The sandbox's workspace bucket holds `burst` tokens when the first post arrives and refills at
        # rate = limit/60 per second; a post needs a token. So post k > burst is accepted no earlier than
        # (k - burst) / rate after the first: N posts take at least max(0, N - burst) / rate seconds.
        # Each person's DM is a channel of its own, so the per-channel limit (1/s) never binds here.
        floor = max(0.0, expected - burst) / rate
        print(
            f"{args.employees} employees + {expected - args.employees} managers (+1 top, no check-in):"
            f" {expected} prompts due; chat.postMessage limited to {args.limit}/min, burst {burst:g};"
            f" app pacer CHECKINS_POSTS_PER_MINUTE={args.limit}."
        )
        print(
            "Slack's real workspace limit is lower (several hundred per minute); at a fixed limit the"
            " run time scales linearly with the number of prompts."
        )
        print(
            f"one machine ({os.cpu_count()} cores) shared by the sandbox, the sender and any server;"
            f" app at {revision()}"
        )

        if args.probe:
            uids = [org.uids[e] for e in org.managed]
            idle = threading.Event()
            baseline = threading.Thread(
                target=probe_loop, args=(sb, uids, probe.idle, probe, idle), daemon=True
            )
            baseline.start()  # before the fan-out, for comparison
            time.sleep(5)
            idle.set()
            baseline.join()

        sb.rate_limits_enabled = True
        sb.set_rate_limit("chat.postMessage", per_minute=args.limit, burst=burst)
        if args.inject_429:
            sb.inject_ratelimit("chat.postMessage", count=args.inject_429, retry_after=1)

        stop = threading.Event()
        stack.callback(stop.set)
        if args.probe:
            prober = threading.Thread(
                target=probe_loop, args=(sb, uids, probe.busy, probe, stop), daemon=True
            )
            prober.start()
        load = os.getloadavg()[0]
        if replicas:
            spread = fanout_replicas.run(env, replicas, expected, Accepted(sb), timeout=floor * 3 + 120)
            status, wall, peak_mb, cpu, output = 0, spread.wall, math.nan, math.nan, ""
        else:
            status, wall, peak_mb, cpu, output = run_send(env, tmp, stack)
        stop.set()
        if args.probe:
            prober.join(timeout=10)

        sent, duplicates, lost, unexpected = count_prompts(sb, org)
        posts = sb.calls_to("chat.postMessage")
        limited = sum(1 for c in posts if c.status == 429)
        per_post = Counter(str(c.args.get("channel")) for c in posts if c.status == 429)
        accepted = sorted(c.time for c in posts if c.ok)
        window = accepted[-1] - accepted[0] if accepted else 0.0
        ratio = wall / floor if floor > 0 else math.inf  # a burst covering every post leaves no floor
        summary = [line for line in output.splitlines() if "prompt(s) sent" in line]
        warnings = [line for line in output.splitlines() if " WARNING " in line or " ERROR " in line]

        print()
        if replicas:
            print(
                f"replicas          {args.replicas} x `checkins serve --workers {args.workers}`, one database"
            )
            for line in fanout_replicas.report(spread, expected):
                print(line)
        else:
            print(f"checkin send      exit {status}: {summary[-1] if summary else output[-500:]}")
        for line in warnings[:3]:
            print(f"  {line[:200]}")
        if len(warnings) > 3:
            print(f"  ... {len(warnings) - 3} more warning(s)")
        print(f"ledger            {ledger(env['DATABASE_URL'])}")
        print(f"employees         {args.employees} (+{expected - args.employees} managers)")
        print(f"limit             {args.limit}/min, burst {burst:g}")
        print(f"sent              {sent} of {expected}")
        print(f"duplicates        {duplicates}")
        print(f"lost              {lost}")
        for problem in sb.problems[:3]:  # what Slack would have refused: should be none
            print(f"sandbox problem   {problem[:300]}")
        if unexpected:
            print(f"unexpected        {unexpected} message(s) to the top person, who has no manager")
        print(
            f"429s              {limited} ({args.inject_429} injected), on {len(per_post)} prompt(s),"
            f" at most {max(per_post.values(), default=0)} on one"
        )
        whole = "from the first job added to the last prompt" if replicas else "the whole command"
        print(f"wall time         {wall:.1f} s ({whole}; first to last post {window:.1f} s)")
        print(f"floor             {floor:.1f} s = max(0, {expected} - {burst:g}) / {rate:g} per s")
        print(f"ratio             {ratio:.3f}")
        if not replicas:
            print(f"peak memory       {peak_mb:.0f} MiB (sender's max RSS)")
            print(
                f"sender CPU        {cpu:.1f} s, {cpu / max(1, expected) * 1000:.2f} ms per prompt (start-up"
                f" included); load average at its start {load:.1f} (2 cores: above 2, all wait for CPU)"
            )
        if args.inject_429:
            print("  (each injected 429 costs its worker Retry-After, 1-2 s, which the floor leaves out)")
        if args.probe:
            print(
                f"/checkins acks    idle p50 {ms(probe.idle, 0.5)} ms max {ms(probe.idle, 1)} ms"
                f" ({len(probe.idle)}); during the fan-out p50 {ms(probe.busy, 0.5)} ms"
                f" max {ms(probe.busy, 1)} ms ({len(probe.busy)}); {probe.failed} failed (Slack's limit: 3 s)"
            )
        print()
        verdict = {True: "PASS", False: "FAIL"}
        print(f"{verdict[lost == 0]}  lost {lost} == 0")
        print(f"{verdict[duplicates == 0]}  duplicates {duplicates} == 0")
        print(f"{verdict[ratio <= TARGET_RATIO]}  wall {ratio:.3f}x of the floor <= {TARGET_RATIO}x")
        if not replicas:
            under = peak_mb < TARGET_MEMORY_MB
            print(f"{verdict[under]}  peak memory {peak_mb:.0f} MiB < {TARGET_MEMORY_MB:.0f}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # the ExitStack has already stopped the children and removed the temp dir
        sys.exit(130)
