"""Replicas of `checkins serve` as an operator runs them: real processes on one database, each with its worker
processes and its scheduler runner, behind the sandbox playing Slack. Over HTTP the sandbox is also the load
balancer (requests in turn, an event's retry to the next replica); over Socket Mode each replica holds its own
connection, Slack spreads envelopes over them and sends an unacked event again on another."""

import os
import signal
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path

from tests.bot.test_cli import _free_port, _healthy, _workers
from tests.support import CHECKINS, cli_env, wait_for


@dataclass
class Replica:
    name: str
    proc: subprocess.Popen
    port: int
    workers: list[int] = field(default_factory=list)  # pids, as started

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/slack/events"

    @property
    def pids(self) -> list[int]:
        return [self.proc.pid, *_workers(self.proc.pid)]


class Replicas:
    """`count` replicas, each `checkins serve --workers W` with the scheduler runner on."""

    def __init__(
        self, sandbox, database_url: str, tmp_path: Path, *, transport: str, workers: int = 2, **env: str
    ):
        self.sandbox, self.tmp_path, self.workers = sandbox, tmp_path, workers
        self.transport = transport
        self.env = {"PYTHONUNBUFFERED": "1", **env}
        if transport == "socket":
            self.env["SLACK_APP_TOKEN"] = sandbox.app_token
            sandbox.use_socket_mode()
        self.database_url = database_url
        self.replicas: list[Replica] = []
        self.logs: dict[str, Path] = {}
        self.known_pids: dict[int, str] = {}  # every process a replica ever ran -> its name
        self._restarts: list[threading.Thread] = []

    def _start(self, name: str) -> Replica:
        port = _free_port()
        env = cli_env(self.sandbox, self.database_url, PORT=str(port), **self.env)
        log = self.tmp_path / f"{name}.log"
        with open(log, "ab") as out:
            proc = subprocess.Popen(
                [CHECKINS, "serve", f"--{self.transport}", "--workers", str(self.workers)],
                env=env,
                cwd=self.tmp_path,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self.logs[name] = log
        return Replica(name, proc, port)

    def _ready(self, replica: Replica) -> None:
        wait_for(lambda: _healthy(replica.port) or replica.proc.poll() is not None, timeout=120)
        assert replica.proc.poll() is None, self.logs[replica.name].read_text()[-3000:]
        replica.workers = _workers(replica.proc.pid)
        for pid in replica.pids:
            self.known_pids[pid] = replica.name

    def start(self, count: int) -> "Replicas":
        started = [self._start(f"r{n}") for n in range(count)]  # in parallel: each takes seconds
        for replica in started:
            self._ready(replica)
        self.replicas = started
        self._route()
        if self.transport == "socket":
            self.sandbox.wait_for_socket_connections(count)  # each connected before it answered /healthz
        return self

    def _route(self) -> None:
        """Over HTTP, the balancer's list; over Socket Mode a replica is reached once it connects."""
        if self.transport == "http":
            self.sandbox.set_app_urls([r.url for r in self.replicas])

    def by_pid(self, pid: int) -> Replica:
        return next(r for r in self.replicas if r.proc.pid == pid)

    def kill(self, replica: Replica, *, restart: bool = True) -> None:
        """SIGKILL the serving process and its workers at once. With `restart`, a supervisor starts it again
        (on a new port, routed to once it answers /healthz). Meanwhile, over HTTP, the balancer still sends
        it requests, which fail, and Slack retries events on the next replica; over Socket Mode its
        connection is gone, and Slack sends the events it had not acked again on another connection."""
        self.known_pids.update({pid: replica.name for pid in replica.pids})
        for pid in replica.pids:
            os.kill(pid, signal.SIGKILL)
        replica.proc.wait()
        if restart:
            again = self._start(replica.name)

            def ready() -> None:
                self._ready(again)
                self.replicas[self.replicas.index(replica)] = again
                self._route()

            thread = threading.Thread(target=ready, daemon=True)
            thread.start()
            self._restarts.append(thread)

    def settle(self) -> None:
        """Until every replica started again answers."""
        for thread in self._restarts:
            thread.join(timeout=130)

    def workers_now(self) -> dict[int, str]:
        """Every live worker and serving process, and which replica it belongs to."""
        for replica in self.replicas:
            if replica.proc.poll() is None:
                for pid in replica.pids:
                    self.known_pids[pid] = replica.name
        return self.known_pids

    def close(self) -> None:
        self.settle()
        for replica in self.replicas:
            if replica.proc.poll() is None:
                replica.proc.send_signal(signal.SIGTERM)
        for replica in self.replicas:
            try:
                replica.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                for pid in replica.pids:
                    os.kill(pid, signal.SIGKILL)
                replica.proc.wait()
