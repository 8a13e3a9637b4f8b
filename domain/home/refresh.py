"""Something on people's to-do lists changed: their Home is published again, if they have one showing their
own file. Features call `changed` in the transaction that made the change; it adds one keyed job per person
and short window, run at the window's end, so a burst of changes makes one views.publish."""

from collections.abc import Iterable
from datetime import timedelta

from sqlmodel import Session

from domain.core.clock import utcnow
from storage import home_views, jobs
from storage.models import Person

REFRESH = "home.refresh"  # the job kind (domain/home/publish.py runs it)
WINDOW = timedelta(seconds=2)


def changed(session: Session, *who: Person | int | None) -> None:
    ids = {p.id if isinstance(p, Person) else p for p in who}
    enqueue(session, home_views.shown_own(session, person_ids=[i for i in ids if i is not None]))


def enqueue(session: Session, person_ids: Iterable[int]) -> None:
    now = utcnow().timestamp()
    window = int(now // WINDOW.total_seconds())
    ends = timedelta(seconds=(window + 1) * WINDOW.total_seconds() - now)
    for person_id in person_ids:
        jobs.enqueue(
            session,
            kind=REFRESH,
            key=f"{REFRESH}:{person_id}:{window}",
            payload={"person_id": person_id},
            delay=ends,
        )
