"""The Home tab published. A request (opening Home, a page, a switch) keeps what the person chose, at
Slack's time of the request, so one run late changes nothing; then the wanted render is published by one
publisher at a time per person, so an older render never lands over a newer one. `refresh` is the job a
change on someone's to-do list adds (domain/home/refresh.py)."""

import logging
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlmodel import Session

from domain.core import directory
from domain.core.clock import utcnow
from domain.core.refusals import NotInOrg
from domain.core.services import Services
from domain.home import refresh as refreshes
from domain.home import todo
from domain.home.service import NO_FILE, home
from domain.one_on_ones import reading as one_on_ones
from domain.performance_file.entries import KIND_LABELS
from message_templates.render import render_view
from storage import home_views as store
from storage import people
from storage.models import HomeView

log = logging.getLogger(__name__)

PAGE_SIZE = 10
ROUNDS = 3  # renders one publisher makes for requests arriving while it publishes


def slack_time(ts: Any) -> int:
    """Slack's `event_ts` / `action_ts` ("1515449522.000016") in µs; now when missing or unreadable."""
    try:
        value = Decimal(str(ts))
    except (InvalidOperation, ValueError):
        value = Decimal(-1)
    if not value.is_finite() or value <= 0:
        return int(utcnow().timestamp() * 1_000_000)
    return int(value if "." not in str(ts) and value > 10**14 else value * 1_000_000)


def request(
    services: Services,
    slack_user_id: str,
    *,
    subject_slack_id: str | None,
    page: int,
    as_of: int | None,
    at: int,
) -> None:
    """The person who acted (Slack's signed user id) asks to see a file: theirs, or the one the payload
    names; whether they may read it is decided when it is rendered."""
    with services.session() as session:
        try:
            viewer = directory.person_for(session, slack_user_id)
        except NotInOrg as refusal:  # the Home tab is a view: no notice can go there
            view = render_view("home/not_in_org.json.j2", message=str(refusal))
            viewer = None
        else:
            subject_id, refusal_text = None, None
            if subject_slack_id and subject_slack_id != slack_user_id:
                other = people.get_by_slack_id(session, slack_user_id=subject_slack_id)
                subject_id, refusal_text = (other.id, None) if other else (None, NO_FILE)
            assert viewer.id is not None
            store.choose(  # False for a request older than the last choice: nothing new is wanted
                session,
                person_id=viewer.id,
                subject_id=subject_id,
                page=page,
                as_of=as_of,
                refusal=refusal_text,
                at=at,
            )
    if viewer is None:
        services.gateway.publish_home(slack_user_id, view)
    else:  # also when this request's job runs again after a failed publish: what is wanted still goes
        assert viewer.id is not None
        publish(services, person_id=viewer.id)


def publish(services: Services, *, person_id: int) -> None:
    """Sends the wanted render, holding the person's publishing lease; renders again for what was asked
    while it published. Without the lease (another publisher has it) it leaves the work to that one."""
    for _ in range(ROUNDS):
        with services.session() as session:  # committed at once: a write holds SQLite's one writer
            row = store.start_publishing(session, person_id=person_id, now=utcnow())
        if row is None:
            return
        version = row.wanted
        try:
            with services.session() as session:  # the render only reads
                slack_user_id, view = _render(session, row)
            services.gateway.publish_home(slack_user_id, view)
        except Exception:  # the lease let go: the job's next try publishes
            with services.session() as session:
                store.stop_publishing(session, person_id=person_id)
            raise
        with services.session() as session:
            if not store.done_publishing(session, person_id=person_id, version=version):
                return
    with services.session() as session:  # still more asked: later, as a refresh
        refreshes.enqueue(session, [person_id])


def _render(session: Session, row: HomeView) -> tuple[str, dict[str, Any]]:
    person = people.get(session, person_id=row.person_id)
    assert person is not None
    try:
        shown = home(
            session,
            slack_user_id=person.slack_user_id,
            subject_id=row.subject_id,
            page=row.page,
            page_size=PAGE_SIZE,
            as_of=row.as_of,
            refusal=row.refusal,
        )
    except NotInOrg as refusal:
        return person.slack_user_id, render_view("home/not_in_org.json.j2", message=str(refusal))
    now, own = utcnow(), shown.own
    agendas = one_on_ones.agendas_of(session, shown.viewer, now=now) if own else []
    todos = todo.todos(session, shown.viewer, now=now) if own else []
    view = render_view("home/home.json.j2", home=shown, labels=KIND_LABELS, agendas=agendas, todos=todos)
    return person.slack_user_id, view


def refresh(services: Services, payload: dict[str, Any]) -> None:
    """The job: a new render of the person's own Home, if it still shows their own file."""
    person_id = int(payload["person_id"])
    with services.session() as session:
        wanted = store.want_again(session, person_ids=[person_id])
    if wanted:
        publish(services, person_id=person_id)
        log.info("home of person %s refreshed", person_id)
