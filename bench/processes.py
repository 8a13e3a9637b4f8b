"""What both benchmarks need to run the app's processes: free ports, starting a server, stopping it."""

import http.client
import os
import socket
import subprocess
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

import sqlalchemy as sa


class SetupError(Exception):
    pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop_process(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def start_server(
    name: str, argv: list[str], env: dict, cwd: Path, port: int, stack: ExitStack
) -> subprocess.Popen:
    """Start a server and wait until GET /healthz answers 200; its output goes to NAME.log in `cwd`."""
    log_path = cwd / f"{name}.log"
    with open(log_path, "wb") as log:  # the child keeps its own handle
        proc = subprocess.Popen(argv, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT)
    stack.callback(stop_process, proc)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SetupError(f"{name} exited with status {proc.returncode}:\n{log_path.read_text()[-3000:]}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            status = conn.getresponse().status
            conn.close()
            if status == 200:
                return proc
        except OSError:
            pass
        time.sleep(0.1)
    raise SetupError(f"{name} did not answer GET /healthz within 60 s:\n{log_path.read_text()[-3000:]}")


def cpu_seconds(pid: int | str = "self") -> float:
    """CPU (user + system) a process has used so far, all its threads; Linux /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(pid: int) -> float:
    """CPU a process and its live descendants (a server's worker processes) have used so far."""
    total, pending = 0.0, [pid]
    while pending:
        current = pending.pop()
        try:
            total += cpu_seconds(current)
            for task in Path(f"/proc/{current}/task").iterdir():
                pending.extend(int(child) for child in (task / "children").read_text().split())
        except (FileNotFoundError, ProcessLookupError):  # ended meanwhile
            continue
    return total


def machine_cpu_seconds() -> float:
    """User and system CPU all processes on the machine have used so far (every core; the kernel's own
    interrupt work, loopback networking included, is left out); Linux /proc."""
    user, nice, system = (int(v) for v in Path("/proc/stat").read_text().split(maxsplit=4)[1:4])
    return (user + nice + system) / os.sysconf("SC_CLK_TCK")


def postgres_database(server_url: str, stack: ExitStack) -> str:
    """A database of the bench's own on that server, dropped at the end (even after Ctrl-C)."""
    url = sa.engine.make_url(server_url).set(drivername="postgresql+psycopg")
    name = f"checkins_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.SQLAlchemyError as err:
        raise SetupError(f"cannot create a database at {server_url}: {err}") from err

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    stack.callback(drop)
    return url.set(database=name).render_as_string(hide_password=False)
