"""1:1 work done by the tick: the agenda DM to both sides the day before each meeting, and a series ended
by a manager change (the new manager invited to set one up). Each DM once, through the send ledger."""

import contextlib
import logging
from datetime import datetime, timedelta

from sqlmodel import Session

from domain.core import delivery
from domain.core.services import Services
from domain.one_on_ones import reading, rhythm
from message_templates.render import render_message
from storage import one_on_ones as store
from storage import people
from storage import todo as todo_store
from storage.models import OneOnOneSeries, Person

log = logging.getLogger(__name__)

AGENDA_KIND = "1on1_agenda"
INVITE_KIND = "1on1_invite"
FOLLOW_UP_KIND = "1on1_followup"
AGENDA_BEFORE = timedelta(days=1)


def agenda_key(series_id: int, meeting: datetime) -> str:
    """The ledger's period key (16 characters at most): one agenda per series and meeting."""
    return f"{series_id}@{meeting:%y%m%d}"


def _end_if_stale(services: Services, series: OneOnOneSeries, *, now: datetime) -> bool:
    """True when the series has ended (a manager change, someone left); the new manager is invited once."""
    with services.session() as session:
        fresh = store.get_series(session, series_id=series.id)
        if fresh is None or fresh.ended_at is not None:
            return True
        if reading.current(session, fresh):
            return False
        report = people.get(session, person_id=fresh.report_id)
        moved = report is not None and report.active and report.manager_id != fresh.manager_id
        store.end(session, series=fresh, reason="manager_changed" if moved else "left", now=now)
        new_manager = people.get(session, person_id=report.manager_id) if moved and report else None
    if new_manager is None or not new_manager.active or report is None:
        return True

    def compose(session: Session) -> dict:
        return render_message("one_on_ones/invite.json.j2", report=report)

    # A failure is in the ledger; the series has ended, so the invitation is not tried again.
    with contextlib.suppress(delivery.DeliveryFailed):
        delivery.send_once(
            services,
            person=new_manager,
            key=f"{series.id}",
            kind=INVITE_KIND,
            compose=compose,
            oldest=now - timedelta(days=1),
            now=now,
        )
    return True


def due_agendas(services: Services, *, now: datetime) -> list[tuple[Person, int, datetime]]:
    """(person, series id, meeting) of each side's agenda due: the day before each meeting. Ends stale
    series first (their new manager is invited)."""
    with services.session() as session:
        running = list(store.active_series(session))
    due = []
    for series in running:
        if _end_if_stale(services, series, now=now):
            continue
        meeting = rhythm.next_meeting(
            reading.rhythm_of(series), tz=series.timezone, starts_on=series.starts_on, after=now
        )
        if now < meeting - AGENDA_BEFORE:
            continue
        with services.session() as session:
            sides = [people.get(session, person_id=pid) for pid in (series.manager_id, series.report_id)]
        due += [(person, series.id, meeting) for person in sides if person is not None]
    return due


def send_agenda(
    services: Services, person: Person, *, series_id: int, meeting: datetime, now: datetime
) -> bool:
    """One side's agenda for one meeting, once: True when this call sent it."""

    def compose(session: Session) -> dict | None:
        fresh = store.get_series(session, series_id=series_id)
        if fresh is None or not reading.current(session, fresh):
            return None
        shown = reading.agenda(session, fresh, person, now=now)
        return render_message("one_on_ones/agenda.json.j2", agendas=[shown], reminder=True)

    result = delivery.send_once(
        services,
        person=person,
        key=agenda_key(series_id, meeting),
        kind=AGENDA_KIND,
        compose=compose,
        oldest=meeting - AGENDA_BEFORE,
        now=now,
    )
    return bool(result and result.new)


def follow_up_actions(services: Services, *, now: datetime) -> int:
    """While an owner's check-in is open, their open 1:1 action items come with it: one DM per check-in,
    through the ledger, listing what is still open (with a Done button each)."""
    with services.session() as session:
        due = []
        for owner_id in store.open_action_owner_ids(session):
            owner = people.get(session, person_id=owner_id)
            checkin = todo_store.open_checkin(session, person_id=owner_id, now=now) if owner else None
            if owner is not None and owner.active and checkin is not None:
                due.append((owner, checkin))
    sent = 0
    for owner, checkin in due:

        def compose(session: Session, owner_id=owner.id) -> dict | None:
            items = reading.open_actions_of(session, owner_id)
            return render_message("one_on_ones/follow_up.json.j2", items=items) if items else None

        try:
            result = delivery.send_once(
                services,
                person=owner,
                key=f"ck{checkin.id}",
                kind=FOLLOW_UP_KIND,
                compose=compose,
                oldest=checkin.opens_at,
                now=now,
            )
        except delivery.DeliveryFailed:
            continue  # a transient error is tried again by a later tick
        sent += bool(result and result.new)
    return sent
