"""References to a person that no foreign key holds: ids inside JSON data and settings, their name copied
into texts the app wrote, their DM with the app. Each place is classified here, as storage/erasure.py does
for foreign keys; a place found in the database that is not classified stops the erasure before anything
is deleted.
"""

import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, SQLModel

from storage.models import EntryKind

# What a name copied into the app's own text becomes once its person is erased.
NEUTRAL = "a former colleague"

# Every JSON column -> its top-level keys that hold a person's id (set to null on erasure: the row is
# someone else's). A column left out of this table and CONTENT stops the erasure.
JSON_PERSON_KEYS: dict[tuple[str, str], frozenset[str]] = {
    ("file_entries", "data"): frozenset({"manager_id", "owner_id"}),  # org changes' manager; 1:1 items' owner
    ("reviews", "manager_assessment"): frozenset({"by"}),  # who assessed it
    ("reviews", "self_assessment"): frozenset(),
    ("reviews", "plan"): frozenset(),
    ("reviews", "draft_goal_ids"): frozenset(),
    ("goal_proposals", "terms"): frozenset(),
    ("goal_proposals", "previous"): frozenset(),
}
# JSON columns not scanned for ids, and why.
CONTENT: dict[tuple[str, str], str] = {
    ("checkins", "answers"): "what a person typed, keyed by what was asked",
    ("checkin_templates", "questions"): "the questions of a template: texts and options, no people",
    ("team_templates", "extra"): "a manager's own questions: texts and options, no people",
    ("jobs", "payload"): "a Slack request: a job naming them goes whole (storage/jobs.forget)",
}

# Keys shaped like a reference (by, …_by, …_id, …_ids) that point at rows of other tables, not at people.
NOT_PEOPLE = frozenset(
    {
        "goal_id",
        "proposal_id",
        "checkin_id",
        "feedback_id",
        "review_id",
        "request_id",
        "draft_goal_ids",
        "parent_id",  # a goal's parent goal
        "series_id",  # 1:1s (file entries of kind one_on_one)
        "point_id",
        "action_id",
    }
)
# Keys under which a dict is keyed by what people typed (key results by title, answers by question): its
# keys are not scanned.
KEYED_BY_TEXT = frozenset({"key_results", "answers"})
_REFERENCE_SHAPED = re.compile(r"^(by|.+_by|.+_id|.+_ids|.+_user)$")

# Settings whose value is a person's id: `<setting>_by`, who chose it. Cleared on erasure; the setting
# itself goes on working (who chose it is only told, see domain/performance_file/privacy.py).
SETTING_BY_SUFFIX = "_by"

# Entry kinds whose text the app writes with someone's name in it (org changes name the manager; goal
# decisions and assessments did until names were rendered at read time, and older rows still do): in
# other people's files, the name becomes NEUTRAL.
NAMES_IN_TEXT: frozenset[str] = frozenset(
    {EntryKind.org_change, EntryKind.goal_decision, EntryKind.review, EntryKind.one_on_one}  # 1:1: an owner
)
# The rest: a person's own words (kept, unattributed, when they are in someone else's file), or the app's
# text naming no one.
NO_NAMES_IN_TEXT: frozenset[str] = frozenset(
    {
        EntryKind.note,
        EntryKind.checkin,
        EntryKind.checkin_edit,
        EntryKind.message,
        EntryKind.manager_reply,
        EntryKind.goal_proposal,
        EntryKind.goal_progress,
        EntryKind.feedback,
        EntryKind.file_view,
    }
)

# (table, channel column, ts column) of every message the app keeps a handle on. The erased person's DM
# with the app (a D… channel found in their own rows) is cleared wherever it appears, with its ts.
MESSAGE_HANDLES: tuple[tuple[str, str, str], ...] = (
    ("file_entries", "slack_channel", "slack_ts"),
    ("checkins", "prompt_channel", "prompt_ts"),
    ("checkins", "manager_channel", "manager_ts"),
    ("sends", "channel", "ts"),
    ("goal_proposals", "notice_channel", "notice_ts"),
    ("reviews", "manager_channel", "manager_ts"),
    ("reviews", "plan_channel", "plan_ts"),
)
# Where their DM is found: (table, channel column, the column holding the person whose DM it is).
DM_OF: tuple[tuple[str, str, str], ...] = (
    ("checkins", "prompt_channel", "person_id"),
    ("checkins", "manager_channel", "manager_id"),
    ("reviews", "plan_channel", "person_id"),
    ("reviews", "manager_channel", "manager_id"),
    ("sends", "channel", "person_id"),
)


def _tables() -> dict[str, sa.Table]:
    return dict(SQLModel.metadata.tables)


def json_columns(metadata: sa.MetaData) -> set[tuple[str, str]]:
    return {
        (table.name, column.name)
        for table in metadata.tables.values()
        for column in table.columns
        if isinstance(column.type, sa.JSON) or isinstance(getattr(column.type, "impl", None), sa.JSON)
    }


def _keys(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield str(key)
            if not (key in KEYED_BY_TEXT and isinstance(inner, dict)):
                yield from _keys(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _keys(inner)


def unclassified(session: Session) -> list[str]:
    """Places in the live database that may hold a person and are not classified here."""
    found: set[str] = set()
    for table, column in sorted(json_columns(SQLModel.metadata)):
        if (table, column) in CONTENT:
            continue
        if (table, column) not in JSON_PERSON_KEYS:
            found.add(f"JSON column {table}.{column}")
            continue
        known = JSON_PERSON_KEYS[(table, column)] | NOT_PEOPLE
        for (value,) in session.execute(sa.select(_tables()[table].c[column])):
            for key in _keys(value):
                if _REFERENCE_SHAPED.match(key) and key not in known:
                    found.add(f"key {key!r} in {table}.{column}")
    settings = _tables()["app_settings"]
    for (key,) in session.execute(sa.select(settings.c.key)):
        if _REFERENCE_SHAPED.match(key) and not key.endswith(SETTING_BY_SUFFIX):
            found.add(f"setting {key!r}")
    entries = _tables()["file_entries"]
    for (kind,) in session.execute(sa.select(entries.c.kind).distinct()):
        if kind not in NAMES_IN_TEXT | NO_NAMES_IN_TEXT:
            found.add(f"file entry kind {kind!r}")
    return sorted(found)


def _dm_channels(session: Session, person_id: int) -> set[str]:
    tables = _tables()
    found: set[str] = set()
    for table, column, whose in DM_OF:
        t = tables[table]
        query = sa.select(t.c[column]).where(t.c[whose] == person_id, t.c[column].like("D%")).distinct()
        found.update(value for (value,) in session.execute(query))
    entries = tables["file_entries"]
    own = sa.select(entries.c.slack_channel).where(
        entries.c.person_id == person_id,
        entries.c.author_id == person_id,
        entries.c.slack_channel.like("D%"),
    )
    found.update(value for (value,) in session.execute(own.distinct()))
    return found


def clear(session: Session, *, person_id: int, name: str) -> Counter:
    """Clears every embedded reference to the person in rows that stay (theirs are deleted after)."""
    counts: Counter = Counter()
    tables = _tables()
    for (table, column), keys in JSON_PERSON_KEYS.items():
        t = tables[table]
        (pk,) = t.primary_key.columns
        for key in keys:
            rows = session.execute(
                sa.select(pk, t.c[column]).where(t.c[column][key].as_integer() == person_id)
            )
            for row_id, value in rows.all():
                session.execute(sa.update(t).where(pk == row_id).values({column: {**value, key: None}}))
                counts[f"{table}.{column} {key} cleared"] += 1
    settings = tables["app_settings"]
    owned = sa.update(settings).where(
        settings.c.key.like(f"%{SETTING_BY_SUFFIX}"), settings.c.value == str(person_id)
    )
    counts["app_settings owner cleared"] += session.execute(owned.values(value="")).rowcount
    if name.strip():
        counts.update(_neutral_names(session, person_id=person_id, name=name.strip()))
    channels = _dm_channels(session, person_id)
    for table, channel, ts in MESSAGE_HANDLES if channels else ():
        t = tables[table]
        result = session.execute(
            sa.update(t).where(t.c[channel].in_(channels)).values({channel: None, ts: None})
        )
        counts[f"{table}.{channel} (their DM) cleared"] += result.rowcount
    return counts


def _neutral_names(session: Session, *, person_id: int, name: str) -> Counter:
    entries = _tables()["file_entries"]
    pattern = re.compile(rf"(?<!\w){re.escape(name)}(?!\w)")
    query = sa.select(entries.c.id, entries.c.text).where(
        entries.c.kind.in_(sorted(NAMES_IN_TEXT)),
        entries.c.person_id != person_id,
        entries.c.text.contains(name, autoescape=True),
    )
    counts: Counter = Counter()
    for entry_id, text in session.execute(query).all():
        neutral = pattern.sub(NEUTRAL, text)
        if neutral != text:
            session.execute(sa.update(entries).where(entries.c.id == entry_id).values(text=neutral))
            counts["file_entries.text names made neutral"] += 1
    return counts
