"""What the domain needs from the outside world, bundled once per process."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlmodel import Session

from domain.gateway import SlackGateway
from storage.db import session_scope


@dataclass
class Services:
    engine: Engine
    gateway: SlackGateway

    @contextmanager
    def session(self) -> Iterator[Session]:
        with session_scope(self.engine) as session:
            yield session
