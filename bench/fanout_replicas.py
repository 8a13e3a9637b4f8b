"""`fanout.py --replicas N`: the same fan-out, sent by N `checkins serve` replicas' workers instead of one
`checkin send` process. The bench adds a job per prompt due (schedules/per_person.py, as the tick's job and
a `checkin send` through jobs would), then times until Slack has every prompt."""

import os
import time
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import processes
import sqlalchemy as sa
from processes import free_port


@dataclass
class Run:
    wall: float  # from the first job added to the last prompt in Slack
    enqueue: float  # seconds adding the jobs
    by_replica: dict[str, int]  # prompts each replica's workers sent (from the ledger)
    unfinished: int  # prompt jobs not done when the run ended
    cpu: float  # CPU seconds the replicas (serving processes and workers) used meanwhile
    machine: float  # CPU seconds every process on the machine used meanwhile (the sandbox's, others')
    bench: float  # CPU seconds of the bench's own process: the sandbox answering the posts, mostly
    serving: float  # of `cpu`, the serving processes' own (the rest is their worker processes')


def start_replicas(
    checkins: str, count: int, workers: int, env: dict, tmp: Path, stack: ExitStack
) -> dict[str, int]:
    """`count` replicas (no scheduler: the bench adds the jobs); name -> serving pid."""
    started = {}
    for n in range(count):
        port = free_port()
        argv = [
            checkins,
            "serve",
            "--http",
            "--no-scheduler",
            "--workers",
            str(workers),
            "--port",
            str(port),
            "--host",
            "127.0.0.1",
        ]
        started[f"r{n}"] = processes.start_server(f"replica-{n}", argv, env, tmp, port, stack).pid
    return started


def _children(pid: int) -> list[int]:
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                kids = [int(c) for c in (task / "children").read_text().split()]
                found += kids
                pending += kids
        except (FileNotFoundError, ProcessLookupError):
            continue
    return found


def run(env: dict, replicas: dict[str, int], expected: int, count_sent, timeout: float) -> Run:
    """Adds a job per prompt due now, then waits until `count_sent()` reaches `expected` (or `timeout`)."""
    from bot.app import build_services
    from bot.settings import load_settings
    from domain.checkins import due
    from schedules import per_person
    from storage import jobs
    from storage.types import utcnow

    pids = {pid: name for name, serving in replicas.items() for pid in [serving, *_children(serving)]}
    services = build_services(load_settings(env, env_file=None), migrate=False)

    def cpu() -> float:
        return sum(processes.tree_cpu_seconds(pid) for pid in replicas.values())

    def serving() -> float:
        return sum(processes.cpu_seconds(pid) for pid in replicas.values())

    try:
        cpu_before, machine_before = cpu(), processes.machine_cpu_seconds()
        serving_before = serving()
        bench_before = processes.cpu_seconds()
        start = time.monotonic()
        now = utcnow()
        with services.session() as session:
            units = [per_person.of_due(d) for d in due.due_prompts(session, now=now, send_now=True)]
        per_person.enqueue(services, units, now=now)
        enqueued = time.monotonic() - start
        deadline = start + timeout
        while count_sent() < expected and time.monotonic() < deadline:
            time.sleep(0.05)
        wall = time.monotonic() - start
        used, machine = cpu() - cpu_before, processes.machine_cpu_seconds() - machine_before
        bench = processes.cpu_seconds() - bench_before
        serving_used = serving() - serving_before
        time.sleep(2.0)  # a late duplicate would show now
        with services.session() as session:
            claimants = session.execute(
                sa.text("SELECT claimed_by FROM sends WHERE kind = 'prompt'")
            ).scalars()
            by_replica = Counter(pids.get(_pid(c), "?") for c in claimants)
            unfinished = session.execute(
                sa.select(sa.func.count()).where(
                    jobs.Job.kind == "send.prompt", jobs.Job.state.in_([jobs.QUEUED, jobs.RUNNING])
                )
            ).scalar_one()
    finally:
        services.engine.dispose()
    by_name = dict(sorted(by_replica.items()))
    return Run(
        wall=wall,
        enqueue=enqueued,
        by_replica=by_name,
        unfinished=unfinished,
        cpu=used,
        machine=machine,
        bench=bench,
        serving=serving_used,
    )


def _pid(claimed_by: str) -> int:
    """A job run's claim: j<id>.<try>@host:pid:uuid."""
    try:
        return int(claimed_by.split("@", 1)[1].split(":")[1])
    except (IndexError, ValueError):
        return -1


def report(result: Run, sent: int) -> list[str]:
    per = result.cpu / sent * 1000 if sent else 0.0
    return [
        f"replicas' CPU     {result.cpu:.1f} s, {per:.1f} ms a prompt"
        f" ({os.cpu_count()} cores: at most {os.cpu_count() * 1000 / per if per else 0:.0f} a second);"
        f" {result.serving:.1f} s of it in the serving processes, the rest in their workers",
        f"machine's CPU     {result.machine:.1f} s of the {result.wall * (os.cpu_count() or 1):.1f} s"
        " its cores had meanwhile (the replicas, the sandbox and the bench, anything else running)",
        f"bench's CPU       {result.bench:.1f} s, {result.bench / sent * 1000 if sent else 0:.1f} ms a prompt"
        " (this process: the sandbox answering the posts, adding the jobs, counting what Slack got)",
        f"jobs added        in {result.enqueue:.1f} s",
        f"sent by           {', '.join(f'{k} {v}' for k, v in result.by_replica.items())}",
        f"jobs left         {result.unfinished} prompt job(s) not done at the end",
    ]
