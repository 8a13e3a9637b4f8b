"""The job table: work committed before Slack gets its ack, run at least once by whichever worker claims it.

A job has a unique key (an event's `event_id`, a request's own id), so adding it twice adds nothing. Workers
claim jobs under a lease on the database's clock: PostgreSQL's `clock_timestamp()`, or this machine's for a
SQLite file (which lives on one machine). On PostgreSQL claims skip rows another worker has locked (`FOR
UPDATE SKIP LOCKED`); on SQLite the claim is one UPDATE, and SQLite lets one writer at a time run it. A job
whose worker died is claimed again once its lease runs out; after MAX_TRIES it is failed, its error kept.
"""

import functools
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Field, Session, SQLModel

from storage.types import JSONData, UTCDateTime, utcnow

MAX_TRIES = 5
DEFAULT_LEASE = timedelta(seconds=30)
# A failed try waits this long times its number before the next (1, 2, 3, 4 s...).
BACKOFF = timedelta(seconds=1)
KEEP_DONE = timedelta(days=1)  # longer than Slack goes on retrying an event, so its key still dedupes
KEEP_FAILED = timedelta(days=30)
NOTIFY_CHANNEL = "checkins_jobs"

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"


class Job(SQLModel, table=True):
    __tablename__ = "jobs"
    __table_args__ = (
        sa.UniqueConstraint("key", name="uq_jobs_key"),
        sa.Index("ix_jobs_state_run_after", "state", "run_after"),
    )

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(sa_column=sa.Column(sa.String(200), nullable=False))
    kind: str = Field(sa_column=sa.Column(sa.String(32), nullable=False))
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=sa.Column(JSONData, nullable=False))
    state: str = Field(sa_column=sa.Column(sa.String(16), nullable=False))
    tries: int = Field(default=0, sa_column=sa.Column(sa.Integer, nullable=False, server_default="0"))
    run_after: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
    lease_until: datetime | None = Field(default=None, sa_column=sa.Column(UTCDateTime, nullable=True))
    holder: str | None = Field(default=None, sa_column=sa.Column(sa.String(100), nullable=True))
    error: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    created_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
    finished_at: datetime | None = Field(default=None, sa_column=sa.Column(UTCDateTime, nullable=True))


def _postgres(session: Session | sa.Connection) -> bool:
    bind = session if isinstance(session, sa.Connection) else session.get_bind()
    return bind.dialect.name == "postgresql"


def _now(session: Session, plus: timedelta = timedelta(0)) -> sa.ColumnElement[Any]:
    """The database's time (plus a delta), as SQL: every process compares leases on one clock."""
    if _postgres(session):
        return sa.func.clock_timestamp() + sa.literal(plus, sa.Interval())
    return sa.literal(utcnow() + plus, UTCDateTime())


# The statements of the hot path (enqueue, claim, finish) are built once per dialect: building one costs
# more CPU than running it. A time is `clock_timestamp() + :name` on PostgreSQL and `:name` on SQLite.
_T = Job.__table__


def _at(postgres: bool, name: str) -> sa.ColumnElement[Any]:
    if postgres:
        return sa.func.clock_timestamp() + sa.bindparam(name, type_=sa.Interval())
    return sa.bindparam(name, type_=UTCDateTime())


def _times(session: Session | sa.Connection, **deltas: timedelta) -> dict[str, Any]:
    if _postgres(session):
        return deltas
    now = utcnow()
    return {name: now + delta for name, delta in deltas.items()}


def _runnable_at(postgres: bool, some_kinds: bool = False) -> sa.ColumnElement[bool]:
    now = _at(postgres, "now")
    # state IN (...) first: the index on (state, run_after) then skips the day of done jobs kept
    runnable = sa.and_(
        _T.c.state.in_([QUEUED, RUNNING]),
        sa.or_(
            sa.and_(_T.c.state == QUEUED, _T.c.run_after <= now),
            sa.and_(_T.c.state == RUNNING, _T.c.lease_until < now, _T.c.tries < MAX_TRIES),
        ),
    )
    if some_kinds:  # a consumer that runs only these kinds (the CLI's fan-outs) leaves the rest to others
        return sa.and_(runnable, _T.c.kind.in_(sa.bindparam("kinds", expanding=True)))
    return runnable


@functools.cache
def _statements(postgres: bool, some_kinds: bool = False) -> dict[str, Any]:
    insert = pg_insert if postgres else sqlite_insert
    # A payload comes as JSON text (json.dumps'd once, where it was checked: see enqueue)
    payload: sa.ColumnElement[Any] = sa.bindparam("b_payload", type_=sa.Text())
    if postgres:
        payload = sa.cast(payload, JSONB)
    now, limit = _at(postgres, "now"), sa.bindparam("limit", type_=sa.Integer())
    # a consumer that runs only some kinds (the CLI's fan-outs) leaves the rest to others
    kinds = [_T.c.kind.in_(sa.bindparam("kinds", expanding=True))] if some_kinds else []
    # Queued jobs and those whose worker died each come from a scan of the (state, run_after) index in its
    # order, so a claim costs as much with 10,000 queued as with 10: one ORDER BY id over both sorted every
    # queued row (3.7 ms a claim with 11,000 queued on SQLite, under its one writer's lock). FOR UPDATE SKIP
    # LOCKED on PostgreSQL; SQLite renders nothing.
    queued = (
        sa.select(_T.c.id)
        .where(_T.c.state == QUEUED, _T.c.run_after <= now, *kinds)
        .order_by(_T.c.run_after, _T.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .subquery()
    )
    expired = (
        sa.select(_T.c.id)
        .where(_T.c.state == RUNNING, _T.c.lease_until < now, _T.c.tries < MAX_TRIES, *kinds)
        .order_by(_T.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .subquery()
    )
    either = sa.union_all(sa.select(expired.c.id), sa.select(queued.c.id)).subquery()
    chosen = sa.select(either.c.id).order_by(either.c.id).limit(limit).scalar_subquery()
    enqueue = (
        insert(_T)
        .values(
            key=sa.bindparam("b_key"),
            kind=sa.bindparam("b_kind"),
            payload=payload,
            state=QUEUED,
            tries=0,
            run_after=_at(postgres, "b_run_after"),
            created_at=_at(postgres, "now"),
        )
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(_T.c.id)
    )
    quiet = enqueue
    if postgres:  # the NOTIFY in the same statement, for a job added: one round trip less
        added = enqueue.cte("added")
        enqueue = sa.select(added.c.id, sa.func.pg_notify(NOTIFY_CHANNEL, "")).select_from(added)
    return {
        "enqueue": enqueue,
        "enqueue quietly": quiet,
        "any": sa.select(_T.c.id).where(_runnable_at(postgres, some_kinds)).limit(1),
        "claim": sa.update(_T)
        .where(_T.c.id.in_(chosen))
        .values(
            state=RUNNING,
            holder=sa.bindparam("b_holder"),
            tries=_T.c.tries + 1,
            lease_until=_at(postgres, "lease"),
        )
        .returning(_T.c.id, _T.c.key, _T.c.kind, _T.c.payload, _T.c.tries),
        "finish": sa.update(_T)
        .where(
            _T.c.id == sa.bindparam("job_id"),
            _T.c.holder == sa.bindparam("b_holder"),
            _T.c.state == RUNNING,
        )
        .values(
            state=DONE,
            payload=sa.bindparam("nothing", type_=JSONData),
            lease_until=None,
            finished_at=_at(postgres, "now"),
            error=None,
        )
        .returning(_T.c.id),
    }


def enqueue(
    session: Session | sa.Connection,
    *,
    kind: str,
    key: str,
    payload: dict[str, Any] | str,
    delay: timedelta = timedelta(0),
    notify: bool = True,
) -> bool:
    """Adds a job unless one with this key exists; True when added. Commit before acknowledging anything.
    `payload` may come as its JSON text already (the hand-off's, checked for what the databases refuse);
    a connection rather than an ORM session saves the ack the session's own CPU."""
    return enqueue_many(session, [(kind, key, payload)], delay=delay, notify=notify)[0]


def enqueue_many(
    session: Session | sa.Connection,
    new: Sequence[tuple[str, str, dict[str, Any] | str]],
    *,
    delay: timedelta = timedelta(0),
    notify: bool = True,
) -> list[bool]:
    """`enqueue` for several jobs (kind, key, payload) in one transaction: whether each was added.
    `notify=False`: no NOTIFY on PostgreSQL, whose commit would wait for every other notifying transaction's
    (see `notify`); the caller wakes the consumers itself."""
    statement = _statements(_postgres(session))["enqueue" if notify else "enqueue quietly"]
    times = _times(session, now=timedelta(0), b_run_after=delay)
    added = []
    for kind, key, payload in new:
        text = payload if isinstance(payload, str) else json.dumps(payload)
        params = {"b_key": key, "b_kind": kind, "b_payload": text, **times}
        # on PostgreSQL a job added is notified to every LISTENing worker, delivered at commit
        added.append(session.execute(statement, params).first() is not None)
    return added


def enqueue_batch(session: Session, new: Sequence[tuple[str, str, dict[str, Any]]]) -> int:
    """Adds each (kind, key, payload) whose key is new in one statement (one round trip for a batch of a
    fan-out, where `enqueue_many` makes one per job): the number added."""
    return len(enqueue_batch_ids(session, new))


def enqueue_batch_ids(
    session: Session, new: Sequence[tuple[str, str, dict[str, Any]]], *, again_if_failed: bool = False
) -> list[int]:
    """`enqueue_batch`, telling the ids of the jobs added (not those whose key was there already).
    `again_if_failed`: a job under the same key that failed for good is queued again, with its tries
    cleared (an operator's rerun, once the cause is fixed; a tick leaves it failed)."""
    if not new:
        return []
    postgres = _postgres(session)
    now = _now(session)
    rows = [
        {"key": key, "kind": kind, "payload": payload, "state": QUEUED, "tries": 0, "run_after": now,
         "created_at": now}
        for kind, key, payload in new
    ]  # fmt: skip
    insert = (pg_insert if postgres else sqlite_insert)(Job).values(rows)
    if again_if_failed:
        queued_again = {
            "state": QUEUED, "tries": 0, "run_after": now, "error": None, "holder": None, "lease_until": None,
            "finished_at": None, "payload": insert.excluded.payload,
        }  # fmt: skip
        insert = insert.on_conflict_do_update(
            index_elements=["key"], set_=queued_again, where=Job.state == FAILED
        )
    else:
        insert = insert.on_conflict_do_nothing(index_elements=["key"])
    statement = insert.returning(Job.id)
    added = list(session.execute(statement).scalars())
    if added and postgres:
        session.execute(sa.select(sa.func.pg_notify(NOTIFY_CHANNEL, "")))
    return added


def notify(conn: sa.Connection) -> None:
    """Wakes every LISTENing consumer (PostgreSQL), in a transaction of its own that waits for no disk flush.
    PostgreSQL holds a lock on the whole server from a notifying transaction's commit to its end, so
    notifying transactions commit one at a time, each with its flush: a wake lost in a crash costs a poll."""
    conn.execute(sa.text("SET LOCAL synchronous_commit TO OFF"))
    conn.execute(sa.select(sa.func.pg_notify(NOTIFY_CHANNEL, "")))


@dataclass(frozen=True)
class Claimed:
    id: int
    key: str
    kind: str
    payload: dict[str, Any]
    tries: int  # this one included


_current: ContextVar[Claimed | None] = ContextVar("checkins_job", default=None)


@contextmanager
def running(job: Claimed) -> Iterator[None]:
    """Marks the job this thread runs (see `current`)."""
    token = _current.set(job)
    try:
        yield
    finally:
        _current.reset(token)


def current() -> Claimed | None:
    """The job this thread runs, if any: the send ledger names a claim's job run, so a later run of the same
    job (its worker died; the lease ran out) takes the claim over at once instead of after 30 minutes."""
    return _current.get()


def _runnable(session: Session) -> sa.ColumnElement[bool]:
    now = _now(session)
    return sa.and_(
        Job.state.in_([QUEUED, RUNNING]),
        sa.or_(
            sa.and_(Job.state == QUEUED, Job.run_after <= now),
            sa.and_(Job.state == RUNNING, Job.lease_until < now, Job.tries < MAX_TRIES),
        ),
    )


def _kinds(kinds: Sequence[str] | None) -> dict[str, Any]:
    return {"kinds": list(kinds)} if kinds is not None else {}


def any_runnable(session: Session, *, kinds: Sequence[str] | None = None) -> bool:
    """A read, no lock: whether a claim is worth a write (SQLite has one writer at a time). `kinds`: only
    jobs of these kinds."""
    statement = _statements(_postgres(session), kinds is not None)["any"]
    return (
        session.execute(statement, {**_times(session, now=timedelta(0)), **_kinds(kinds)}).first() is not None
    )


def claim(
    session: Session, *, holder: str, lease: timedelta, limit: int = 1, kinds: Sequence[str] | None = None
) -> list[Claimed]:
    """Up to `limit` runnable jobs (of `kinds` only, when given), now `holder`'s until their lease runs
    out. The UPDATE is the first statement of its transaction, so on SQLite it holds the write lock from its
    start."""
    params = {
        "b_holder": holder,
        "limit": limit,
        **_times(session, now=timedelta(0), lease=lease),
        **_kinds(kinds),
    }
    rows = session.execute(_statements(_postgres(session), kinds is not None)["claim"], params).all()
    return sorted((Claimed(*row) for row in rows), key=lambda job: job.id)


def _mine(job_id: int, holder: str) -> sa.ColumnElement[bool]:
    return sa.and_(Job.id == job_id, Job.holder == holder, Job.state == RUNNING)


def extend(session: Session, *, ids: Sequence[int], holder: str, lease: timedelta) -> None:
    """Renews the lease of jobs still running here, so a long one is not taken over. Never shortens one: a
    post in flight has it cover its call (storage/sends.confirm)."""
    if ids:
        until = _now(session, lease)
        session.execute(
            sa.update(Job)
            .where(Job.id.in_(ids), Job.holder == holder, Job.state == RUNNING)
            .values(lease_until=sa.case((Job.lease_until > until, Job.lease_until), else_=until))
        )


def finish(session: Session, *, job_id: int, holder: str) -> bool:
    """Done: its key stays (a repeat adds nothing), its payload goes (what people wrote lives in their file,
    and an erasure must find none of it here)."""
    params = {"job_id": job_id, "b_holder": holder, "nothing": {}, **_times(session, now=timedelta(0))}
    return session.execute(_statements(_postgres(session))["finish"], params).first() is not None


def fail(session: Session, *, job_id: int, holder: str, error: str, tries: int) -> str | None:
    """After a failed try: queued again after a back-off, or failed for good past MAX_TRIES. The new state,
    or None when the job was no longer this holder's."""
    final = tries >= MAX_TRIES
    statement = (
        sa.update(Job)
        .where(_mine(job_id, holder))
        .values(
            state=FAILED if final else QUEUED,
            lease_until=None,
            run_after=_now(session, BACKOFF * tries),
            finished_at=_now(session) if final else None,
            error=error[:4000],
        )
        .returning(Job.state)
    )
    row = session.execute(statement).first()
    return row[0] if row else None


def reap(session: Session) -> list[Claimed]:
    """Jobs whose worker died on their last try: failed, with that said as their error."""
    now = _now(session)
    statement = (
        sa.update(Job)
        .where(Job.state == RUNNING, Job.lease_until < now, Job.tries >= MAX_TRIES)
        .values(
            state=FAILED,
            finished_at=now,
            lease_until=None,
            error=f"its worker stopped before finishing, {MAX_TRIES} times",
        )
        .returning(Job.id, Job.key, Job.kind, Job.payload, Job.tries)
    )
    return [Claimed(*row) for row in session.execute(statement).all()]


def prune(session: Session, *, now: datetime) -> int:
    """Deletes done jobs after a day and failed ones after a month (daily, with the retention job)."""
    statement = sa.delete(Job).where(
        sa.or_(
            sa.and_(Job.state == DONE, Job.finished_at < now - KEEP_DONE),
            sa.and_(Job.state == FAILED, Job.finished_at < now - KEEP_FAILED),
        )
    )
    return session.execute(statement).rowcount or 0


@dataclass(frozen=True)
class Line:
    state: str  # queued, running, stuck (running past its lease), failed
    kind: str
    count: int
    oldest_seconds: float


def overview(session: Session) -> list[Line]:
    """Work not done, by state and kind, with the age of the oldest (seconds since it was added)."""
    now = _now(session)
    state = sa.case((sa.and_(Job.state == RUNNING, Job.lease_until < now), "stuck"), else_=Job.state)
    statement = (
        sa.select(state, Job.kind, sa.func.count(), sa.func.min(Job.created_at))
        .where(Job.state != DONE)
        .group_by(state, Job.kind)
        .order_by(state, Job.kind)
    )
    at = clock(session)
    return [
        Line(state=s, kind=k, count=n, oldest_seconds=_age(at, oldest))
        for s, k, n, oldest in session.execute(statement).all()
    ]


def oldest_queued_seconds(session: Session) -> float:
    """How long the oldest runnable job has waited (0 when none waits): the queue's age, for /healthz."""
    oldest = session.execute(
        sa.select(sa.func.min(Job.created_at)).where(Job.state == QUEUED, Job.run_after <= _now(session))
    ).scalar()
    return _age(clock(session), oldest)


def failures(session: Session, *, limit: int = 20) -> list[Job]:
    statement = sa.select(Job).where(Job.state == FAILED).order_by(sa.desc(Job.id)).limit(limit)
    return list(session.execute(statement).scalars())


def clock(session: Session) -> datetime:
    """The time leases are compared on: PostgreSQL's clock, or this machine's for a SQLite file."""
    if _postgres(session):
        return session.execute(sa.select(sa.func.clock_timestamp())).scalar_one()
    return utcnow()


def _age(now: datetime, then: Any) -> float:
    if then is None:
        return 0.0
    if isinstance(then, str):  # SQLite's min() of a stored datetime comes back as its text
        then = datetime.fromisoformat(then)
    if then.tzinfo is None:
        then = then.replace(tzinfo=now.tzinfo)
    return max(0.0, (now - then).total_seconds())


def forget(session: Session, *, slack_user_id: str) -> int:
    """Deletes the jobs not done whose request names this Slack user (an erasure: failed jobs keep their
    request for a month, and done ones keep none)."""
    mentions = sa.cast(Job.payload, sa.Text).contains(f'"{slack_user_id}"', autoescape=True)
    return session.execute(sa.delete(Job).where(Job.state != DONE, mentions)).rowcount or 0


def pending(session: Session, *, kind: str) -> bool:
    """Whether a job of this kind is waiting or running."""
    query = sa.select(Job.id).where(Job.kind == kind, Job.state.in_([QUEUED, RUNNING])).limit(1)
    return session.execute(query).first() is not None
