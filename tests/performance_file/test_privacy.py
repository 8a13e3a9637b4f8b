"""Privacy: `checkins file delete` leaves nothing of a person and the rest intact; every reference to a
person is classified; the retention window."""

import json
import re
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session, SQLModel, select

from bot.settings import SettingsError, load_settings
from domain.checkins import due as checkin_due
from domain.checkins import flows
from domain.performance_file import privacy
from schedules.jobs import run_retention
from storage import embedded_refs, erasure, file_entries, people
from storage.file_entries import append
from storage.models import (
    AppSetting,
    Checkin,
    EntryKind,
    Feedback,
    FeedbackRequest,
    Goal,
    GoalProposal,
    KeyResult,
    Person,
    ProcessedEvent,
    Review,
    Send,
    TeamCadence,
)
from storage.types import utcnow
from tests.reviews.test_reviews import agreed_goal, assess, bot_dms, modal, self_assess, start
from tests.support import TEAM, cli_env, csv_text, import_org, run_cli, seed_team, slack_users, wait_for

REFERENCE_SHAPED = re.compile(r"^(by|.+_by|.+_id|.+_ids)$")

# --- every reference classified -----------------------------------------------------------------------------


def test_every_foreign_key_of_the_models_is_classified():
    assert erasure.unclassified(erasure.foreign_keys(SQLModel.metadata)) == []


def test_the_classification_names_real_foreign_keys():
    declared = {(table, column) for table, column, _ in erasure.foreign_keys(SQLModel.metadata)}
    tables = SQLModel.metadata.tables
    # A table classified before its model lands is allowed; a classified column that is no foreign key is not.
    assert {(t, c) for t, c in erasure.REFERENCES if t in tables} == declared
    for (table, column), also in erasure.CLEARED_WITH.items():
        if table not in tables:
            continue
        assert erasure.REFERENCES[(table, column)] is erasure.Rule.clear
        assert set(also) <= set(SQLModel.metadata.tables[table].c.keys())


def test_a_new_reference_to_a_person_fails_the_check_until_it_is_classified():
    metadata = sa.MetaData()
    for table in SQLModel.metadata.tables.values():
        table.to_metadata(metadata)
    sa.Table(
        "badges",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("awarded_to_id", sa.Integer, sa.ForeignKey("people.id")),
    )
    assert erasure.unclassified(erasure.foreign_keys(metadata)) == ["badges.awarded_to_id -> people"]


def test_an_unclassified_reference_in_the_database_stops_the_erasure_before_anything_goes(engine):
    from storage.db import session_scope
    from storage.models import Person

    with session_scope(engine) as session:
        people.save(session, person=Person(slack_user_id="U1", email="a@x.test", name="A"))
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "CREATE TABLE badges (id INTEGER PRIMARY KEY, awarded_to_id INTEGER REFERENCES people(id))"
            )
        )
    try:
        with (
            pytest.raises(erasure.UnclassifiedReference, match=r"badges\.awarded_to_id -> people"),
            session_scope(engine) as session,
        ):
            privacy.erase(session, email="a@x.test")
        with session_scope(engine) as session:
            assert people.get_by_email(session, email="a@x.test") is not None
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text("DROP TABLE badges"))


def test_every_json_column_and_entry_kind_is_classified():
    columns = embedded_refs.json_columns(SQLModel.metadata)
    assert columns == set(embedded_refs.JSON_PERSON_KEYS) | set(embedded_refs.CONTENT)
    kinds = embedded_refs.NAMES_IN_TEXT | embedded_refs.NO_NAMES_IN_TEXT
    assert (
        kinds == {k.value for k in EntryKind}
        and not embedded_refs.NAMES_IN_TEXT & embedded_refs.NO_NAMES_IN_TEXT
    )


def test_dicts_keyed_by_what_people_typed_are_not_scanned_for_references():
    data = {"key_results": {"cut owner_id": 1}, "terms": [{"parent_id": 2, "key_results": [{"title": "x"}]}]}
    assert list(embedded_refs._keys(data)) == ["key_results", "terms", "parent_id", "key_results", "title"]


@pytest.mark.parametrize(
    ("place", "found"),
    [
        ({"data": {"mentor_id": 7}}, "key 'mentor_id' in file_entries.data"),
        ({"data": {"nested": [{"approved_by": 7}]}}, "key 'approved_by' in file_entries.data"),
        ({"kind": "badge"}, "file entry kind 'badge'"),
        ("setting", "setting 'buddy_id'"),
    ],
)
def test_an_unclassified_place_inside_data_stops_the_erasure_before_anything_goes(engine, place, found):
    from storage.db import session_scope

    with session_scope(engine) as session:
        a = people.save(session, person=Person(slack_user_id="U1", email="a@x.test", name="A"))
        b = people.save(session, person=Person(slack_user_id="U2", email="b@x.test", name="B"))
        append(session, person_id=b.id, author_id=a.id, kind="note", text="by A")
        if place == "setting":
            session.add(AppSetting(key="buddy_id", value=str(a.id)))
        else:
            entry = append(session, person_id=b.id, kind="note", text="")
            for key, value in place.items():
                setattr(entry, key, value)
    with (
        pytest.raises(erasure.UnclassifiedReference, match=re.escape(found)),
        session_scope(engine) as session,
    ):
        privacy.erase(session, email="a@x.test")
    with session_scope(engine) as session:
        assert people.get_by_email(session, email="a@x.test") is not None
        assert session.execute(
            sa.text("SELECT count(*) FROM file_entries WHERE author_id IS NOT NULL")
        ).scalar()


# --- the erasure, end to end ------------------------------------------------------------------------------

# What each had in their own file (it goes), and what they wrote in others' files (it stays, unattributed).
OWN = {
    "ana@acme.test": [
        "Ledger rewrite landed",
        "musing about the roadmap 7731",
        "Thanks for the pairing session",
    ],
    "maria@acme.test": ["Proud of this quarter 4410"],
}
FOR_OTHERS = {
    "ana@acme.test": ["Crisp release notes from you", "Solid estimates on the billing work"],
    "maria@acme.test": ["Keep pushing on reliability"],
}


def _id(services, email: str) -> int:
    with services.session() as session:
        return people.get_by_email(session, email=email).id


def build_history(world) -> None:
    """Check-ins with replies, messages, feedback both ways, requests, looks, goals, a cadence, the ledger."""
    sb, services, ids = world.sb, world.services, world.ids
    ana, bo, chen, dee, maria = (ids[f"{n}@acme.test"] for n in ("ana", "bo", "chen", "dee", "maria"))
    now = utcnow()
    with services.session() as session:
        due = checkin_due.due_prompts(session, now=now, send_now=True)
    flows.fan_out(services, due, now=now)
    for uid, text in ((ana, "Ledger rewrite landed"), (bo, "Bo's migration is done")):
        sb.click(uid, "checkin_open")
        wait_for(lambda uid=uid: sb.open_views(uid))
        sb.submit_view(uid, {"mood": "4", "progress": text})
    wait_for(lambda: len([m for m in sb.dm_messages(maria) if "checked in" in m["text"]]) == 2)
    sb.click(maria, "checkin_reply")
    wait_for(lambda: sb.open_views(maria))
    sb.submit_view(maria, {"reply": "Keep pushing on reliability"})
    sb.send_dm(ana, "musing about the roadmap 7731")
    sb.send_dm(maria, "Proud of this quarter 4410")
    sb.slash_command(ana, "/feedback", f"<@{bo}|bo> Crisp release notes from you")
    sb.slash_command(bo, "/feedback", f"<@{ana}|ana> Thanks for the pairing session")
    sb.slash_command(ana, "/feedback", f"request <@{chen}|chen>")
    sb.slash_command(maria, "/feedback", f"request <@{ana}|ana> about <@{bo}|bo>")
    wait_for(lambda: [m for m in sb.dm_messages(ana) if "asks for your feedback" in m["text"]])
    sb.click(ana, "feedback_give")
    wait_for(lambda: sb.open_views(ana))
    sb.submit_view(ana, {"text": "Solid estimates on the billing work"})
    wait_for(lambda: len([m for m in sb.dm_messages(bo) if m["text"].startswith("Feedback from")]) == 2)
    sb.open_home(maria)
    wait_for(lambda: sb.home(maria))
    sb.select(maria, "home_file_switch", ana)
    sb.open_home(dee)
    wait_for(lambda: sb.home(dee))
    sb.select(dee, "home_file_switch_anyone", maria)
    wait_for(lambda: len(file_views(services)) == 2)
    with services.session() as session:
        pid = {e: people.get_by_email(session, email=e).id for e in world.ids}
        team = Goal(
            level="team",
            team="Platform",
            title="Ship v2",
            kind="objective",
            period="2026",
            starts_on=date(2026, 1, 1),
            due_on=date(2026, 12, 31),
            status="active",
            created_by_id=pid["maria@acme.test"],
        )
        session.add(team)
        session.flush()
        mine = Goal(
            level="person",
            person_id=pid["ana@acme.test"],
            title="Ledger v2",
            kind="result",
            period="2026",
            starts_on=date(2026, 1, 1),
            due_on=date(2026, 12, 31),
            status="active",
            parent_id=team.id,
            created_by_id=pid["ana@acme.test"],
        )
        session.add(mine)
        session.flush()
        bos = Goal(
            level="person",
            person_id=pid["bo@acme.test"],
            title="Docs",
            kind="process",
            period="2026",
            starts_on=date(2026, 1, 1),
            due_on=date(2026, 12, 31),
            status="active",
            parent_id=mine.id,
            created_by_id=pid["maria@acme.test"],
        )
        session.add(bos)
        session.flush()
        session.add(KeyResult(goal_id=mine.id, position=0, title="Cutover", target=1.0))
        session.add(
            GoalProposal(
                goal_id=mine.id,
                proposer_id=pid["ana@acme.test"],
                action="new",
                base_version=0,
                # the shape domain/goals/terms.py gives: a parent goal's id, key results
                terms={"title": "Ledger v2", "parent_id": team.id, "key_results": [{"title": "Cutover"}]},
                previous={},
                status="approved",
                decided_by_id=pid["maria@acme.test"],
            )
        )
        session.add(
            GoalProposal(
                goal_id=bos.id,
                proposer_id=pid["maria@acme.test"],
                action="new",
                base_version=0,
                terms={"title": "Docs"},
                previous={},
                status="approved",
                decided_by_id=pid["bo@acme.test"],
            )
        )
        session.merge(
            TeamCadence(
                team="Platform",
                frequency="weekly",
                weekday=4,
                at_minute=600,
                first_reminder_hours=4,
                last_reminder_hours=24,
                updated_by_id=pid["maria@acme.test"],
            )
        )
        for email in ("ana@acme.test", "bo@acme.test"):
            session.add(
                Review(
                    person_id=pid[email],
                    manager_id=pid["maria@acme.test"],
                    cycle="2026-Q3",
                    diagnosis="Steady quarter",
                    draft_goal_ids=[mine.id] if email == "ana@acme.test" else [],
                    manager_channel=sb.dm_channel(maria),
                    manager_ts="1700000000.000100",
                    plan_channel=sb.dm_channel(world.ids[email]),
                    plan_ts="1700000000.000200",
                )
            )
    wait_for(
        lambda: (
            len(file_views(services)) == 2 and feedback_requests(services) == 2 and _all_texts_kept(services)
        )
    )


def more_history(world, admin_email: str) -> None:
    """The erased person also chose settings (as an HR admin), and a review was assessed through Slack; older
    rows still hold names the app once copied into its texts."""
    sb, services, ids = world.sb, world.services, world.ids
    with services.session() as session:
        people.get_by_email(session, email=admin_email).role = "admin"
    admin = ids[admin_email]
    hr, kudos = sb.add_channel("hr-pulse"), sb.add_channel("kudos")
    sb.slash_command(admin, "/checkins", f"summary channel <#{hr}|hr-pulse>")
    sb.slash_command(admin, "/feedback", f"channel <#{kudos}|kudos>")
    wait_for(lambda: _setting(services, "praise_channel_by") and _setting(services, "hr_summary_channel_by"))
    # Maria assesses Ana's review through Slack: {"by": Maria} in it, her assessment in Ana's file
    ana, maria = ids["ana@acme.test"], ids["maria@acme.test"]
    agreed_goal(services, "ana@acme.test", "Cut build time in half")
    start(services, emails=["ana@acme.test"])
    wait_for(lambda: bot_dms(sb, ana, "Time to review"))
    sb.click(ana, "review_self_open")
    goal_ids = _goal_ids(modal(sb, ana, "review_self_submit"))
    assert self_assess(sb, ana, goal_ids).ok
    wait_for(lambda: bot_dms(sb, maria, "Ana sent their self-assessment"))
    sb.click(maria, "review_assess_open")
    assert assess(sb, maria, goal_ids).ok
    wait_for(lambda: bot_dms(sb, ana, "The assessment of your"))
    with services.session() as session:
        pid = {e: people.get_by_email(session, email=e).id for e in ids}
        for owner, author, kind, text in (
            ("bo@acme.test", "maria@acme.test", "review", "Assessment of Q3 2026 by Maria\nDiagnosis: fine"),
            ("bo@acme.test", "maria@acme.test", "goal_decision", "Maria approved the new goal: Docs"),
            ("maria@acme.test", "ana@acme.test", "goal_decision", "Ana accepted the new goal: Ship v2"),
        ):
            append(session, person_id=pid[owner], author_id=pid[author], kind=kind, text=text)


def _goal_ids(view) -> list[int]:
    blocks = [b["block_id"] for b in view["blocks"] if b["type"] == "input"]
    return sorted({int(b.split("_")[1]) for b in blocks if b.startswith("goal_")})


def _setting(services, key):
    with services.session() as session:
        return session.execute(sa.text("SELECT value FROM app_settings WHERE key = :k"), {"k": key}).scalar()


def feedback_requests(services):
    with services.session() as session:
        return session.execute(sa.text("SELECT count(*) FROM feedback_requests")).scalar()


def file_views(services):
    with services.session() as session:
        return session.execute(sa.text("SELECT id FROM file_entries WHERE kind = 'file_view'")).all()


def _all_texts_kept(services) -> bool:
    with services.session() as session:
        stored = {row[0] for row in session.execute(sa.text("SELECT text FROM file_entries"))}
    return all(t in stored for texts in (*OWN.values(), *FOR_OTHERS.values()) for t in texts)


def snapshot(engine) -> dict[str, dict[tuple, dict[str, Any]]]:
    """Every row of every table of the live database, by primary key."""
    metadata = sa.MetaData()
    metadata.reflect(bind=engine)
    found = {}
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            keys = [c.name for c in table.primary_key.columns]
            found[table.name] = {
                tuple(row[k] for k in keys): dict(row) for row in conn.execute(sa.select(table)).mappings()
            }
    return found


def strings(value: Any) -> Iterator[str]:
    if isinstance(value, bytes):
        yield value.decode("latin-1")
    elif isinstance(value, dict | list):
        yield json.dumps(value, ensure_ascii=False)
    elif value is not None:
        yield str(value)


def json_values(value: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield key, inner
            yield from json_values(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from json_values(inner)


def expected_after(before, person_id: int, uid_dm: str = "") -> dict[str, dict[tuple, dict[str, Any] | None]]:
    """What the policy in storage/erasure.py says each row becomes (None: gone), worked out row by row."""
    gone: dict[str, set] = {"people": {(person_id,)}}
    changed = True
    while changed:  # rows owned by gone rows go too, transitively
        changed = False
        for (table, column), rule in erasure.REFERENCES.items():
            if rule is not erasure.Rule.delete or table not in before:
                continue
            target = next(
                fk.column.table.name for fk in SQLModel.metadata.tables[table].c[column].foreign_keys
            )
            for key, row in before[table].items():
                if (row[column],) in gone.get(target, set()) and key not in gone.setdefault(table, set()):
                    gone[table].add(key)
                    changed = True
    after: dict[str, dict[tuple, dict[str, Any] | None]] = {}
    name = before["people"][(person_id,)]["name"]
    dms = {uid_dm} if uid_dm else set()
    for table, rows in before.items():
        after[table] = {}
        for key, row in rows.items():
            if key in gone.get(table, set()):
                after[table][key] = None
                continue
            row = dict(row)
            for (t, column), rule in erasure.REFERENCES.items():
                if t != table or rule is not erasure.Rule.clear:
                    continue
                target = next(
                    fk.column.table.name for fk in SQLModel.metadata.tables[t].c[column].foreign_keys
                )
                if (row[column],) in gone.get(target, set()):
                    row[column] = None
                    for also in erasure.CLEARED_WITH.get((t, column), ()):
                        row[also] = None
            for (t, column), keys in embedded_refs.JSON_PERSON_KEYS.items():
                if t == table and isinstance(row[column], dict):
                    row[column] = {
                        k: None if k in keys and v == person_id else v for k, v in row[column].items()
                    }
            if table == "file_entries" and row["kind"] in embedded_refs.NAMES_IN_TEXT:
                row["text"] = re.sub(rf"\b{name}\b", embedded_refs.NEUTRAL, row["text"])
            if table == "app_settings" and row["key"].endswith("_by") and row["value"] == str(person_id):
                row["value"] = ""
            for t, channel, ts in embedded_refs.MESSAGE_HANDLES:
                if t == table and row[channel] in dms:
                    row[channel] = row[ts] = None
            after[table][key] = row
    return after


@pytest.mark.parametrize("email", ["ana@acme.test", "maria@acme.test"])
def test_deleting_a_person_leaves_nothing_of_them_and_the_rest_intact(
    world, engine, database_url, tmp_path, email
):
    sb, services = world.sb, world.services
    build_history(world)
    more_history(world, email)
    uid = world.ids[email]
    person_id = _id(services, email)
    name = email.split("@")[0].title()
    before = snapshot(engine)
    env = cli_env(sb, database_url)

    declined = run_cli(["file", "delete", email], env, tmp_path)  # no input: the confirmation is declined
    assert declined.returncode == 1 and "Aborted" in declined.stderr
    assert f"Delete everything checkins holds about {name} <{email}>" in declined.stdout
    assert snapshot(engine) == before

    done = run_cli(["file", "delete", email, "--yes"], env, tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"{name} <{email}> deleted" in done.stdout
    after = snapshot(engine)

    # nothing of them remains: not their id, email, Slack user id, DM, name, nor anything in their file
    identifiers = [email, uid, sb.dm_channel(uid), name, *OWN[email]]
    for table, rows in after.items():
        for row in rows.values():
            for value in row.values():
                for text in strings(value):
                    assert not [i for i in identifiers if i in text], (table, row)
    with Session(engine) as session:
        references = erasure.database_foreign_keys(session)
    for table, column, target in references:
        if target == "people":
            assert all(row[column] != person_id for row in after[table].values()), (table, column)
    # nor their internal id in any JSON field shaped like a reference, nor as who chose a setting
    for table, rows in after.items():
        for row in rows.values():
            for value in row.values():
                held = [k for k, v in json_values(value) if v == person_id and REFERENCE_SHAPED.match(k)]
                assert not [k for k in held if k not in embedded_refs.NOT_PEOPLE], (table, row)
    assert str(person_id) not in {
        r["value"] for r in after["app_settings"].values() if r["key"].endswith("_by")
    }
    assert {r["key"] for r in after["app_settings"].values()} >= {"hr_summary_channel", "praise_channel"}

    # and everything else is as it was, but for what the classification says
    expected = expected_after(before, person_id, sb.dm_channel(uid))
    for table, rows in expected.items():
        assert {k: v for k, v in rows.items() if v is not None} == after[table], table
    assert sum(len(rows) for rows in after.values()) > 30  # the others' data is there

    # what they wrote in others' files stays there, without them as its author
    for text in FOR_OTHERS[email]:
        (row,) = [r for r in after["file_entries"].values() if r["text"] == text]
        assert row["author_id"] is None and row["person_id"] != person_id
    # and the app goes on for everyone else
    bo, ana = world.ids["bo@acme.test"], world.ids["ana@acme.test"]
    sb.slash_command(bo, "/feedback", "")
    wait_for(lambda: "Feedback you received" in sb.transcript(bo))
    if email == "ana@acme.test":
        assert "*someone* · " in sb.transcript(bo) or "someone" in str(sb.ephemerals(bo)[-1])
    else:
        sb.open_home(ana)
        wait_for(lambda: "manager a former colleague" in str((sb.home(ana) or {}).get("blocks")))
    assert sb.problems == []


def test_the_erasure_of_a_manager_unlinks_their_reports(world, engine):
    build_history(world)
    maria_id = _id(world.services, "maria@acme.test")
    with world.services.session() as session:
        erased = privacy.erase(session, email="maria@acme.test")
    assert erased.counts["people deleted"] == 1
    with world.services.session() as session:
        reports = [people.get_by_email(session, email=e) for e in ("ana@acme.test", "bo@acme.test")]
        assert [p.manager_id for p in reports] == [None, None]
        joined = [
            e for e in file_entries.list_for(session, person_id=reports[0].id) if e.kind == "org_change"
        ]
        (checkin,) = session.exec(select(Checkin).where(Checkin.person_id == reports[0].id)).all()
    assert [(e.text, e.data) for e in joined] == [
        ("Joined: team Platform, manager a former colleague", {"team": "Platform", "manager_id": None})
    ]
    assert (checkin.manager_id, checkin.manager_channel, checkin.manager_ts) == (None, None, None)
    assert maria_id not in {e.author_id for e in joined}


def test_the_id_of_someone_deleted_is_never_given_to_the_next_person(sandbox, runtime):
    """SQLite reuses the id of a deleted newest row unless told not to: a stale reference to the deleted
    person (a review's author, a button's value) would then point at the next hire."""
    services = runtime.services
    seed_team(sandbox, services)
    dee_id = _id(services, "dee@acme.test")
    assert dee_id == max(_id(services, e) for e in TEAM)  # the newest person, the one SQLite would reuse
    with services.session() as session:
        privacy.erase(session, email="dee@acme.test")
    slack_users(sandbox, {"zoe@acme.test": "UTC"})
    assert import_org(services, csv_text([["zoe@acme.test", "", "Data", "", ""]])).ok
    zoe_id = _id(services, "zoe@acme.test")
    assert zoe_id > dee_id
    with services.session() as session:
        assert session.get(Person, dee_id) is None
        assert [e.person_id for e in file_entries.list_for(session, person_id=zoe_id)] == [zoe_id]


def test_deleting_someone_not_in_checkins_says_so(world, database_url, tmp_path):
    result = run_cli(
        ["file", "delete", "nobody@acme.test", "--yes"], cli_env(world.sb, database_url), tmp_path
    )
    assert result.returncode == 1 and "nobody@acme.test is not in checkins" in result.stderr
    assert "Traceback" not in result.stderr


# --- retention -------------------------------------------------------------------------------------------


def test_retention_deletes_what_is_older_than_the_window_and_keeps_the_rest(sandbox, runtime):
    services = runtime.services
    seed_team(sandbox, services)
    now = utcnow()
    old, recent = now - timedelta(days=100), now - timedelta(days=10)
    with services.session() as session:
        ana = people.get_by_email(session, email="ana@acme.test")
        bo = people.get_by_email(session, email="bo@acme.test")
        for at, text in ((old, "old entry"), (recent, "recent entry")):
            append(session, person_id=ana.id, kind="note", text=text, at=at)
        session.add_all(
            [
                Checkin(
                    person_id=ana.id, period_key="w:old", opens_at=old - timedelta(days=7), closes_at=old
                ),
                Checkin(
                    person_id=ana.id, period_key="w:new", opens_at=recent, closes_at=now + timedelta(days=1)
                ),
                Send(
                    person_id=ana.id,
                    period_key="w:old",
                    kind="prompt",
                    state="sent",
                    claimed_by="x",
                    claimed_at=old,
                ),
                Send(
                    person_id=ana.id,
                    period_key="w:new",
                    kind="prompt",
                    state="sent",
                    claimed_by="x",
                    claimed_at=recent,
                ),
                ProcessedEvent(event_id="Ev-old", received_at=now - timedelta(days=2)),
                ProcessedEvent(event_id="Ev-new", received_at=now - timedelta(hours=1)),
            ]
        )
        asked = FeedbackRequest(requester_id=ana.id, subject_id=ana.id, asked_id=bo.id, created_at=old)
        session.add(asked)
        session.flush()
        session.add_all(
            [
                Feedback(
                    giver_id=bo.id,
                    recipient_id=ana.id,
                    text="old feedback",
                    visibility="recipient_only",
                    created_at=old,
                ),
                Feedback(
                    giver_id=bo.id,
                    recipient_id=ana.id,
                    text="late answer",
                    visibility="recipient_only",
                    request_id=asked.id,
                    created_at=recent,
                ),
            ]
        )

    def state():
        with services.session() as session:
            q = session.execute
            return {
                "entries": {r[0] for r in q(sa.text("SELECT text FROM file_entries WHERE kind = 'note'"))},
                "checkins": {r[0] for r in q(sa.text("SELECT period_key FROM checkins"))},
                "sends": {r[0] for r in q(sa.text("SELECT period_key FROM sends"))},
                "events": {r[0] for r in q(sa.text("SELECT event_id FROM processed_events"))},
                "feedback": {tuple(r) for r in q(sa.text("SELECT text, request_id FROM feedback"))},
                "requests": q(sa.text("SELECT count(*) FROM feedback_requests")).scalar(),
            }

    everything = state()
    done = run_retention(services, days=None, now=now)  # no window: only old event ids go
    assert done.cutoff is None and state() == {**everything, "events": {"Ev-new"}}

    done = run_retention(services, days=90, now=now)
    assert state() == {
        "entries": {"recent entry"},
        "checkins": {"w:new"},  # the open one stays, whenever it opened
        "sends": {"w:new"},
        "events": {"Ev-new"},
        "feedback": {("late answer", None)},
        "requests": 0,
    }
    assert done.counts["file_entries"] == 1 and done.counts["feedback_requests"] == 1
    # a second run finds nothing more
    assert sum(run_retention(services, days=90, now=now).counts.values()) == 0


def test_anonymous_answers_go_with_the_window_once_their_period_closed_before_it(runtime):
    from datetime import UTC, datetime

    from storage import checkins as checkin_store

    services = runtime.services
    now = datetime(2026, 12, 1, 4, tzinfo=UTC)  # 90 days back: 2 September
    keys = ("d:2026-08-28", "m:2026-08-03", "w:2026-08-21", "w:2026-08-28", "d:2026-11-30", "w:junk")
    with services.session() as session:
        for key in keys:
            checkin_store.add_anonymous(
                session, team="Platform", period_key=key, template_id=1, answers={"mood": "3", "fit": "yes"}
            )

    def left():
        with services.session() as session:
            return sorted(r[0] for r in session.execute(sa.text("SELECT period_key FROM anonymous_answers")))

    run_retention(services, days=None, now=now)
    assert left() == sorted(keys * 2)  # no window: kept
    done = run_retention(services, days=90, now=now)
    # Friday 28 August's daily period closed by Monday 31st; the week of 21 August by the 28th; the month of
    # 3 August (to the first Monday of September) and the week of 28 August may still have been open then.
    assert done.counts["anonymous_answers"] == 4
    assert left() == sorted(("m:2026-08-03", "w:2026-08-28", "d:2026-11-30", "w:junk") * 2)


def test_every_table_has_a_retention_rule_and_the_window_leaves_nothing_older_in_its_tables(world, engine):
    from tests.support import jobs_settled

    build_history(world)
    jobs_settled(world.services)  # a job finishing after the retention would be left for the next
    with Session(engine) as session:
        tables = set(sa.inspect(session.connection()).get_table_names())
    assert tables == set(erasure.RETENTION), "classify each table in storage/erasure.RETENTION"
    before = snapshot(engine)
    far = utcnow() + timedelta(days=3650)  # everything is older than any window then
    run_retention(world.services, days=60, now=far)
    after = snapshot(engine)
    for table, rule in erasure.RETENTION.items():
        if rule == "window" or rule.startswith("a day"):
            assert after.get(table, {}) == {}, table
        elif table == "jobs":
            assert not [j for j in after.get(table, {}).values() if j["state"] in ("done", "failed")]
        elif table not in ("scheduler_leases", "apscheduler_jobs"):
            assert after.get(table) == before.get(table), table  # kept as they were
    assert before["file_entries"] and before["sends"] and before["feedback"]  # there was something to remove


def test_the_retention_job_runs_daily_with_the_operators_window(runtime):
    from schedules.runner import RETENTION_JOB, SchedulerRunner

    runner = SchedulerRunner(runtime.services, tick_every=3600, retention_days=365)
    runner.step()
    try:
        job = runner.scheduler.get_job(RETENTION_JOB)
        assert job.kwargs == {"days": 365} and job.func_ref == "schedules.jobs:apply_retention"
        assert str(job.trigger) == "cron[hour='3', minute='47']"
    finally:
        runner.stop()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", None),
        ("365", 365),
        ("60", 60),
        ("59", SettingsError),
        ("a year", SettingsError),
        ("-5", SettingsError),
    ],
)
def test_the_retention_setting_is_optional_and_checked(value, expected):
    env = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "CHECKINS_RETENTION_DAYS": value}
    if expected is SettingsError:
        with pytest.raises(SettingsError, match=r"^CHECKINS_RETENTION_DAYS is malformed: .* >= 60"):
            load_settings(env, env_file=None)
    else:
        assert load_settings(env, env_file=None).retention_days == expected
