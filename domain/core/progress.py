"""How far a long piece of work has got, told to whoever started it. The CLI draws a bar or prints a line
now and then (bot/cli/progress.py); the scheduler and Slack's listeners pass `silent`."""

from typing import Protocol


class Progress(Protocol):
    def __call__(self, done: int, total: int, failed: int = 0) -> None: ...


def silent(done: int, total: int, failed: int = 0) -> None:
    """No one is watching."""
