"""Ack latency of `checkins serve` against a bare Bolt app, under signed Slack requests at 50 concurrent.

Both apps run as subprocesses behind the same server (bot.server.HttpServer: waitress, 16 threads); the
sandbox (the local Slack) runs in this process and answers the checkins app's follow-up Web API calls.
Prints p50 / p99 / max ack latency per target, their ratio, and PASS/FAIL against the targets
(p99 < 300 ms, p99 within 1.5x of the bare app). Exit status 0 whatever the figures;
1 if setup fails, 130 on Ctrl-C.

    .venv/bin/python bench/ack_latency.py [--requests 3000] [--concurrency 50] [--warmup 200] [--rate R]

By default the load is a closed loop (each connection sends its next request when the previous ack
arrives: both servers run flat out); --rate R sends R requests per second instead (open loop).
"""

import argparse
import csv
import http.client
import itertools
import json
import math
import multiprocessing
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(
    0, str(ROOT)
)  # the sandbox is not installed with the app; bench/ is on the path as the script's own folder

from processes import (  # noqa: E402
    SetupError,
    cpu_seconds,
    free_port,
    machine_cpu_seconds,
    start_server,
    tree_cpu_seconds,
)

from sandbox import Sandbox  # noqa: E402
from sandbox.driver import USER_AGENT, VERIFICATION_TOKEN  # noqa: E402
from sandbox.signing import signed_headers  # noqa: E402

SECRET = "bench-signing-secret"
BOT_TOKEN = "xoxb-bench"
PATH = "/slack/events"
TARGET_P99_MS = 300.0
TARGET_RATIO = 1.5
OLDER = "home_file_page_older"

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


@dataclass
class Result:
    target: str
    latencies: dict[str, list[float]] = field(default_factory=lambda: {"command": [], "action": []})
    errors: dict[str, int] = field(default_factory=dict)  # status or exception name -> count
    wall: float = 0.0
    # CPU seconds during the measured round: the app's process, this process (load generator and sandbox),
    # and everything else on the machine (other people's work skews the figures)
    cpu: dict[str, float] = field(default_factory=dict)

    @property
    def all(self) -> list[float]:
        return sorted(self.latencies["command"] + self.latencies["action"])

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest rank: the smallest value with at least p% of the values at or below it."""
    if not sorted_values:
        return math.nan
    return sorted_values[max(0, math.ceil(p / 100 * len(sorted_values)) - 1)]


class Requests:
    """Signed bodies as Slack sends them: even numbers `/checkins`, odd ones the Home tab's Older button."""

    def __init__(self, sb: Sandbox, users: list[str], homes: dict[str, dict]):
        self.sb, self.users, self.homes = sb, users, homes

    def build(self, i: int) -> tuple[str, bytes, dict[str, str]]:
        sb, uid = self.sb, self.users[(i // 2) % len(self.users)]
        user = sb.user(uid)
        if i % 2 == 0:
            kind = "command"
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
                "command": "/checkins",
                "text": "",
                "api_app_id": sb.app_id,
                "is_enterprise_install": "false",
                "response_url": f"{sb.api_base}/response/{token}",
                "trigger_id": sb.ws.issue_trigger(uid),
            }
        else:
            kind = "action"
            view = self.homes[uid]
            payload = {
                "type": "block_actions",
                "user": {"id": uid, "username": user["name"], "name": user["name"], "team_id": sb.team_id},
                "api_app_id": sb.app_id,
                "token": VERIFICATION_TOKEN,
                "container": {"type": "view", "view_id": view["id"]},
                "trigger_id": sb.ws.issue_trigger(uid),
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
        body = urllib.parse.urlencode(fields).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded", "User-Agent": USER_AGENT}
        headers.update(signed_headers(SECRET, body))
        return kind, body, headers


Built = tuple[str, bytes, dict[str, str]]  # kind, body, headers


def generate_load(
    port: int, built: list[Built], concurrency: int, rate: float | None, out: Connection
) -> None:
    """The load generator, in a process of its own (as Slack is): `concurrency` threads, one keep-alive
    connection each, the requests between them: each sent as soon as its thread is free (closed loop), or
    with `rate`, request i at i / rate seconds from the start (open loop), its latency counted from then,
    so a request kept waiting for a free connection counts. Sends back latencies, errors and wall time."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops us
    latencies: dict[str, list[float]] = {"command": [], "action": []}
    errors: dict[str, int] = {}
    counter = itertools.count()  # next() on it is atomic under the GIL
    lock = threading.Lock()

    def fail(reason: str) -> None:
        with lock:
            errors[reason] = errors.get(reason, 0) + 1

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            while (i := next(counter)) < len(built):
                kind, body, headers = built[i]
                if rate:
                    start = begin + i / rate
                    time.sleep(max(0.0, start - time.perf_counter()))
                else:
                    start = time.perf_counter()
                try:
                    conn.request("POST", PATH, body, headers)
                    response = conn.getresponse()
                    response.read()
                except (OSError, http.client.HTTPException) as exc:
                    fail(type(exc).__name__)
                    conn.close()  # the next request() opens a fresh connection
                    continue
                elapsed = time.perf_counter() - start
                if response.status == 200:
                    latencies[kind].append(elapsed)
                else:
                    fail(f"HTTP {response.status}")
        finally:
            conn.close()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    begin = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.send((latencies, errors, time.perf_counter() - begin))


def run_load(
    target: str, port: int, pid: int, requests: Requests, total: int, concurrency: int, rate: float | None
) -> Result:
    """`total` requests, built and signed here before the clock starts, sent by a load generator process."""
    built = [requests.build(i) for i in range(total)]
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    generator = context.Process(
        target=generate_load, args=(port, built, concurrency, rate, send), daemon=True
    )
    generator.start()
    send.close()
    cpu_before = None
    try:
        # Once it runs: its start-up (imports, unpickling the bodies) is not the load's.
        while cpu_before is None or not receive.poll(0.05):
            if cpu_before is None:
                cpu_before = (
                    tree_cpu_seconds(pid),
                    cpu_seconds(generator.pid),
                    cpu_seconds(),
                    machine_cpu_seconds(),
                )
            if not generator.is_alive() and not receive.poll():
                raise SetupError(f"the load generator ended with status {generator.exitcode}")
        cpu_after = tree_cpu_seconds(pid), cpu_seconds(generator.pid), cpu_seconds(), machine_cpu_seconds()
        try:
            latencies, errors, wall = receive.recv()
        except EOFError:
            raise SetupError(f"the load generator ended with status {generator.exitcode}") from None
    finally:
        generator.join(timeout=5)
        if generator.is_alive():
            generator.kill()
    app, load, bench, machine = (after - before for after, before in zip(cpu_after, cpu_before, strict=True))
    result = Result(target, latencies=latencies, errors=errors, wall=wall)
    result.cpu = {"app": app, "load": load, "bench": bench, "others": max(0.0, machine - app - load - bench)}
    return result


def wait_for(check: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return check()


def setup(stack: ExitStack, workers: int | None) -> tuple[Sandbox, Requests, dict[str, int], dict[str, int]]:
    """Sandbox, org imported with the real CLI, both servers up, each person's real Home view."""
    tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="checkins-bench-")))
    sb = Sandbox(signing_secret=SECRET, bot_token=BOT_TOKEN).start()
    stack.callback(sb.stop)
    sb.rate_limits_enabled = False  # we measure acks, not Slack's limits on the follow-up calls
    users = [sb.add_user(email=e, real_name=rn, name=n, tz=tz) for e, rn, n, tz, *_ in PEOPLE]

    org_csv = tmp / "org.csv"
    with open(org_csv, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["email", "manager_email", "team", "role", "timezone"])
        for email, _, _, tz, manager, team, role in PEOPLE:
            writer.writerow([email, manager, team, role, tz])
    # cwd=tmp: no .env from the checkout is read; the environment says everything.
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": sb.api_url,
        "DATABASE_URL": f"sqlite:///{tmp / 'checkins.db'}",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("SLACK_APP_TOKEN", None)
    checkins = str(Path(sys.executable).parent / "checkins")
    done = subprocess.run(
        [checkins, "org", "import", str(org_csv)], env=env, cwd=tmp, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SetupError(f"checkins org import failed ({done.returncode}):\n{done.stdout}{done.stderr}")

    ports = {"bare": free_port(), "checkins": free_port()}
    bare = [sys.executable, str(ROOT / "bench" / "bare_bolt_app.py"), "--port", str(ports["bare"])]
    pids = {"bare": start_server("bare", bare, env, tmp, ports["bare"], stack).pid}
    serve = [checkins, "serve", "--port", str(ports["checkins"]), "--host", "127.0.0.1"]
    if workers is not None:
        serve += ["--workers", str(workers)]
    pids["checkins"] = start_server("checkins", serve, env, tmp, ports["checkins"], stack).pid

    # Each person opens the Home tab once, so the clicks carry the view checkins really published.
    sb.set_app_url(f"http://127.0.0.1:{ports['checkins']}{PATH}")
    for uid in users:
        if not sb.open_home(uid).ok or not wait_for(lambda uid=uid: sb.home(uid) is not None, 10):
            raise SetupError(f"checkins did not publish {uid}'s Home tab: {sb.problems}")
    homes = {uid: sb.home(uid) for uid in users}
    return sb, Requests(sb, users, homes), ports, pids


def follow_ups(sb: Sandbox) -> dict[str, list[int]]:
    """Web API calls the checkins app made after its acks: method -> [ok, failed]."""
    counts = {"response_url": [0, 0], "views.publish": [0, 0]}
    for call in sb.calls:
        if call.method in counts:
            counts[call.method][0 if call.ok else 1] += 1
    return counts


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f}"


def report(results: list[Result], drain: str) -> None:
    print()
    print(
        f"{'target':<10} {'requests':>8} {'errors':>6} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'req/s':>7}"
    )
    for r in results:
        lat = r.all
        n = len(lat) + r.error_count
        print(
            f"{r.target:<10} {n:>8} {r.error_count:>6} {ms(percentile(lat, 50))} {ms(percentile(lat, 99))}"
            f" {ms(lat[-1] if lat else math.nan)} {n / r.wall:7.0f}"
        )
    for r in results:
        for kind, label in (("command", "/checkins"), ("action", "Older")):
            lat = sorted(r.latencies[kind])
            p50, p99 = ms(percentile(lat, 50)), ms(percentile(lat, 99))
            print(f"  {r.target + ' ' + label:<24} p50 {p50} ms  p99 {p99} ms")
        if r.errors:
            print(f"  {r.target} failures: {r.errors}")
    for r in results:
        n = len(r.all) + r.error_count
        print(
            f"  {r.target + ' CPU':<24} {r.cpu['app'] / n * 1000:.2f} ms per request in the app's processes;"
            f" load generator {r.cpu['load'] / n * 1000:.2f} ms; sandbox {r.cpu['bench'] / n * 1000:.2f} ms;"
            f" everything else on the machine {r.cpu['others'] / r.wall:.0%} of a core"
        )
    print(drain)

    bare, app = results
    p50 = percentile(app.all, 50) / percentile(bare.all, 50)
    p99_app = percentile(app.all, 99)
    p99 = p99_app / percentile(bare.all, 99)
    print(f"\nratio checkins/bare: p50 x{p50:.2f}, p99 x{p99:.2f}")
    verdict = {True: "PASS", False: "FAIL"}
    ok = p99_app * 1000 < TARGET_P99_MS
    print(f"{verdict[ok]}  checkins p99 {p99_app * 1000:.1f} ms < {TARGET_P99_MS:.0f} ms")
    print(f"{verdict[p99 <= TARGET_RATIO]}  checkins p99 x{p99:.2f} of the bare app's <= x{TARGET_RATIO}")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=3000, help="measured requests per target")
    parser.add_argument("--concurrency", type=int, default=50, help="concurrent connections")
    parser.add_argument("--warmup", type=int, default=200, help="unmeasured requests per target first")
    parser.add_argument(
        "--rate", type=float, help="open loop: this many requests per second (default: closed loop)"
    )
    parser.add_argument("--workers", type=int, help="checkins serve --workers (default: serve's own)")
    args = parser.parse_args()
    # Ctrl-C even when started in the background (where SIGINT comes ignored); SIGTERM cleans up likewise.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    with ExitStack() as stack:
        try:
            sb, requests, ports, pids = setup(stack, args.workers)
        except (SetupError, OSError) as err:
            print(f"bench setup failed: {err}", file=sys.stderr)
            return 1
        pace = f"open loop at {args.rate:g} requests/s" if args.rate else "closed loop"
        print(
            f"{args.concurrency} concurrent keep-alive connections, {pace}; per target, {args.requests}"
            f" signed requests after {args.warmup} warm-up; half /checkins, half block_actions {OLDER}."
        )
        print(
            "Both apps: subprocesses on bot.server.HttpServer (waitress, 16 threads, SlackRequestHandler);"
            " the bare one has no-op listeners."
        )
        print(
            f"One machine ({os.cpu_count()} cores) shared by the load generator (a process of its own), the"
            " sandbox (in this process, serving checkins' follow-up calls) and both apps (checkins: its"
            " serving process and its workers); load average before the run"
            f" {os.getloadavg()[0]:.2f} (anything else running skews the figures)."
        )
        # Bare first, then checkins, not interleaved: checkins keeps working after each ack (response_url
        # posts, views.publish), and that backlog would steal CPU from a bare round run after it.
        results = []
        for target in ("bare", "checkins"):
            for total in (args.warmup, args.requests):
                result = run_load(
                    target, ports[target], pids[target], requests, total, args.concurrency, args.rate
                )
            results.append(result)

        # The follow-ups are not measured, but they must keep pace: say how long they took to drain.
        commands = (args.warmup + 1) // 2 + (args.requests + 1) // 2  # even-numbered requests
        actions = args.warmup + args.requests - commands + len(requests.users)  # + the first Home opens
        start = time.monotonic()
        wait_for(lambda: sum(map(sum, follow_ups(sb).values())) >= commands + actions, 60)
        counts = follow_ups(sb)
        drain = (
            f"checkins follow-ups (ok/failed): response_url {counts['response_url'][0]}/"
            f"{counts['response_url'][1]} of {commands}, views.publish {counts['views.publish'][0]}/"
            f"{counts['views.publish'][1]} of {actions}; done {time.monotonic() - start:.1f} s after the last"
            " measured ack"
        )
        report(results, drain)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # the ExitStack has already stopped the servers and removed the temp dir
        sys.exit(130)
