"""What a 1:1's two sides read: the agenda of their next meeting, its open action items, and whose series a
person may touch. Only the manager and the report of a series ever read or change it."""

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from domain.core.refusals import NotAllowed, Refusal
from domain.one_on_ones import rhythm, suggestions
from storage import one_on_ones as store
from storage import people
from storage.models import OneOnOneAction, OneOnOnePoint, OneOnOneSeries, Person

SETUP_HINT = "Set one up with `/checkins 1on1 with @person weekly tue 10:00`."


class OneOnOneError(Refusal):
    """Refused by this feature; the message is what the person reads."""


def rhythm_of(series: OneOnOneSeries) -> rhythm.Rhythm:
    return rhythm.Rhythm(series.frequency, series.weekday, series.at_minute)


def current(session: Session, series: OneOnOneSeries) -> bool:
    """Still running: not ended, both sides active, and the report still reports to that manager (a
    manager change ends it; the tick records the end)."""
    if series.ended_at is not None or series.manager_id is None:
        return False
    report = people.get(session, person_id=series.report_id)
    manager = people.get(session, person_id=series.manager_id)
    return (
        report is not None
        and manager is not None
        and report.active
        and manager.active
        and report.manager_id == manager.id
    )


def is_party(person: Person, series: OneOnOneSeries) -> bool:
    return person.id is not None and person.id in (series.manager_id, series.report_id)


def series_for(session: Session, me: Person, with_slack_id: str | None) -> OneOnOneSeries:
    """The running series the person means: the one with whom they name, or their only one."""
    assert me.id is not None
    mine = [s for s in store.active_series_of(session, person_id=me.id) if current(session, s)]
    if with_slack_id:
        other = people.get_by_slack_id(session, slack_user_id=with_slack_id)
        found = [s for s in mine if other is not None and is_party(other, s) and other.id != me.id]
        if not found:
            name = other.name if other is not None else "that person"
            raise OneOnOneError(f"You have no 1:1 with {name}. {SETUP_HINT}")
        return found[0]
    if not mine:
        raise OneOnOneError(f"You have no 1:1 yet. {SETUP_HINT}")
    if len(mine) > 1:
        raise OneOnOneError("You have several 1:1s: name whom, e.g. `/checkins 1on1 add @person TEXT`.")
    return mine[0]


def party_series(session: Session, me: Person, series_id: int | None) -> OneOnOneSeries:
    """A series named by a payload (a button's value, a modal's metadata), if the person who acted is one of
    its two sides; anyone else is refused the same way whether or not it exists."""
    series = store.get_series(session, series_id=series_id) if series_id else None
    if series is None or not is_party(me, series):
        raise NotAllowed("That 1:1 is not yours.")
    if not current(session, series):
        raise OneOnOneError("That 1:1 has ended.")
    return series


@dataclass(frozen=True)
class Agenda:
    series: OneOnOneSeries
    viewer: Person
    other: Person
    report: Person
    next_at: datetime
    label: str
    points: list[tuple[OneOnOnePoint, Person | None]]
    actions: list[tuple[OneOnOneAction, Person | None]]
    suggestions: list[suggestions.Suggestion]


def agenda(session: Session, series: OneOnOneSeries, viewer: Person, *, now: datetime) -> Agenda:
    def who(person_id: int | None) -> Person | None:
        return people.get(session, person_id=person_id) if person_id else None

    report = who(series.report_id)
    other = who(series.manager_id if viewer.id == series.report_id else series.report_id)
    assert report is not None and other is not None and series.id is not None
    shape = rhythm_of(series)
    last = rhythm.previous_meeting(shape, tz=series.timezone, starts_on=series.starts_on, before=now)
    return Agenda(
        series=series,
        viewer=viewer,
        other=other,
        report=report,
        next_at=rhythm.next_meeting(
            rhythm_of(series), tz=series.timezone, starts_on=series.starts_on, after=now
        ),
        label=rhythm_of(series).label(),
        points=[(p, who(p.author_id)) for p in store.open_points(session, series_id=series.id)],
        actions=[(a, who(a.owner_id)) for a in store.open_actions(session, series_id=series.id)],
        suggestions=suggestions.suggest(session, series, since=last, now=now),
    )


def agendas_of(session: Session, me: Person, *, now: datetime) -> list[Agenda]:
    """Every running 1:1 of the person, soonest first."""
    assert me.id is not None
    found = [
        agenda(session, s, me, now=now)
        for s in store.active_series_of(session, person_id=me.id)
        if current(session, s)
    ]
    return sorted(found, key=lambda a: a.next_at)


@dataclass(frozen=True)
class AddForm:
    series_id: int | None  # None: the person chooses among `choices`
    other_name: str
    choices: list[tuple[int, str]]
    text: str
    source: str


def add_form(session: Session, me: Person, *, series_id: int | None, text: str, source: str) -> AddForm:
    """The "Add to 1:1" modal: for a series named by a button (if it is the person's), or a choice among
    the person's running series (a message shortcut names none)."""
    assert me.id is not None
    if series_id:
        series = party_series(session, me, series_id)
        mine = [series]
    else:
        mine = [s for s in store.active_series_of(session, person_id=me.id) if current(session, s)]
    if not mine:
        raise OneOnOneError(f"You have no 1:1 yet. {SETUP_HINT}")
    names = []
    for series in mine:
        other = people.get(
            session, person_id=series.manager_id if me.id == series.report_id else series.report_id
        )
        assert series.id is not None
        names.append((series.id, other.name if other else "someone"))
    if len(mine) == 1:
        return AddForm(series_id=names[0][0], other_name=names[0][1], choices=[], text=text, source=source)
    return AddForm(series_id=None, other_name="", choices=names, text=text, source=source)


def open_actions_of(session: Session, owner_id: int) -> list[tuple[OneOnOneAction, Person | None]]:
    """The owner's open action items of 1:1s still running, each with the other side of its 1:1."""
    items = []
    for action in store.open_actions_owned(session, owner_id=owner_id):
        series = store.get_series(session, series_id=action.series_id)
        if series is not None and current(session, series):
            other_id = series.manager_id if owner_id == series.report_id else series.report_id
            items.append((action, people.get(session, person_id=other_id)))
    return items
