"""Org import at directory speed: `checkins org import` of N people against Slack's Tier limits.

The sandbox (the local Slack) runs in this process with its default Tier limits on: users.list is Tier 2
(20 a minute, a minute's allowance as burst), users.lookupByEmail Tier 3. `checkins org import` runs as a
subprocess, as an HR admin would run it, on SQLite and, when a server answers, on PostgreSQL. Prints, per
size and database: wall time, users.list and users.lookupByEmail calls, 429s, people imported, row errors,
the importer's peak memory, and PASS/FAIL against the target.

Target (issue 18): 10,000 people in under 2 minutes against Tier limits, 0 errors, memory under 200 MB;
scaled by size here (at least 10 s), because users.list time grows with the number of pages.
Exit status 0 whatever the figures; 1 if setup fails.

    .venv/bin/python bench/org_import.py [--people 150,5000] [--runs 1]
        [--database-url postgresql://postgres@127.0.0.1:5432/postgres | --sqlite-only]
"""

import argparse
import csv
import math
import os
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the sandbox is not installed with the app

from fanout import TIME_ZONES, checkins_bin, postgres_database, revision  # noqa: E402
from processes import SetupError  # noqa: E402

from sandbox import Sandbox  # noqa: E402
from sandbox.ratelimits import DEFAULT_PER_MINUTE  # noqa: E402

SECRET = "bench-signing-secret"
BOT_TOKEN = "xoxb-bench"
PAGE = 200  # domain/org/directory.PAGE_SIZE
TARGET_SECONDS_PER_10K = 120.0
TARGET_MEMORY_MB = 200.0
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"


def target_seconds(people: int) -> float:
    return max(10.0, TARGET_SECONDS_PER_10K * people / 10_000)


def floor_seconds(members: int) -> float:
    """users.list pages past the burst each wait for a token: (pages - burst) / rate."""
    per_minute = DEFAULT_PER_MINUTE["users.list"]
    pages = math.ceil(members / PAGE)
    return max(0, pages - per_minute) * 60 / per_minute


def org_rows(people: int) -> list[list[str]]:
    """One top person, a manager per 10 others, everyone else under a manager."""
    rows = [["top@bench.test", "", "Leadership", "manager", ""]]
    managers = max(1, math.ceil((people - 1) / 11))
    for m in range(managers):
        rows.append([f"m{m:04d}@bench.test", "top@bench.test", f"Team {m:04d}", "", ""])
    for e in range(people - 1 - managers):
        rows.append(
            [f"e{e:05d}@bench.test", f"m{e % managers:04d}@bench.test", f"Team {e % managers:04d}", "", ""]
        )
    return rows


def postgres_up(url: str) -> str | None:
    engine = sa.create_engine(
        sa.engine.make_url(url).set(drivername="postgresql+psycopg"),
        connect_args={"connect_timeout": 3},
        poolclass=sa.pool.NullPool,
    )
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        return None
    except sa.exc.SQLAlchemyError as err:
        return str(err).splitlines()[0]
    finally:
        engine.dispose()


def run_once(people: int, database: str, stack: ExitStack) -> dict:
    tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="checkins-org-import-")))
    database_url = (
        f"sqlite:///{tmp / 'bench.db'}" if database == "sqlite" else postgres_database(database, stack)
    )
    sb = Sandbox(signing_secret=SECRET, bot_token=BOT_TOKEN).start()
    stack.callback(sb.stop)
    rows = org_rows(people)
    for n, (email, *_rest) in enumerate(rows):
        sb.add_user(email=email, tz=TIME_ZONES[n % len(TIME_ZONES)])
    org_csv = tmp / "org.csv"
    with open(org_csv, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["email", "manager_email", "team", "role", "timezone"])
        writer.writerows(rows)
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": sb.api_url,
        "DATABASE_URL": database_url,
    }
    env.pop("SLACK_APP_TOKEN", None)
    # The schema first, unmeasured: an HR admin's database is migrated before the import.
    done = subprocess.run([checkins_bin(), "db", "upgrade"], env=env, cwd=tmp, capture_output=True, text=True)
    if done.returncode != 0:
        raise SetupError(f"checkins db upgrade failed:\n{done.stderr[-2000:]}")
    sb.ws.calls.clear()

    out_path, err_path = tmp / "import.out", tmp / "import.err"
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        start = time.monotonic()
        proc = subprocess.Popen(
            [checkins_bin(), "org", "import", str(org_csv)], env=env, cwd=tmp, stdout=out, stderr=err
        )
    _, status, usage = os.wait4(proc.pid, 0)  # the child's own rusage: its peak memory
    wall = time.monotonic() - start
    proc.returncode = code = os.waitstatus_to_exitcode(status)
    out, err = out_path.read_text(errors="replace"), err_path.read_text(errors="replace")
    calls = sb.calls
    return {
        "people": people,
        "database": "sqlite" if database == "sqlite" else "postgresql",
        "exit": code,
        "wall": wall,
        "list": sum(1 for c in calls if c.method == "users.list" and c.ok),
        "lookups": sum(1 for c in calls if c.method == "users.lookupByEmail" and c.ok),
        "429s": sum(1 for c in calls if c.status == 429),
        "errors": len([line for line in err.splitlines() if ": line " in line]),
        "report": (out.strip().splitlines() or [err.strip()[-300:]])[-1],
        "peak_mb": usage.ru_maxrss / 1024,
        "members": len(rows) + 2,  # the app's bot and Slackbot are listed too
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", default="150,5000", help="sizes, comma-separated")
    parser.add_argument("--runs", type=int, default=1, help="runs per size and database (for ranges)")
    parser.add_argument("--database-url", default=DEFAULT_POSTGRES, help="a PostgreSQL server to use too")
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args()
    sizes = [int(s) for s in args.people.split(",") if s.strip()]
    databases = ["sqlite"]
    if not args.sqlite_only:
        problem = postgres_up(args.database_url)
        if problem is None:
            databases.append(args.database_url)
        else:
            print(f"PostgreSQL skipped ({problem})")
    print(
        f"sandbox Tier limits on: users.list {DEFAULT_PER_MINUTE['users.list']}/min,"
        f" users.lookupByEmail {DEFAULT_PER_MINUTE['users.lookupByEmail']}/min, a minute's burst;"
        f" {os.cpu_count()} cores shared with the sandbox; app at {revision()}"
    )
    print(
        f"{'people':>7} {'db':<10} {'wall s':>7} {'floor s':>7} {'target s':>8} {'list':>5} {'lookups':>7}"
        f" {'429s':>5} {'errors':>6} {'MiB':>5}  verdict"
    )
    for people in sizes:
        for database in databases:
            for _ in range(args.runs):
                with ExitStack() as stack:
                    try:
                        r = run_once(people, database, stack)
                    except (SetupError, OSError, subprocess.SubprocessError) as err:
                        print(f"bench setup failed: {err}", file=sys.stderr)
                        return 1
                ok = (
                    r["exit"] == 0
                    and r["errors"] == 0
                    and r["wall"] < target_seconds(people)
                    and r["peak_mb"] < TARGET_MEMORY_MB
                )
                print(
                    f"{people:>7} {r['database']:<10} {r['wall']:>7.1f} {floor_seconds(r['members']):>7.1f}"
                    f" {target_seconds(people):>8.0f} {r['list']:>5} {r['lookups']:>7} {r['429s']:>5}"
                    f" {r['errors']:>6} {r['peak_mb']:>5.0f}  {'PASS' if ok else 'FAIL'}"
                )
                if r["exit"] != 0:
                    print(f"  exit {r['exit']}: {r['report']}")
    print("floor: users.list pages beyond the burst at Tier 2's pace; list and 429s count every call made")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
