"""Ack latency of `checkins serve` against a bare Bolt app, under signed Slack requests at 50 concurrent,
and the time to each request's visible answer (the response_url post, the modal opened, the Home view
published) as the sandbox recorded it.

Both apps run as subprocesses behind the same server (bot.server.HttpServer, waitress); the sandbox (the
local Slack) runs in this process and answers the checkins app's follow-up Web API calls. Prints p50 / p99
/ max ack latency per target, their ratio, the visible answers' latency, and PASS/FAIL against the targets
(ack p99 < 300 ms and within 1.5x of the bare app's; visible answer p99 <= 500 ms; no modal refused for an
expired trigger). Exit status 0 whatever the figures; 1 if setup fails, 130 on Ctrl-C.

    .venv/bin/python bench/ack_latency.py [--requests 3000] [--concurrency 50] [--warmup 200] [--rate R]
        [--people 48] [--no-modals] [--database-url postgresql://postgres@127.0.0.1:5432/postgres]

By default the load is a closed loop (each connection sends its next request when the previous ack
arrives: both servers run flat out); --rate R sends R requests per second instead (open loop).
"""

import argparse
import csv
import http.client
import itertools
import math
import multiprocessing
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
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
    postgres_database,
    start_server,
    tree_cpu_seconds,
)
from signed_requests import BOT_TOKEN, KINDS, LABELS, OLDER, PATH, SECRET, Built, Requests, people  # noqa: E402
from visible import Sent, Visible, answers, percentile  # noqa: E402

from sandbox import Sandbox  # noqa: E402

TARGET_P99_MS = 300.0
TARGET_RATIO = 1.5
TARGET_VISIBLE_P99_MS = 500.0


@dataclass
class Result:
    target: str
    latencies: dict[str, list[float]] = field(default_factory=lambda: {kind: [] for kind in KINDS})
    errors: dict[str, int] = field(default_factory=dict)  # status or exception name -> count
    wall: float = 0.0
    # CPU seconds during the measured round: the app's processes (and its serving process alone), the load
    # generator, this process (the sandbox), and everything else on the machine (other people's work)
    cpu: dict[str, float] = field(default_factory=dict)
    sent: list[Sent] = field(default_factory=list)  # when each request was due (or sent), for `visible`

    @property
    def all(self) -> list[float]:
        return sorted(v for values in self.latencies.values() for v in values)

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())


def generate_load(
    port: int, built: list[Built], concurrency: int, rate: float | None, out: Connection
) -> None:
    """The load generator, in a process of its own (as Slack is): `concurrency` threads, one keep-alive
    connection each, the requests between them: each sent as soon as its thread is free (closed loop), or
    with `rate`, request i at i / rate seconds from the start (open loop), its latency counted from then,
    so a request kept waiting for a free connection counts. Sends the start first (monotonic and wall
    clock, half a second ahead), then latencies, errors, wall time and when each request was due or sent."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops us
    latencies: dict[str, list[float]] = {kind: [] for kind in KINDS}
    errors: dict[str, int] = {}
    at = [0.0] * len(built)  # wall clock
    counter = itertools.count()  # next() on it is atomic under the GIL
    lock = threading.Lock()

    def fail(reason: str) -> None:
        with lock:
            errors[reason] = errors.get(reason, 0) + 1

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            while (i := next(counter)) < len(built):
                kind, body, headers, _ = built[i]
                if rate:
                    start = begin + i / rate
                    time.sleep(max(0.0, start - time.perf_counter()))
                    at[i] = begin_wall + i / rate
                else:
                    start, at[i] = time.perf_counter(), time.time()
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
    # perf_counter is CLOCK_MONOTONIC on Linux, as the sandbox's time.monotonic(): the parent dates the
    # triggers from it before the first request goes.
    begin, begin_wall = time.perf_counter() + 0.5, time.time() + 0.5
    out.send((begin, begin_wall))
    time.sleep(0.5)
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.send((latencies, errors, time.perf_counter() - begin, at))


def run_load(
    target: str,
    port: int,
    pid: int,
    requests: Requests,
    total: int,
    concurrency: int,
    rate: float | None,
    measured: bool,
) -> Result:
    """`total` requests, built and signed here before the clock starts, sent by a load generator process.
    A trigger_id is dated from when its request is due (open loop) or from the start (closed loop)."""
    built = [requests.build(i) for i in range(total)]
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    generator = context.Process(
        target=generate_load, args=(port, built, concurrency, rate, send), daemon=True
    )
    generator.start()
    send.close()
    try:
        if not receive.poll(120):
            raise SetupError(f"the load generator did not start (status {generator.exitcode})")
        begin, _ = receive.recv()
        for i, (kind, _, _, trigger) in enumerate(built):
            if kind == "modal":
                requests.sb.ws.date_trigger(trigger, begin + (i / rate if rate else 0.0))
        # Once it runs: its start-up (imports, unpickling the bodies) is not the load's.
        cpu_before = tree_cpu_seconds(pid), cpu_seconds(pid), cpu_seconds(generator.pid), cpu_seconds()
        machine_before = machine_cpu_seconds()
        while not receive.poll(0.05):
            if not generator.is_alive() and not receive.poll():
                raise SetupError(f"the load generator ended with status {generator.exitcode}")
        cpu_after = tree_cpu_seconds(pid), cpu_seconds(pid), cpu_seconds(generator.pid), cpu_seconds()
        machine = machine_cpu_seconds() - machine_before
        try:
            latencies, errors, wall, at = receive.recv()
        except EOFError:
            raise SetupError(f"the load generator ended with status {generator.exitcode}") from None
    finally:
        generator.join(timeout=5)
        if generator.is_alive():
            generator.kill()
    app, serving, load, bench = (after - before for after, before in zip(cpu_after, cpu_before, strict=True))
    result = Result(target, latencies=latencies, errors=errors, wall=wall)
    result.cpu = {
        "app": app,
        "serving": serving,
        "load": load,
        "bench": bench,
        "others": max(0.0, machine - app - load - bench),
    }
    result.sent = [Sent(kind, ref, at[i], measured) for i, (kind, _, _, ref) in enumerate(built)]
    return result


def wait_for(check: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return check()


def setup(
    stack: ExitStack, args: argparse.Namespace
) -> tuple[Sandbox, Requests, dict[str, int], dict[str, int]]:
    """Sandbox, org imported with the real CLI, both servers up, each person's real Home view."""
    tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="checkins-bench-")))
    if args.database_url:
        database_url = postgres_database(args.database_url, stack)
    else:
        database_url = f"sqlite:///{tmp / 'checkins.db'}"
    sb = Sandbox(signing_secret=SECRET, bot_token=BOT_TOKEN).start()
    stack.callback(sb.stop)
    sb.rate_limits_enabled = False  # we measure acks, not Slack's limits on the follow-up calls
    org = people(args.people)
    users = [sb.add_user(email=e, real_name=rn, name=n, tz=tz) for e, rn, n, tz, *_ in org]

    org_csv = tmp / "org.csv"
    with open(org_csv, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["email", "manager_email", "team", "role", "timezone"])
        for email, _, _, tz, manager, team, role in org:
            writer.writerow([email, manager, team, role, tz])
    # cwd=tmp: no .env from the checkout is read; the environment says everything.
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": sb.api_url,
        "DATABASE_URL": database_url,
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
    if args.workers is not None:
        serve += ["--workers", str(args.workers)]
    pids["checkins"] = start_server("checkins", serve, env, tmp, ports["checkins"], stack).pid

    # Each person opens the Home tab once, so the clicks carry the view checkins really published.
    sb.set_app_url(f"http://127.0.0.1:{ports['checkins']}{PATH}")
    for uid in users:
        if not sb.open_home(uid).ok or not wait_for(lambda uid=uid: sb.home(uid) is not None, 10):
            raise SetupError(f"checkins did not publish {uid}'s Home tab: {sb.problems}")
    homes = {uid: sb.home(uid) for uid in users}
    return sb, Requests(sb, users, homes, modals=not args.no_modals), ports, pids


def follow_ups(sb: Sandbox) -> dict[str, list[int]]:
    """Web API calls the checkins app made after its acks: method -> [ok, failed]."""
    counts = {"response_url": [0, 0], "views.publish": [0, 0], "views.open": [0, 0]}
    for call in sb.calls:
        if call.method in counts:
            counts[call.method][0 if call.ok else 1] += 1
    return counts


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f}"


def report(results: list[Result], drain: str, seen: Visible, rate: float | None) -> None:
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
        for kind, values in r.latencies.items():
            lat = sorted(values)
            if lat:
                p50, p99 = ms(percentile(lat, 50)), ms(percentile(lat, 99))
                print(f"  {r.target + ' ' + LABELS[kind]:<24} p50 {p50} ms  p99 {p99} ms")
        if r.errors:
            print(f"  {r.target} failures: {r.errors}")
    for r in results:
        n = len(r.all) + r.error_count
        print(
            f"  {r.target + ' CPU':<24} {r.cpu['app'] / n * 1000:.2f} ms per request in the app's processes"
            f" (serving process {r.cpu['serving'] / n * 1000:.2f} ms); load generator"
            f" {r.cpu['load'] / n * 1000:.2f} ms; sandbox {r.cpu['bench'] / n * 1000:.2f} ms;"
            f" everything else on the machine {r.cpu['others'] / r.wall:.0%} of a core"
        )
    print(drain)

    print("\nvisible answers (checkins; from each request's due time to the call that showed its answer):")
    for kind, values in seen.latencies.items():
        lat = sorted(values)
        p50, p99 = ms(percentile(lat, 50)), ms(percentile(lat, 99))
        print(
            f"  {LABELS[kind]:<12} {len(lat):>5} p50 {p50} ms  p99 {p99}"
            f" ms  max {ms(lat[-1] if lat else math.nan)} ms; {seen.missing.get(kind, 0)} never answered"
        )
    everything = seen.all
    visible_p99 = percentile(everything, 99)
    print(
        f"  {'all':<12} {len(everything):>5} p50 {ms(percentile(everything, 50))} ms"
        f"  p99 {ms(visible_p99)} ms;"
        f" modals refused for an expired trigger {seen.expired}, opened after 3 s {seen.modal_late}"
    )

    bare, app = results
    p50 = percentile(app.all, 50) / percentile(bare.all, 50)
    p99_app = percentile(app.all, 99)
    p99 = p99_app / percentile(bare.all, 99)
    print(f"\nratio checkins/bare: p50 x{p50:.2f}, p99 x{p99:.2f}")
    verdict = {True: "PASS", False: "FAIL"}
    ok = p99_app * 1000 < TARGET_P99_MS
    print(f"{verdict[ok]}  checkins p99 {p99_app * 1000:.1f} ms < {TARGET_P99_MS:.0f} ms")
    print(f"{verdict[p99 <= TARGET_RATIO]}  checkins p99 x{p99:.2f} of the bare app's <= x{TARGET_RATIO}")
    answered = sum(seen.missing.values()) == 0
    print(
        f"{verdict[answered and visible_p99 * 1000 <= TARGET_VISIBLE_P99_MS]}  visible answer p99"
        f" {visible_p99 * 1000:.1f} ms <= {TARGET_VISIBLE_P99_MS:.0f} ms, every request answered"
        + ("" if rate else " (the target is for an open loop)")
    )
    late = seen.expired + seen.modal_late
    print(f"{verdict[late == 0]}  modals opened after their trigger expired (or refused for it): {late} == 0")


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
    parser.add_argument(
        "--people", type=int, default=48, help="people sending requests by turns (8 or more; default 48)"
    )
    parser.add_argument("--no-modals", action="store_true", help="only /checkins and Older, by halves")
    parser.add_argument(
        "--database-url",
        default=None,
        help="a PostgreSQL server: the bench creates a database of its own there and drops it",
    )
    args = parser.parse_args()
    # Ctrl-C even when started in the background (where SIGINT comes ignored); SIGTERM cleans up likewise.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    with ExitStack() as stack:
        try:
            sb, requests, ports, pids = setup(stack, args)
        except (SetupError, OSError) as err:
            print(f"bench setup failed: {err}", file=sys.stderr)
            return 1
        pace = f"open loop at {args.rate:g} requests/s" if args.rate else "closed loop"
        mix = ", ".join(LABELS[kind] for kind in requests.kinds)
        database = "PostgreSQL" if args.database_url else "SQLite"
        print(
            f"{args.concurrency} concurrent keep-alive connections, {pace}; per target, {args.requests}"
            f" signed requests after {args.warmup} warm-up; by turns {mix} ({OLDER}), from"
            f" {len(requests.users)} people; checkins on {database}."
        )
        print(
            "Both apps: subprocesses on bot.server.HttpServer (waitress, SlackRequestHandler);"
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
        results, sent = [], []
        for target in ("bare", "checkins"):
            for total, measured in ((args.warmup, False), (args.requests, True)):
                result = run_load(
                    target,
                    ports[target],
                    pids[target],
                    requests,
                    total,
                    args.concurrency,
                    args.rate,
                    measured,
                )
                if target == "checkins":
                    sent += result.sent
            results.append(result)

        # Every request's answer must come: wait for them (up to a minute), then say how long they took.
        wanted = Counter(s.kind for s in sent)
        wanted["action"] += len(requests.users)  # the first Home opens
        start = time.monotonic()
        expected = {"command": "response_url", "action": "views.publish", "modal": "views.open"}

        def drained() -> bool:
            counts = follow_ups(sb)
            return all(sum(counts[expected[kind]]) >= n for kind, n in wanted.items())

        wait_for(drained, 60)
        counts = follow_ups(sb)
        drain = "checkins follow-ups (ok/failed of expected): " + ", ".join(
            f"{expected[kind]} {counts[expected[kind]][0]}/{counts[expected[kind]][1]} of {n}"
            for kind, n in wanted.items()
        )
        drain += f"; done {time.monotonic() - start:.1f} s after the last measured ack"
        report(results, drain, answers(sent, list(sb.calls)), args.rate)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # the ExitStack has already stopped the servers and removed the temp dir
        sys.exit(130)
