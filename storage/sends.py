"""The send ledger: a message to a person for a period is claimed in the database before it is sent."""

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from storage.jobs import Job
from storage.models import Send
from storage.types import UTCDateTime, chunks, utcnow

# A transient failure is tried again after a back-off, this many times in all (about an hour).
MAX_ATTEMPTS = 12
RETRY_AFTER_FAILURE = timedelta(minutes=5)


@dataclass(frozen=True)
class JobRun:
    """The run of a job that made a claim: the job's id, its try, and the worker holding it."""

    id: int
    tries: int
    worker: str


@dataclass(frozen=True)
class Claim:
    id: int
    # Taken over from a process that died or failed mid-send: the message may have reached Slack already.
    retaken: bool


# The statements of a send (claim, confirm, mark sent) are built once per dialect: building one costs more CPU
# than running it, for every message of a fan-out. Parameters are named b_*: a column's name is SQLAlchemy's.
_S = Send.__table__


def _param(name: str) -> Any:
    return sa.bindparam(name)


@functools.cache
def _statements(postgres: bool) -> dict[str, Any]:
    c = _S.c
    insert = pg_insert if postgres else sqlite_insert
    key = sa.and_(
        c.person_id == _param("b_person"), c.period_key == _param("b_key"), c.kind == _param("b_kind")
    )
    claimed = {"state": "claimed", "claimed_by": _param("b_holder"), "claimed_at": _param("b_now")}
    retry_due = sa.and_(
        c.state == "failed", c.attempts < MAX_ATTEMPTS, c.claimed_at < _param("b_retry_before")
    )
    stale = c.claimed_at < _param("b_stale_before")
    retake = sa.update(_S).values(**claimed, attempts=c.attempts + 1, error=None).returning(c.id)
    mine = sa.and_(c.id == _param("b_id"), c.claimed_by == _param("b_holder"), c.state == "claimed")
    j = Job.__table__.c
    # the job's lease made to last `b_cover` from now (the database's clock) at least, never shortened
    until: Any = (
        sa.func.clock_timestamp() + sa.bindparam("b_cover", type_=sa.Interval())
        if postgres
        else sa.bindparam("b_until", type_=UTCDateTime())
    )
    run = sa.and_(
        j.id == _param("b_job"),
        j.holder == _param("b_worker"),
        j.tries == _param("b_tries"),
        j.state == "running",
    )
    cover = (
        sa.update(Job.__table__)
        .where(run)
        .values(lease_until=sa.case((j.lease_until > until, j.lease_until), else_=until))
        .returning(j.id)
    )
    confirm = sa.update(_S).where(mine).values(claimed_at=_param("b_now")).returning(c.id)
    if postgres:  # one round trip: the job's lease in a CTE, the claim only if the job is still the run's
        covered = cover.cte("covered")
        confirm_covered = confirm.where(sa.exists(sa.select(covered.c.id)))
    else:
        confirm_covered = None
    return {
        "cover": cover,
        "confirm_covered": confirm_covered,
        "claim": insert(_S)
        .values(
            person_id=_param("b_person"),
            period_key=_param("b_key"),
            kind=_param("b_kind"),
            attempts=1,
            **claimed,
        )
        .on_conflict_do_nothing(index_elements=["person_id", "period_key", "kind"])
        .returning(c.id),
        "retake": retake.where(key, sa.or_(sa.and_(c.state == "claimed", stale), retry_due)),
        # also a claim an earlier run of the caller's own job holds (c.claimed_by LIKE 'j<id>.%')
        "retake_orphan": retake.where(
            key,
            sa.or_(
                sa.and_(c.state == "claimed", sa.or_(stale, c.claimed_by.like(_param("b_orphans"), "/"))),
                retry_due,
            ),
        ),
        "confirm": confirm,
        "sent": sa.update(_S)
        .where(mine)
        .values(state="sent", channel=_param("b_channel"), ts=_param("b_ts"), sent_at=_param("b_now")),
    }


def _run(session: Session, name: str, params: dict[str, Any]) -> Any:
    return session.execute(_statements(session.get_bind().dialect.name == "postgresql")[name], params)


def _like_prefix(prefix: str) -> str:
    return prefix.replace("/", "//").replace("%", "/%").replace("_", "/_") + "%"


def claim(
    session: Session,
    *,
    person_id: int,
    period_key: str,
    kind: str,
    holder: str,
    now: datetime,
    stale_after: timedelta,
    orphans_of: str | None = None,
) -> Claim | None:
    """A claim when this caller may send; None when someone has sent it, is sending it, or it failed for good.

    A claim left by a process that died mid-send is taken over once stale, or at once when its holder starts
    with `orphans_of` (an earlier run of the caller's own job, which only runs again once the run before it
    has lost its lease); a transient failure is retried after a back-off. Commit before sending, so that
    every other process sees the claim.
    """
    params: dict[str, Any] = {"b_person": person_id, "b_key": period_key, "b_kind": kind, "b_holder": holder}
    params["b_now"] = now
    row = _run(session, "claim", params).first()
    if row is not None:
        return Claim(id=row[0], retaken=False)
    params.update(b_stale_before=now - stale_after, b_retry_before=now - RETRY_AFTER_FAILURE)
    if orphans_of:
        row = _run(session, "retake_orphan", {**params, "b_orphans": _like_prefix(orphans_of)}).first()
    else:
        row = _run(session, "retake", params).first()
    return Claim(id=row[0], retaken=True) if row else None


def _mine(send_id: int, holder: str) -> sa.ColumnElement[bool]:
    return sa.and_(Send.id == send_id, Send.claimed_by == holder, Send.state == "claimed")


def confirm(
    session: Session,
    *,
    send_id: int,
    holder: str,
    now: datetime,
    job: JobRun | None = None,
    cover: timedelta = timedelta(0),
) -> bool:
    """Just before posting: still ours? Refreshes the claim (`now`: the current time), so it cannot go stale
    while it is sent. When a job's run made the claim, the job must still be that run's, and its lease is made
    to last `cover` (the post's longest call) from now: the job's next run, the only one that takes the claim
    over at once, cannot start while the post is in flight, and then finds it in the DM."""
    params: dict[str, Any] = {"b_id": send_id, "b_holder": holder, "b_now": now}
    if job is None:
        return _run(session, "confirm", params).first() is not None
    params.update(b_job=job.id, b_worker=job.worker, b_tries=job.tries)
    if session.get_bind().dialect.name == "postgresql":
        return _run(session, "confirm_covered", {**params, "b_cover": cover}).first() is not None
    if _run(session, "cover", {**params, "b_until": utcnow() + cover}).first() is None:
        return False
    return _run(session, "confirm", params).first() is not None


def mark_sent(session: Session, *, send_id: int, holder: str, channel: str, ts: str, now: datetime) -> None:
    params = {"b_id": send_id, "b_holder": holder, "b_channel": channel, "b_ts": ts, "b_now": now}
    _run(session, "sent", params)


def _retry_due(now: datetime) -> sa.ColumnElement[bool]:
    """Failed for now, and long enough ago to try again."""
    return sa.and_(
        Send.state == "failed", Send.attempts < MAX_ATTEMPTS, Send.claimed_at < now - RETRY_AFTER_FAILURE
    )


def retries_due(session: Session, *, kinds: Iterable[str], now: datetime) -> set[tuple[int, str]]:
    """(person_id, period_key) of these kinds' sends that failed for now and may be tried again."""
    query = select(Send.person_id, Send.period_key).where(Send.kind.in_(sorted(kinds)), _retry_due(now))
    return {(p, k) for p, k in session.exec(query).all()}


def mark_failed(session: Session, *, send_id: int, holder: str, error: str, permanent: bool) -> None:
    values: dict = {"state": "failed", "error": error[:200]}
    if permanent:
        values["attempts"] = MAX_ATTEMPTS
    session.execute(sa.update(Send).where(_mine(send_id, holder)).values(**values))


def give_up(session: Session, *, person_id: int, period_key: str, kind: str, error: str) -> None:
    """A send failed for now will not be tried again: what it needed failed for good."""
    key = sa.and_(Send.person_id == person_id, Send.period_key == period_key, Send.kind == kind)
    statement = (
        sa.update(Send).where(key, Send.state == "failed").values(attempts=MAX_ATTEMPTS, error=error[:200])
    )
    session.execute(statement)


def mark_cancelled(session: Session, *, send_id: int, holder: str) -> None:
    """Claimed, then not needed (answered meanwhile): settled without a message."""
    session.execute(sa.update(Send).where(_mine(send_id, holder)).values(state="cancelled"))


def settled(session: Session, *, kind: str, period_keys: Iterable[str]) -> set[tuple[int, str]]:
    """(person_id, period_key) pairs for which this kind is sent, not needed, or failed for good."""
    query = select(Send.person_id, Send.period_key).where(
        Send.kind == kind,
        Send.period_key.in_(sorted(set(period_keys))),
        sa.or_(
            Send.state.in_(["sent", "cancelled"]),
            sa.and_(Send.state == "failed", Send.attempts >= MAX_ATTEMPTS),
        ),
    )
    return {(p, k) for p, k in session.exec(query).all()}


def attempted(session: Session, *, kind: str, period_keys: Iterable[str]) -> set[tuple[int, str]]:
    """(person_id, period_key) pairs for which this kind was claimed, whatever became of it."""
    query = select(Send.person_id, Send.period_key).where(
        Send.kind == kind, Send.period_key.in_(sorted(set(period_keys)))
    )
    return {(p, k) for p, k in session.exec(query).all()}


def rows(session: Session, *, kind: str, pairs: Iterable[tuple[int, str]]) -> dict[tuple[int, str], Send]:
    """The ledger's rows for these (person_id, period_key) pairs: what became of each send."""
    wanted = set(pairs)
    if not wanted:
        return {}
    found: dict[tuple[int, str], Send] = {}
    for people in chunks(sorted({p for p, _ in wanted})):
        query = select(Send).where(
            Send.kind == kind,
            Send.period_key.in_(sorted({k for _, k in wanted})),
            Send.person_id.in_(people),
        )
        found.update(
            ((r.person_id, r.period_key), r)
            for r in session.exec(query).all()
            if (r.person_id, r.period_key) in wanted
        )
    return found


def states(session: Session, *, kind: str, pairs: Iterable[tuple[int, str]]) -> dict[tuple[int, str], sa.Row]:
    """`rows`, as plain rows of the columns that say what became of a send (no ORM objects: a fan-out
    reads thousands): person_id, period_key, state, attempts, claimed_by, claimed_at, sent_at, error."""
    wanted = set(pairs)
    if not wanted:
        return {}
    columns = (Send.person_id, Send.period_key, Send.state, Send.attempts, Send.claimed_by, Send.claimed_at,
               Send.sent_at, Send.error)  # fmt: skip
    found: dict[tuple[int, str], sa.Row] = {}
    for people in chunks(sorted({p for p, _ in wanted})):
        query = sa.select(*columns).where(
            Send.kind == kind,
            Send.period_key.in_(sorted({k for _, k in wanted})),
            Send.person_id.in_(people),
        )
        found.update(
            ((r.person_id, r.period_key), r)
            for r in session.execute(query)
            if (r.person_id, r.period_key) in wanted
        )
    return found


def sent_times(session: Session, *, kind: str, period_keys: Iterable[str]) -> dict[tuple[int, str], datetime]:
    """When each (person_id, period_key) got this kind of message."""
    query = select(Send.person_id, Send.period_key, Send.sent_at).where(
        Send.kind == kind, Send.state == "sent", Send.period_key.in_(sorted(set(period_keys)))
    )
    return {(p, k): at for p, k, at in session.exec(query).all()}


def for_person(session: Session, *, person_id: int) -> list[Send]:
    return list(session.exec(select(Send).where(Send.person_id == person_id).order_by(Send.id)).all())


def count(session: Session, *, kind: str, state: str | None = None) -> int:
    query = select(sa.func.count()).select_from(Send).where(Send.kind == kind)
    if state:
        query = query.where(Send.state == state)
    return session.exec(query).one()


def failed_since(session: Session, *, kind: str, period_keys: Iterable[str], since: datetime) -> int:
    """How many of this kind's sends for these keys failed (for now or for good) after `since`: a fan-out's
    failures so far."""
    query = (
        select(sa.func.count())
        .select_from(Send)
        .where(
            Send.kind == kind,
            Send.period_key.in_(sorted(set(period_keys))),
            Send.state == "failed",
            Send.claimed_at >= since,
        )
    )
    return session.exec(query).one()
