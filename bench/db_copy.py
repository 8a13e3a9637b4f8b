"""The move to PostgreSQL: `checkins db copy` of a SQLite database whose performance files hold N entries.

Builds a migrated SQLite file with 200 people and N file entries (and N/10 done jobs), then runs the real
`checkins db copy --to URL` as a subprocess, into a database of the bench's own on the PostgreSQL server (or,
with --sqlite-only, into a new SQLite file). Prints, per size: rows copied, wall time, rows a second and the
copier's peak memory; then PASS/FAIL against the target.

Target (issue 18): tables stream in batches, so memory does not grow with the table: the copier's peak for
the largest size stays under 200 MB and within 50 MB of its peak for the smallest.
Exit status 0 whatever the figures; 1 if setup fails.

    .venv/bin/python bench/db_copy.py [--entries 10000,100000] [--postgres URL | --sqlite-only]
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fanout import checkins_bin, postgres_database, revision  # noqa: E402
from processes import SetupError  # noqa: E402

from storage.db import make_engine, upgrade  # noqa: E402
from storage.jobs import Job  # noqa: E402
from storage.models import FileEntry, Person  # noqa: E402

PEOPLE = 200
TARGET_PEAK_MB = 200.0
TARGET_GROWTH_MB = 50.0
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
TEXT = "Shipped the billing migration; next week the invoices, then the reports. " * 4


def build_source(path: Path, entries: int) -> str:
    url = f"sqlite:///{path}"
    upgrade(url)
    engine = make_engine(url, pooled=False)
    start = datetime(2026, 1, 5, 9, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(
            sa.insert(Person.__table__),
            [
                {
                    "slack_user_id": f"U{n:08d}",
                    "email": f"p{n}@bench.test",
                    "name": f"Person {n}",
                    "team": f"Team {n % 20}",
                    "timezone": "UTC",
                    "role": "employee",
                    "active": True,
                    "created_at": start,
                    "updated_at": start,
                }
                for n in range(1, PEOPLE + 1)
            ],
        )
        # Managers with higher ids than their reports: the copy sets manager_id once every person is in.
        conn.execute(sa.text(f"UPDATE people SET manager_id = {PEOPLE} - id / 2 WHERE id > 1"))
        for first in range(0, entries, 5000):
            conn.execute(
                sa.insert(FileEntry.__table__),
                [
                    {
                        "person_id": n % PEOPLE + 1,
                        "author_id": (n + 1) % PEOPLE + 1,
                        "kind": "message",
                        "text": TEXT,
                        "data": {"n": n},
                        "private": False,
                        "created_at": start + timedelta(minutes=n),
                    }
                    for n in range(first, min(entries, first + 5000))
                ],
            )
        conn.execute(
            sa.insert(Job.__table__),
            [
                {
                    "key": f"bench-{n}",
                    "kind": "command",
                    "payload": {"n": n},
                    "state": "done",
                    "tries": 1,
                    "run_after": start,
                    "created_at": start,
                    "finished_at": start,
                }
                for n in range(entries // 10)
            ],
        )
    engine.dispose()
    return url


def copy(source: str, target: str, tmp: Path) -> dict:
    env = {**os.environ, "DATABASE_URL": source, "SLACK_BOT_TOKEN": "xoxb-bench", "SLACK_SIGNING_SECRET": "s"}
    started = time.monotonic()
    with open(tmp / "out", "w") as out, open(tmp / "err", "w") as err:
        proc = subprocess.Popen(
            [checkins_bin(), "db", "copy", "--to", target], env=env, cwd=tmp, stdout=out, stderr=err
        )
        _, status, usage = os.wait4(proc.pid, 0)  # the copier's own rusage: its peak memory
    wall = time.monotonic() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SetupError(f"checkins db copy failed: {(tmp / 'err').read_text().strip()}")
    return {
        "wall": wall,
        "total": (tmp / "out").read_text().splitlines()[-1],
        "peak_mb": usage.ru_maxrss / 1024,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", default="10000,100000")
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES, help="server where the target is made")
    parser.add_argument("--sqlite-only", action="store_true", help="copy into a new SQLite file instead")
    args = parser.parse_args()
    sizes = [int(n) for n in args.entries.split(",")]
    print(f"checkins db copy at {revision()}, into {'SQLite' if args.sqlite_only else 'PostgreSQL'}")
    peaks = []
    try:
        for entries in sizes:
            with ExitStack() as stack, tempfile.TemporaryDirectory() as tmp_name:
                tmp = Path(tmp_name)
                source = build_source(tmp / "source.db", entries)
                target = (
                    f"sqlite:///{tmp / 'target.db'}"
                    if args.sqlite_only
                    else postgres_database(args.postgres, stack)
                )
                run = copy(source, target, tmp)
                rows = PEOPLE + entries + entries // 10
                peaks.append(run["peak_mb"])
                print(
                    f"{entries:>8} entries: {rows} rows in {run['wall']:.1f} s "
                    f"({rows / run['wall']:,.0f} rows/s), peak {run['peak_mb']:.0f} MB — {run['total']}"
                )
    except SetupError as err:
        print(f"setup failed: {err}", file=sys.stderr)
        return 1
    growth = peaks[-1] - peaks[0]
    ok = peaks[-1] < TARGET_PEAK_MB and growth < TARGET_GROWTH_MB
    print(
        f"{'PASS' if ok else 'FAIL'}: peak {peaks[-1]:.0f} MB (target < {TARGET_PEAK_MB:.0f}), "
        f"growth {growth:+.0f} MB from {sizes[0]} to {sizes[-1]} entries (target < {TARGET_GROWTH_MB:.0f})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
