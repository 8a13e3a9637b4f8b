"""Per-person scheduled work: each prompt, reminder, summary, review invitation, feedback reminder and 1:1
agenda the tick finds due is a job of its own, keyed (kind, person, period), so a repeated tick or two
schedulers add nothing, and the part of a fan-out a dead worker held is run by others once its lease runs
out. The send ledger stays the exactly-once authority: a job decides nothing, it asks `send_once`.

A key also carries the ledger's attempts so far: a send that failed transiently is added again (a new key)
once its back-off has passed; one claimed by a process that died outside any job, once its claim is stale.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row

from domain.checkins import due as checkin_due
from domain.checkins import flows as checkin_flows
from domain.checkins.periods import Period
from domain.core import delivery
from domain.core.services import Services
from domain.feedback import flows as feedback_flows
from domain.one_on_ones import flows as one_on_one_flows
from domain.reviews import flows as review_flows
from domain.reviews import service as reviews
from domain.reviews.cycles import ledger_key
from domain.summaries import flows as summary_flows
from domain.summaries import service as summaries
from domain.summaries.cycles import Cycle
from storage import jobs as job_table
from storage import people, sends
from storage.models import Person, SendKind
from storage.types import utcnow

JOB_PREFIX = "send."  # a unit's job kind: send.<its kind in the ledger>
ENQUEUE_BATCH = 200


@dataclass(frozen=True)
class Unit:
    kind: str  # its kind in the send ledger
    person_id: int
    period: str  # its key in the send ledger
    data: dict[str, Any]  # what its sender needs besides the person (JSON)


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value)


# -- each kind: how it is found due, and how one is sent ----------------------------------------------------
def of_due(d: checkin_due.Due) -> Unit:
    """A prompt or reminder as a unit (`checkin send` and the tick alike)."""
    data = {"opens": d.period.opens.isoformat(), "closes": d.period.closes.isoformat()}
    return Unit(d.kind.value, d.person.id, d.period.key, data)


def _send_checkin(services: Services, person: Person, unit: Unit, now: datetime) -> bool:
    period = Period(key=unit.period, opens=_at(unit.data["opens"]), closes=_at(unit.data["closes"]))
    return checkin_flows.send(services, checkin_due.Due(person, period, SendKind(unit.kind)), now=now)


def of_invitation(invitation: reviews.Invitation) -> Unit:
    """A review invitation as a unit (the tick, and `review start`)."""
    return Unit(
        reviews.INVITATION, invitation.person.id, ledger_key(invitation.cycle), {"cycle": invitation.cycle}
    )


def of_summary(manager: Person, cycle: Cycle, key: str) -> Unit:
    """A manager's summary of a cycle, under its ledger key (the tick's, or `summary send`'s own)."""
    data = {
        "kind": cycle.kind,
        "key": cycle.key,
        "label": cycle.label,
        "starts": cycle.starts.isoformat(),
        "ends": cycle.ends.isoformat(),
    }
    return Unit(summaries.SUMMARY, manager.id, key, data)


def _send_summary(services: Services, person: Person, unit: Unit, now: datetime) -> bool:
    d = unit.data
    cycle = Cycle(d["kind"], d["key"], d["label"], _at(d["starts"]), _at(d["ends"]))
    return summary_flows.send_one(services, person, cycle, unit.period, now=now)


def _send_invitation(services: Services, person: Person, unit: Unit, now: datetime) -> bool:
    invitation = reviews.Invitation(person=person, cycle=unit.data["cycle"])
    return review_flows.invite(services, invitation, now=now)


def _send_feedback_reminder(services: Services, person: Person, unit: Unit, now: datetime) -> bool:
    request_id = unit.data["request"]
    return feedback_flows.remind(
        services, request_id=request_id, asked=person, asked_at=_at(unit.data["asked_at"]), now=now
    )


def _send_agenda(services: Services, person: Person, unit: Unit, now: datetime) -> bool:
    return one_on_one_flows.send_agenda(
        services, person, series_id=unit.data["series"], meeting=_at(unit.data["meeting"]), now=now
    )


Sender = Callable[[Services, Person, Unit, datetime], bool]
SENDERS: dict[str, Sender] = {
    SendKind.prompt.value: _send_checkin,
    SendKind.first_reminder.value: _send_checkin,
    SendKind.last_reminder.value: _send_checkin,
    summaries.SUMMARY: _send_summary,
    reviews.INVITATION: _send_invitation,
    feedback_flows.REQUEST_REMINDER: _send_feedback_reminder,
    one_on_one_flows.AGENDA_KIND: _send_agenda,
}


def due(services: Services, *, now: datetime) -> list[Unit]:
    """Everything per person the tick finds due now (1:1 series gone stale are ended on the way)."""
    with services.session() as session:
        units = [of_due(d) for d in checkin_due.due_prompts(session, now=now)]
        units += [of_due(d) for d in checkin_due.due_reminders(session, now=now)]
        units += [of_summary(*row) for row in summaries.due(session, now=now)]
        units += [of_invitation(i) for i in reviews.due_invitations(session, now=now)]
        units += [
            Unit(
                feedback_flows.REQUEST_REMINDER,
                asked.id,
                feedback_flows.reminder_key(row.id),
                {"request": row.id, "asked_at": row.created_at.isoformat()},
            )
            for row, asked in feedback_flows.due_request_reminders(session, now=now)
        ]
    units += [
        Unit(
            one_on_one_flows.AGENDA_KIND,
            person.id,
            one_on_one_flows.agenda_key(series_id, meeting),
            {"series": series_id, "meeting": meeting.isoformat()},
        )
        for person, series_id, meeting in one_on_one_flows.due_agendas(services, now=now)
    ]
    return units


def send(services: Services, unit: Unit, *, now: datetime) -> bool:
    """One unit, through the ledger: True when this call sent it. Raises DeliveryFailed on Slack's refusal."""
    with services.session() as session:
        person = people.get(session, person_id=unit.person_id)
    if person is None:  # erased meanwhile
        return False
    return SENDERS[unit.kind](services, person, unit, now)


# -- as jobs ----------------------------------------------------------------------------------------------
def _attempt(row: Row | None, now: datetime) -> int | None:
    """The ledger's attempts so far when a job may claim the send now; None when it may not: settled, being
    sent (by a job, which runs again if its worker dies), or waiting out a back-off."""
    if row is None:
        return 0
    if row.state == "failed" and row.attempts < sends.MAX_ATTEMPTS:
        return row.attempts if row.claimed_at < now - sends.RETRY_AFTER_FAILURE else None
    if row.state == "claimed":
        return row.attempts if row.claimed_at < now - delivery.STALE_CLAIM else None
    return None


def plan(services: Services, units: list[Unit], *, now: datetime) -> list[str | None]:
    """Each unit's job key when the ledger lets it go now, else None (settled, in flight, backing off)."""
    by_kind: dict[str, list[Unit]] = defaultdict(list)
    for unit in units:
        by_kind[unit.kind].append(unit)
    with services.session() as session:
        ledger = {
            kind: sends.states(session, kind=kind, pairs=[(u.person_id, u.period) for u in group])
            for kind, group in by_kind.items()
        }
    keys: list[str | None] = []
    for unit in units:
        attempt = _attempt(ledger[unit.kind].get((unit.person_id, unit.period)), now)
        keys.append(None if attempt is None else key_of(unit, attempt))
    return keys


def key_of(unit: Unit, attempt: int) -> str:
    return f"{JOB_PREFIX}{unit.kind}:{unit.person_id}:{unit.period}:{attempt}"


def add(
    services: Services,
    units: list[Unit],
    keys: list[str | None],
    *,
    now: datetime,
    again_if_failed: bool = False,
) -> list[int]:
    """A job per unit with a key (see `plan`), unless its key exists: the ids of the jobs added.
    `again_if_failed`: also those whose job failed for good (see jobs.enqueue_batch_ids)."""
    at = utcnow().isoformat()
    new = [
        (
            JOB_PREFIX + unit.kind,
            key,
            {"kind": unit.kind, "person": unit.person_id, "period": unit.period, "data": unit.data,
             "now": now.isoformat(), "at": at},
        )
        for unit, key in zip(units, keys, strict=True)
        if key is not None
    ]  # fmt: skip
    added: list[int] = []
    # committed a batch at a time: the workers start on the first while the rest are added
    for start in range(0, len(new), ENQUEUE_BATCH):
        with services.session() as session:
            added += job_table.enqueue_batch_ids(
                session, new[start : start + ENQUEUE_BATCH], again_if_failed=again_if_failed
            )
    return added


def enqueue(services: Services, units: list[Unit], *, now: datetime) -> int:
    """Adds a job per unit the ledger lets go now, unless its key exists: the number added."""
    return len(add(services, units, plan(services, units, now=now), now=now))


def run(services: Services, payload: dict[str, Any]) -> bool:
    """A unit's job. Its `now` is the tick's, moved on by the time the job waited. Slack's refusal is in the
    ledger: a transient one is added again by a later tick after its back-off."""
    unit = Unit(payload["kind"], payload["person"], payload["period"], payload["data"])
    now = _at(payload["now"]) + max(utcnow() - _at(payload["at"]), timedelta(0))  # a clock behind: not back
    try:
        return send(services, unit, now=now)
    except delivery.DeliveryFailed:
        return False


def runners(services: Services) -> dict[str, Callable[[dict[str, Any]], object]]:
    """A runner per unit's kind (the tick's workers, and `checkin send` and the like in the CLI)."""
    return {JOB_PREFIX + kind: (lambda payload: run(services, payload)) for kind in SENDERS}
