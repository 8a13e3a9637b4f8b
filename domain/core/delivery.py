"""Getting messages to people: posts that answer what someone did (`Post`, `deliver`), and exactly-once DMs
through the send ledger (`send_once`: prompts, reminders, invitations), one or many (`fan_out`).

Each message is claimed in the database (unique per person, key and kind) before it is posted, carries its
ledger id as Slack metadata, and is confirmed as still ours just before each try of the post, once the pace
lets it go (an UPDATE checks the holder and refreshes the claim; a job's run also keeps its job's lease for
the longest the call may take, POST_COVER). A claim taken over from a process that died mid-send (after 30
minutes, or after its job's lease when a job's run made it) first looks for that id in the person's DM, so a
message Slack already has is not sent again.
"""

import logging
import re
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlmodel import Session

from domain.core.progress import Progress, silent
from domain.core.services import Services
from domain.core.slack import Posted, SlackError, Superseded
from storage import jobs, sends
from storage.models import Person

log = logging.getLogger(__name__)

T = TypeVar("T")

SEND_EVENT = "checkins_send"
RELAY_EVENT = "checkins_relay"  # a DM passed on to the other side of a check-in thread
# A claim older than this was left by a process that died mid-send: another may take it over. Longer than
# one post can take (the gateway rides out 429s for up to 10 minutes), and refreshed before each try.
STALE_CLAIM = timedelta(minutes=30)
# The longest a post's call may take once confirmed (bot/slack.py bounds each try of a bulk post below it): a
# job's run confirming its claim keeps its job's lease this long at least. Not above the default job lease.
POST_COVER = timedelta(seconds=25)
# Slack errors worth another try later; any other (user_not_found, account_inactive, ...) is final.
TRANSIENT_ERRORS = {
    "ratelimited",
    "internal_error",
    "fatal_error",
    "service_unavailable",
    "request_timeout",
    "connection_error",
    "unknown_error",
}


@dataclass(frozen=True)
class Post:
    """A message for a channel (a DM's, or a thread of it), rendered."""

    channel: str
    thread_ts: str | None
    message: dict[str, Any]
    # A relay's source (its Slack ts), carried as metadata; `recheck`: its job ran before and may have
    # posted it already, so the thread is looked in first.
    relay_of: str | None = None
    recheck: bool = False


@dataclass
class Outcome:
    """What a unit of work answers the person who acted: errors to show inline (nothing was kept), or a
    notice; and what to post and update once its session has committed (see `deliver`)."""

    errors: dict[str, str] = field(default_factory=dict)
    notice: str = ""
    posts: list[Post] = field(default_factory=list)
    updates: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)  # (channel, ts, message)


def deliver(services: Services, outcome: Outcome) -> None:
    """The updates, then the posts, of an outcome whose work is committed."""
    for channel, ts, message in outcome.updates:
        services.gateway.update(channel, ts, message)
    for post in outcome.posts:
        metadata = None
        if post.relay_of:
            if post.recheck and post.thread_ts and _relayed(services, post):
                continue
            metadata = {"event_type": RELAY_EVENT, "event_payload": {"source_ts": post.relay_of}}
        services.gateway.post(post.channel, post.message, thread_ts=post.thread_ts, metadata=metadata)


def _relayed(services: Services, post: Post) -> bool:
    assert post.thread_ts is not None
    found = services.gateway.find_in_thread(
        post.channel, post.thread_ts, event_type=RELAY_EVENT, key="source_ts", value=post.relay_of
    )
    return found is not None


class DeliveryFailed(Exception):
    """Slack refused the post; the ledger has it as failed (retried later when the error is transient)."""

    def __init__(self, message: str, code: str = ""):
        super().__init__(message)
        self.code = code  # Slack's error


@dataclass(frozen=True)
class Sent:
    posted: Posted
    new: bool  # False when an interrupted earlier send had reached Slack after all


def send_once(
    services: Services,
    *,
    person: Person,
    key: str,
    kind: str,
    compose: Callable[[Session], dict[str, Any] | None],
    oldest: datetime,
    now: datetime,
    clock: Callable[[], datetime] | None = None,
    channel: str | None = None,
    thread_ts: str | None = None,
    record: Callable[[Session, Posted], None] | None = None,
) -> Sent | None:
    """Posts `compose`'s message to the person's DM once per (person, key, kind); None when not sent here
    (someone else has, or it is no longer needed). Raises DeliveryFailed when Slack refused it.

    `compose` returns None when the message is no longer needed. `now` is the caller's time; `clock` tells
    the time as a long fan-out goes on. `oldest` bounds the search of the DM for an interrupted send.
    `channel`: post there instead of the person's DM (the person owns the ledger row); a claim retaken
    there is not looked for first, so a send cut off after Slack took it may repeat in that channel.
    `thread_ts`: post as a reply in that thread of `channel`. `record` keeps what the caller needs of the
    post (its ts) in the transaction that marks it sent.
    """
    started = time.monotonic()
    # the time moves on from `now`: a claim confirmed after a long wait for the pace is refreshed to then
    at = clock or (lambda: now + timedelta(seconds=time.monotonic() - started))
    holder, orphans_of = _claimant(services)
    job = jobs.current()
    run = sends.JobRun(job.id, job.tries, services.holder) if job is not None else None
    assert person.id is not None
    with services.session() as session:  # committed before the post, so every other process sees it
        claim = sends.claim(
            session,
            person_id=person.id,
            period_key=key,
            kind=kind,
            holder=holder,
            now=at(),
            stale_after=STALE_CLAIM,
            # only a DM's own messages are looked for before a retaken claim's post (not a channel's, not a
            # thread's replies): elsewhere a claim is taken over after the 30 minutes only
            orphans_of=orphans_of if channel is None and thread_ts is None else None,
        )
    if claim is None:
        return None
    with services.session() as session:
        message = compose(session)
        if message is None:
            sends.mark_cancelled(session, send_id=claim.id, holder=holder)
            return None
    gateway = services.gateway
    metadata = {"event_type": SEND_EVENT, "event_payload": {"send_id": claim.id}}
    try:
        landed = (
            claim.retaken
            and channel is None
            and thread_ts is None
            and gateway.find_in_dm(
                person.slack_user_id,
                event_type=SEND_EVENT,
                key="send_id",
                value=claim.id,
                oldest=oldest.timestamp(),
            )
        )

        def still_ours() -> bool:
            # once the pace lets the post go (a wait of minutes at worst): a run that lost its job's lease
            # meanwhile may have lost its claim to the job's next run, which sends the message instead
            with services.session() as session:
                return sends.confirm(
                    session, send_id=claim.id, holder=holder, now=at(), job=run, cover=POST_COVER
                )

        posted = landed or gateway.post(
            channel or person.slack_user_id,
            message,
            bulk=True,
            metadata=metadata,
            thread_ts=thread_ts,
            still_ours=still_ours,
        )
    except Superseded:
        log.info("%s to person %s for %s: its claim was taken over, not sent here", kind, person.id, key)
        return None
    except SlackError as err:
        permanent = err.code not in TRANSIENT_ERRORS
        log.warning("%s to person %s for %s failed: %s", kind, person.id, key, err.code)
        with services.session() as session:
            sends.mark_failed(session, send_id=claim.id, holder=holder, error=err.code, permanent=permanent)
        raise DeliveryFailed(f"person {person.id}: {err.code}", err.code) from err
    with services.session() as session:
        sends.mark_sent(
            session, send_id=claim.id, holder=holder, channel=posted.channel, ts=posted.ts, now=at()
        )
        if record is not None:
            record(session, posted)
    return Sent(posted=posted, new=not landed)


def _claimant(services: Services) -> tuple[str, str | None]:
    """Who claims in the ledger: this process, or this run of a job (`j<id>.<try>@` first). A later run of
    the same job may take over an earlier run's claim: the job table runs it again only after the earlier
    run's lease ran out (its worker died), and the look into the DM still finds a message that landed."""
    job = jobs.current()
    if job is None:
        return services.holder, None
    return f"j{job.id}.{job.tries}@{services.holder}"[:64], f"j{job.id}." if job.tries > 1 else None


def job_of(claimed_by: str | None) -> int | None:
    """The job whose run made a ledger claim (see `_claimant`), if a job's run made it."""
    found = _JOB_RUN.match(claimed_by or "")
    return int(found.group(1)) if found else None


_JOB_RUN = re.compile(r"j(\d+)\.\d+@")


@dataclass
class FanOut:
    """What became of sending to many people once each."""

    due: int = 0
    sent: int = 0
    not_sent: int = 0
    failed: int = 0  # Slack refused them; transient errors are retried later
    errors: list[str] = field(default_factory=list)


def fan_out(
    items: Iterable[T],
    send: Callable[[T], bool],
    *,
    whom: Callable[[T], str],
    workers: int = 1,
    progress: Progress = silent,
) -> FanOut:
    """`send` each item (True when this call sent it), `workers` at a time; the gateway paces the posts.
    One failure does not stop the rest: a Slack refusal is counted, a bug logged (its claim goes stale).
    `progress` hears of each item done."""
    items = list(items)
    report = FanOut(due=len(items))

    def one(item: T) -> bool:
        try:
            return send(item)
        except DeliveryFailed as err:
            report.failed += 1
            report.errors.append(str(err))
        except Exception as err:
            log.exception("sending to %s failed", whom(item))
            report.errors.append(f"{whom(item)}: {err}")
        return False

    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="fan-out") as pool:
        for done, sent in enumerate(pool.map(one, items), start=1):
            report.sent += sent
            report.not_sent += not sent
            progress(done, len(items), len(report.errors))
    return report
