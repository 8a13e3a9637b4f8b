"""Erasing a person from the database, and the retention window: every reference to a row is classified.

Each foreign key in the schema is listed in REFERENCES with what becomes of a row that points at a row being
erased: it goes too (it belongs to it), or its reference is cleared to NULL (the row is someone else's; the
erased person only wrote it or is named in it). An unlisted foreign key stops the erasure before anything is
deleted (and fails tests/performance_file/test_privacy.py), so a new table cannot be forgotten.
"""

from collections import Counter
from datetime import datetime, timedelta
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Session, SQLModel

from storage import (
    embedded_refs,
    jobs,
    models,  # noqa: F401  (registers every table on SQLModel.metadata)
)
from storage.models import (
    Checkin,
    Feedback,
    FeedbackRequest,
    FileEntry,
    OneOnOneAction,
    OneOnOnePoint,
    OneOnOnePrivateNote,
    OneOnOneSeries,
    ProcessedEvent,
    Send,
)


class Rule(StrEnum):
    delete = "delete"  # the row belongs to the row erased: it is erased with it
    clear = "clear"  # the row is someone else's: only the reference is set NULL


# (table, column) of every foreign key -> what an erasure of the referenced row does to the referencing row.
REFERENCES: dict[tuple[str, str], Rule] = {
    ("people", "manager_id"): Rule.clear,  # their reports stay, without a manager until the next org import
    ("file_entries", "person_id"): Rule.delete,  # their own file
    ("file_entries", "author_id"): Rule.clear,  # what they wrote in others' files stays there, unattributed
    ("team_cadences", "updated_by_id"): Rule.clear,
    ("checkins", "person_id"): Rule.delete,
    ("checkins", "manager_id"): Rule.clear,  # a report's check-in that went to them
    ("sends", "person_id"): Rule.delete,
    ("feedback", "recipient_id"): Rule.delete,
    ("feedback", "giver_id"): Rule.clear,  # feedback they gave belongs to its recipient
    ("feedback", "request_id"): Rule.clear,
    ("feedback_requests", "subject_id"): Rule.delete,
    ("feedback_requests", "asked_id"): Rule.delete,  # a request to them can no longer be answered
    (
        "feedback_requests",
        "requester_id",
    ): Rule.clear,  # a manager's request about a report stays the report's
    ("goals", "person_id"): Rule.delete,
    ("goals", "parent_id"): Rule.clear,  # goals aligned to an erased goal stay, unaligned
    ("goals", "created_by_id"): Rule.clear,
    ("key_results", "goal_id"): Rule.delete,
    ("goal_proposals", "goal_id"): Rule.delete,
    ("goal_proposals", "proposer_id"): Rule.clear,
    ("goal_proposals", "decided_by_id"): Rule.clear,
    ("reviews", "person_id"): Rule.delete,
    ("reviews", "manager_id"): Rule.clear,  # a report's review stays the report's
    ("one_on_one_series", "report_id"): Rule.delete,  # with its agenda, actions and private notes
    ("one_on_one_series", "manager_id"): Rule.clear,  # the report's side stays theirs
    ("one_on_one_series", "created_by_id"): Rule.clear,
    ("one_on_one_points", "series_id"): Rule.delete,
    ("one_on_one_points", "author_id"): Rule.clear,
    ("one_on_one_points", "discussed_by_id"): Rule.clear,
    ("one_on_one_actions", "series_id"): Rule.delete,
    ("one_on_one_actions", "owner_id"): Rule.clear,
    ("one_on_one_actions", "created_by_id"): Rule.clear,
    ("one_on_one_private_notes", "series_id"): Rule.delete,
    ("one_on_one_private_notes", "author_id"): Rule.delete,  # nobody else may ever read them
    ("home_views", "person_id"): Rule.delete,
    ("home_views", "subject_id"): Rule.clear,  # the viewer's Home goes back to their own file
    ("team_digests", "poster_id"): Rule.clear,  # the team's digest stays; its ledger row went with them
}

# Cleared together with a reference: where that person's side of it lives in Slack (their DM).
CLEARED_WITH: dict[tuple[str, str], tuple[str, ...]] = {
    ("file_entries", "author_id"): ("slack_channel", "slack_ts"),
    ("checkins", "manager_id"): ("manager_channel", "manager_ts"),
    ("reviews", "manager_id"): ("manager_channel", "manager_ts"),
    ("home_views", "subject_id"): ("as_of",),  # an entry of the erased file
}


class UnclassifiedReference(Exception):
    """The database has a foreign key REFERENCES does not list: nothing is erased."""


def foreign_keys(metadata: sa.MetaData) -> set[tuple[str, str, str]]:
    """(table, column, referenced table) of every foreign key the models declare."""
    return {
        (table.name, fk.parent.name, fk.column.table.name)
        for table in metadata.tables.values()
        for fk in table.foreign_keys
    }


def database_foreign_keys(session: Session) -> set[tuple[str, str, str]]:
    """The same, read from the live database: what a migration made, whether or not a model says so."""
    inspector = sa.inspect(session.connection())
    return {
        (table, column, fk["referred_table"])
        for table in inspector.get_table_names()
        for fk in inspector.get_foreign_keys(table)
        for column in fk["constrained_columns"]
    }


def unclassified(keys: set[tuple[str, str, str]]) -> list[str]:
    """The foreign keys among `keys` that REFERENCES does not classify, as "table.column -> table"."""
    return sorted(
        f"{table}.{column} -> {target}" for table, column, target in keys if (table, column) not in REFERENCES
    )


def check_classified(session: Session) -> None:
    """Foreign keys here, and the places no foreign key holds (storage/embedded_refs.py)."""
    missing = unclassified(database_foreign_keys(session) | foreign_keys(SQLModel.metadata))
    missing += embedded_refs.unclassified(session)
    if missing:
        raise UnclassifiedReference(
            "the database has references checkins does not know how to erase: "
            + ", ".join(missing)
            + " (classify them in storage/erasure.py); nothing was deleted"
        )


def _referencing(table: sa.Table) -> list[tuple[sa.Table, sa.Column, Rule]]:
    found = []
    for other in SQLModel.metadata.sorted_tables:
        for fk in other.foreign_keys:
            if fk.column.table is table:
                found.append((other, fk.parent, REFERENCES[(other.name, fk.parent.name)]))
    return found


def _erase(session: Session, table: sa.Table, where: sa.ColumnElement[bool], counts: Counter) -> None:
    """Erases the rows of `table` matching `where`, after dealing with every row that points at them."""
    (key,) = table.primary_key.columns
    doomed = sa.select(key).where(where).scalar_subquery()
    for child, column, rule in _referencing(table):
        if rule is Rule.delete:
            _erase(session, child, column.in_(doomed), counts)
        else:
            cleared = {column.name: None, **dict.fromkeys(CLEARED_WITH.get((child.name, column.name), ()))}
            result = session.execute(sa.update(child).where(column.in_(doomed)).values(cleared))
            counts[f"{child.name}.{column.name} cleared"] += result.rowcount
    result = session.execute(sa.delete(table).where(where))
    counts[f"{table.name} deleted"] += result.rowcount


def erase_person(session: Session, *, person_id: int) -> Counter:
    """Everything that is the person's goes; what is someone else's loses its reference to them.
    One transaction: the caller's session commits it all, or nothing."""
    check_classified(session)
    people = SQLModel.metadata.tables["people"]
    name, slack_user_id = session.execute(
        sa.select(people.c.name, people.c.slack_user_id).where(people.c.id == person_id)
    ).one_or_none() or (None, None)
    counts = embedded_refs.clear(session, person_id=person_id, name=name or "")
    if slack_user_id:  # requests of theirs still queued, or failed and kept: the job table's no foreign key
        counts["jobs deleted"] += jobs.forget(session, slack_user_id=slack_user_id)
    _erase(session, people, people.c.id == person_id, counts)
    return counts


# --- retention --------------------------------------------------------------------------------------------

# Every table -> what the retention window does to it. "window": rows older than the window go
# (delete_older_than); the others say why they stay. A table missing here fails tests/performance_file.
RETENTION: dict[str, str] = {
    "file_entries": "window",
    "checkins": "window",  # closed ones; an open check-in stays, whenever it opened
    "sends": "window",
    "feedback": "window",
    "feedback_requests": "window",
    "processed_events": "a day, whatever the window (Slack retries for minutes)",
    "jobs": "done ones after a day, failed ones after 30 days, whatever the window (storage/jobs.prune)",
    "people": "the org: changed by org import and erased by `checkins file delete`",
    "goals": "current state, not a log",
    "key_results": "current state, with their goal",
    "goal_proposals": "current state, with their goal",
    "reviews": "current state, not a log",
    "team_cadences": "settings",
    "team_templates": "settings",
    "team_channels": "settings",
    "checkin_templates": "the questions as asked, every version kept for the check-ins that answered it",
    "team_digests": "where a team's digest of a period is in its channel, and whose ledger row posts it",
    "anonymous_answers": "window",  # by their period (no time kept): gone once it closed before the cutoff
    "app_settings": "settings",
    "holidays": "settings",
    "scheduler_leases": "one row per lease, renewed",
    "post_pace": "one row: the bulk posts' next slot, no personal data",
    "apscheduler_jobs": "the scheduler's timers, no personal data",
    "alembic_version": "the schema's version",
    # 1:1s: what is settled goes with the window (it is in the file, which the window prunes too); what is
    # still open in a running 1:1 stays, whenever it was written.
    "one_on_one_series": "window: ended ones, with all they hold; a running one is current state",
    "one_on_one_points": "window: discussed or dismissed ones; open ones of a running 1:1 stay",
    "one_on_one_actions": "window: done ones; open ones of a running 1:1 stay",
    "one_on_one_private_notes": "window; and gone with the author's or the report's file delete",
    "home_views": "current state: whose file each person's Home shows, no content",
}


def delete_older_than(session: Session, *, cutoff: datetime) -> Counter:
    """The retention window: file entries, check-ins closed, the send ledger and feedback, before `cutoff`."""
    counts: Counter = Counter()
    old_requests = sa.select(FeedbackRequest.id).where(FeedbackRequest.created_at < cutoff)
    # Feedback given after an old request was asked stays; only its link to the request goes.
    session.execute(
        sa.update(Feedback)
        .where(Feedback.request_id.in_(old_requests.scalar_subquery()))
        .values(request_id=None)
    )
    statements = {
        "file_entries": sa.delete(FileEntry).where(FileEntry.created_at < cutoff),
        "checkins": sa.delete(Checkin).where(Checkin.closes_at < cutoff),
        "sends": sa.delete(Send).where(Send.claimed_at < cutoff),
        "feedback": sa.delete(Feedback).where(Feedback.created_at < cutoff),
        "feedback_requests": sa.delete(FeedbackRequest).where(FeedbackRequest.created_at < cutoff),
    }
    ended = sa.select(OneOnOneSeries.id).where(OneOnOneSeries.ended_at < cutoff).scalar_subquery()
    statements |= {  # the series last: the others refer to it
        "one_on_one_points": sa.delete(OneOnOnePoint).where(
            sa.or_(OneOnOnePoint.discussed_at < cutoff, OneOnOnePoint.series_id.in_(ended))
        ),
        "one_on_one_actions": sa.delete(OneOnOneAction).where(
            sa.or_(OneOnOneAction.done_at < cutoff, OneOnOneAction.series_id.in_(ended))
        ),
        "one_on_one_private_notes": sa.delete(OneOnOnePrivateNote).where(
            sa.or_(OneOnOnePrivateNote.created_at < cutoff, OneOnOnePrivateNote.series_id.in_(ended))
        ),
        "one_on_one_series": sa.delete(OneOnOneSeries).where(OneOnOneSeries.ended_at < cutoff),
    }
    for name, statement in statements.items():
        counts[name] = session.execute(statement).rowcount
    return counts


def prune_processed_events(session: Session, *, now: datetime, keep: timedelta) -> int:
    """Slack retries an event for minutes, not days: older ids are only clutter."""
    result = session.execute(sa.delete(ProcessedEvent).where(ProcessedEvent.received_at < now - keep))
    return result.rowcount
