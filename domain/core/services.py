"""What the domain needs from the outside world, bundled once per process."""

import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine
from sqlmodel import Session

from domain.core.slack import Slack
from storage.db import session_scope


def _holder_id() -> str:
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass
class Services:
    engine: Engine
    gateway: Slack
    # Names this process in the send ledger and the scheduler lease.
    holder: str = field(default_factory=_holder_id)

    @contextmanager
    def session(self) -> Iterator[Session]:
        with session_scope(self.engine) as session:
            yield session
