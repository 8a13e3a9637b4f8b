"""Progress of a long command on stderr: a bar on a terminal, else a line every few seconds, such as
"checkin send: 1,200 of 5,000 (24 %), 3 failed so far". `checkins --quiet` shows none. stdout keeps the
command's report alone."""

import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO

import click

from domain.core.progress import Progress, silent

EVERY_SETTING = "CHECKINS_PROGRESS_SECONDS"  # how often a line comes when stderr is not a terminal
EVERY_DEFAULT = 5.0


class Lines:
    """A line at most every `every` seconds, when the count has moved; the last one too, once any was
    printed (it ends the story)."""

    def __init__(self, label: str, stream: IO[str], every: float, clock: Callable[[], float]) -> None:
        self.label, self.stream, self.every, self.clock = label, stream, every, clock
        self.last = clock()
        self.printed = False
        self.state: tuple[int, int, int] | None = None
        self.shown: tuple[int, int, int] | None = None

    def __call__(self, done: int, total: int, failed: int = 0) -> None:
        self.state = (done, total, failed)
        if self.state != self.shown and self.clock() - self.last >= self.every:
            self._print()

    def close(self) -> None:
        if self.printed and self.state is not None and self.state != self.shown:
            self._print()

    def _print(self) -> None:
        done, total, failed = self.state or (0, 0, 0)
        self.stream.write(line(self.label, done, total, failed) + "\n")
        self.stream.flush()
        self.last, self.printed, self.shown = self.clock(), True, self.state


def line(label: str, done: int, total: int, failed: int = 0) -> str:
    share = f" ({100 * done // total} %)" if total else ""
    failures = f", {failed:,} failed so far" if failed else ""
    return f"{label}: {done:,} of {total:,}{share}{failures}"


class Bar:
    """click's progress bar, made when the total is first known."""

    def __init__(self, label: str, stream: IO[str]) -> None:
        self.label, self.stream = label, stream
        self.bar = None

    def __call__(self, done: int, total: int, failed: int = 0) -> None:
        if self.bar is None:
            self.bar = click.progressbar(length=max(total, 1), label=self.label, file=self.stream)
            self.bar.__enter__()
        self.bar.length = max(total, 1)
        if failed:
            self.bar.label = f"{self.label} ({failed:,} failed)"
        self.bar.update(done - self.bar.pos)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


def _quiet() -> bool:
    ctx = click.get_current_context(silent=True)
    return bool(ctx and ctx.find_root().params.get("quiet"))


def _every() -> float:
    try:
        return max(0.0, float(os.environ.get(EVERY_SETTING, EVERY_DEFAULT)))
    except ValueError:
        return EVERY_DEFAULT


@contextmanager
def shown(label: str) -> Iterator[Progress]:
    """A Progress for a command's work, closed (the bar ended) when it is done."""
    if _quiet():
        yield silent
        return
    stream = sys.stderr
    display = Bar(label, stream) if stream.isatty() else Lines(label, stream, _every(), time.monotonic)
    try:
        yield display
    finally:
        display.close()
