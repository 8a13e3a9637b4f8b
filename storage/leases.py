"""A lease in the database: which process runs the scheduler."""

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session

from storage.conflicts import insert_if_absent
from storage.models import SchedulerLease


def acquire(session: Session, *, name: str, holder: str, now: datetime, ttl: timedelta) -> bool:
    """Takes or renews the lease; True while `holder` has it."""
    values = {"name": name, "holder": holder, "expires_at": now + ttl}
    if insert_if_absent(session, SchedulerLease, values, key=["name"]) is not None:
        return True
    statement = (
        sa.update(SchedulerLease)
        .where(
            SchedulerLease.name == name,
            sa.or_(SchedulerLease.holder == holder, SchedulerLease.expires_at < now),
        )
        .values(holder=holder, expires_at=now + ttl)
        .returning(SchedulerLease.name)
    )
    return session.execute(statement).first() is not None


def release(session: Session, *, name: str, holder: str) -> None:
    session.execute(
        sa.delete(SchedulerLease).where(SchedulerLease.name == name, SchedulerLease.holder == holder)
    )
