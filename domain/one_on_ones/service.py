"""1:1s, one unit of work each: a series set up, points added and discussed, shared notes, action items and
private notes. Who may act is decided from the person who acted (reading.series_for / party_series).

Shared notes, action items and points discussed enter the report's performance file; private notes never
do: they live in their own table and are read only by their author.
"""

import logging
from datetime import date, datetime

from sqlmodel import Session

from domain.core import bounds
from domain.core.delivery import Outcome, Post
from domain.core.directory import person_for
from domain.home.refresh import changed as home_changed
from domain.one_on_ones import rhythm, suggestions
from domain.one_on_ones.reading import OneOnOneError, party_series, series_for
from domain.performance_file.entries import record
from message_templates.render import render_message
from storage import one_on_ones as store
from storage import people
from storage.models import (
    EntryKind,
    OneOnOneAction,
    OneOnOnePoint,
    OneOnOnePrivateNote,
    OneOnOneSeries,
    Person,
)

log = logging.getLogger(__name__)

MAX_TEXT = 2000
SOURCES = {"command", "home", "shortcut"}


def _text(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise OneOnOneError("Write the text first.")
    if len(text) > MAX_TEXT:
        raise OneOnOneError(f"Keep it under {MAX_TEXT} characters (this is {len(text)}).")
    return text


def _in_file(session: Session, series: OneOnOneSeries, author: Person, what: str, text: str, **data) -> None:
    """The report's file holds what both sides agreed on, in order."""
    report = people.get(session, person_id=series.report_id)
    assert report is not None
    record(
        session,
        person=report,
        author=author,
        kind=EntryKind.one_on_one,
        text=text,
        data={"series_id": series.id, "what": what, **data},
    )


def set_up(
    session: Session, *, slack_user_id: str, other_slack_id: str, words: list[str], now: datetime
) -> Outcome:
    """A manager with a report, or a report with their manager; setting it up again changes the rhythm and
    keeps the agenda."""
    me = person_for(session, slack_user_id)
    other = people.get_by_slack_id(session, slack_user_id=other_slack_id)
    if other is None or not other.active or other.id == me.id:
        raise OneOnOneError("A 1:1 is with someone in checkins: your manager or one of your reports.")
    if other.manager_id == me.id:
        manager, report = me, other
    elif me.manager_id == other.id:
        manager, report = other, me
    else:
        raise OneOnOneError(f"A 1:1 is between a manager and their report; {other.name} is neither to you.")
    try:
        chosen = rhythm.parse(words)
    except rhythm.RhythmError as err:
        raise OneOnOneError(str(err)) from err
    starts_on = rhythm.first_day(chosen, tz=me.timezone, now=now)
    assert report.id is not None
    existing = [s for s in store.active_series_of(session, person_id=report.id) if s.manager_id == manager.id]
    if existing:
        series = existing[0]
        series.frequency, series.weekday, series.at_minute = (
            chosen.frequency,
            chosen.weekday,
            chosen.at_minute,
        )
        series.timezone, series.starts_on = me.timezone, starts_on
        session.add(series)
    else:
        series = store.add(
            session,
            OneOnOneSeries(
                manager_id=manager.id,
                report_id=report.id,
                created_by_id=me.id,
                frequency=chosen.frequency,
                weekday=chosen.weekday,
                at_minute=chosen.at_minute,
                timezone=me.timezone,
                starts_on=starts_on,
                created_at=now,
            ),
        )
    home_changed(session, manager, report)
    first = rhythm.next_meeting(chosen, tz=me.timezone, starts_on=starts_on, after=now)
    message = render_message(
        "one_on_ones/set_up.json.j2",
        setter=me,
        other=other,
        label=chosen.label(),
        first=first,
        tz=me.timezone,
    )
    notice = f"Your 1:1 with {other.name} is set: {chosen.label()} ({me.timezone}). Add points any time."
    return Outcome(notice=notice, posts=[Post(other.slack_user_id, None, message)])


def add_point(
    session: Session,
    *,
    slack_user_id: str,
    text: str,
    with_slack_id: str | None = None,
    series_id: int | None = None,
    source: str = "command",
    now: datetime,
) -> Outcome:
    me = person_for(session, slack_user_id)
    series = party_series(session, me, series_id) if series_id else series_for(session, me, with_slack_id)
    point = store.add(
        session,
        OneOnOnePoint(
            series_id=series.id,
            author_id=me.id,
            text=_text(text),
            source=source if source in SOURCES else "command",
            created_at=now,
        ),
    )
    home_changed(session, series.manager_id, series.report_id)
    other = people.get(
        session, person_id=series.manager_id if me.id == series.report_id else series.report_id
    )
    return Outcome(notice=f"Added to your 1:1 with {other.name if other else 'them'}: {point.text}")


def take_suggestion(
    session: Session, *, slack_user_id: str, value: str, accept: bool, now: datetime
) -> Outcome:
    """`value` is "SERIES:KEY" from the button; the text is the app's own, found again from the key."""
    me = person_for(session, slack_user_id)
    series_text, _, key = value.partition(":")
    series = party_series(session, me, int(series_text) if series_text.isdigit() else None)
    # The widest window the agenda could have shown it from (a meeting may have passed since).
    widest = series.created_at - suggestions.LOOK_BACK
    offered = suggestions.suggest(session, series, since=widest, now=now, most=None)
    found = next((s for s in offered if s.key == key), None)
    if found is None:
        return Outcome(notice="That suggestion was already taken care of.")
    # A dismissed suggestion is kept as a point born discussed, so it is never suggested again.
    store.add(
        session,
        OneOnOnePoint(
            series_id=series.id,
            author_id=me.id,
            text=found.text,
            source="suggestion" if accept else "dismissed",
            suggestion_key=key,
            created_at=now,
            discussed_at=None if accept else now,
            discussed_by_id=None if accept else me.id,
        ),
    )
    home_changed(session, series.manager_id, series.report_id)
    return Outcome(notice=f"Added to the agenda: {found.text}" if accept else f"Dismissed: {found.text}")


def discussed(session: Session, *, slack_user_id: str, point_id: int | None, now: datetime) -> Outcome:
    me = person_for(session, slack_user_id)
    point = store.get_point(session, point_id=point_id) if point_id else None
    series = party_series(session, me, point.series_id if point else None)
    assert point is not None
    if point.discussed_at is None:
        point.discussed_at, point.discussed_by_id = now, me.id
        session.add(point)
        _in_file(session, series, me, "discussed", f"Discussed: {point.text}", point_id=point.id)
        home_changed(session, series.manager_id, series.report_id)
    return Outcome(notice=f"Marked discussed: {point.text}")


def add_note(
    session: Session,
    *,
    slack_user_id: str,
    text: str,
    private: bool,
    with_slack_id: str | None,
    now: datetime,
) -> Outcome:
    me = person_for(session, slack_user_id)
    series = series_for(session, me, with_slack_id)
    text = _text(text)
    if private:
        store.add(
            session, OneOnOnePrivateNote(series_id=series.id, author_id=me.id, text=text, created_at=now)
        )
        return Outcome(notice="Kept as your private note: only you can ever read it.")
    _in_file(session, series, me, "note", text)
    return Outcome(notice="Shared note kept in the performance file.")


def private_notes(
    session: Session, *, slack_user_id: str, with_slack_id: str | None
) -> list[OneOnOnePrivateNote]:
    """The person's own private notes on a 1:1: never anyone else's."""
    me = person_for(session, slack_user_id)
    series = series_for(session, me, with_slack_id)
    assert me.id is not None and series.id is not None
    return list(store.private_notes(session, series_id=series.id, author_id=me.id))


def add_action(
    session: Session,
    *,
    slack_user_id: str,
    owner_slack_id: str,
    due_on: date | None,
    text: str,
    with_slack_id: str | None,
    now: datetime,
) -> Outcome:
    me = person_for(session, slack_user_id)
    series = series_for(session, me, with_slack_id)
    owner = people.get_by_slack_id(session, slack_user_id=owner_slack_id)
    if owner is None or owner.id not in (series.manager_id, series.report_id):
        raise OneOnOneError("An action item belongs to one of the 1:1's two sides.")
    if due_on is None:
        raise OneOnOneError("Give a due date as YYYY-MM-DD.")
    action = store.add(
        session,
        OneOnOneAction(
            series_id=series.id,
            owner_id=owner.id,
            created_by_id=me.id,
            text=_text(text),
            due_on=due_on,
            created_at=now,
        ),
    )
    _in_file(
        session,
        series,
        me,
        "action",
        f"Action item for {owner.name}, due {due_on:%Y-%m-%d}: {action.text}",
        action_id=action.id,
        owner_id=owner.id,
        due_on=due_on.isoformat(),
    )
    home_changed(session, series.manager_id, series.report_id)
    return Outcome(notice=f"Action item for {owner.name}, due {due_on:%Y-%m-%d}: {action.text}")


def action_done(session: Session, *, slack_user_id: str, action_id: int | None, now: datetime) -> Outcome:
    me = person_for(session, slack_user_id)
    action = store.get_action(session, action_id=action_id) if action_id else None
    series = party_series(session, me, action.series_id if action else None)
    assert action is not None
    _done(session, series, me, action, now)
    return Outcome(notice=f"Done: {action.text}")


def _done(
    session: Session, series: OneOnOneSeries, me: Person, action: OneOnOneAction, now: datetime
) -> None:
    if action.done_at is None:
        action.done_at = now
        session.add(action)
        _in_file(session, series, me, "action_done", f"Done: {action.text}", action_id=action.id)
        home_changed(session, series.manager_id, series.report_id)


def ticked_in_checkin(session: Session, *, owner: Person, value: str) -> list[OneOnOneAction] | None:
    """The action items ticked as done in the owner's check-in ("ID,ID"), or None when one is not theirs
    (a tampered client): the check-in is then refused whole. One done meanwhile is simply done."""
    found = []
    for text in filter(None, (value or "").split(",")):
        action = store.get_action(session, action_id=bounds.number(text) or -1)
        if action is None or action.owner_id != owner.id:
            log.warning("person %s ticked an action item that is not theirs", owner.id)
            return None
        found.append(action)
    return found


def done_in_checkin(session: Session, *, owner: Person, actions: list[OneOnOneAction], now: datetime) -> None:
    for action in actions:
        series = store.get_series(session, series_id=action.series_id)
        if series is not None:
            _done(session, series, owner, action, now)


def end(session: Session, *, slack_user_id: str, with_slack_id: str | None, now: datetime) -> Outcome:
    me = person_for(session, slack_user_id)
    series = series_for(session, me, with_slack_id)
    store.end(session, series=series, reason="ended", now=now)
    home_changed(session, series.manager_id, series.report_id)
    return Outcome(notice="That 1:1 series has ended; its agenda is kept in the file's history.")
