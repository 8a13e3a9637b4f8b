"""Who reads what, proven cell by cell: the README's table (The performance file and privacy) is READS below,
and each cell is read through the surface that person has. Ana is the person; Maria her manager; Lena
Maria's manager; Dee an HR admin (and Ana's colleague, which does not matter); Bo a colleague; the operator
runs the `checkins` CLI on the server."""

from pathlib import Path

import pytest

from domain.core.access import OPERATOR, is_admin
from domain.core.refusals import NotAllowed
from domain.goals.reading import overview
from domain.performance_file.entries import read, read_all, record
from domain.summaries.service import build, hr_summary
from message_templates.render import render_message
from schedules.jobs import run_tick
from storage import file_entries, people
from storage import goals as goal_store
from storage.models import EntryKind, Goal, GoalStatus, Person
from tests.summaries.test_summaries import CLOSED, PROMPTED, answer
from tests.support import cli_env, joined, run_cli, seed_team, slack_users, utc

READERS = [
    "the person",
    "their manager",
    "the manager's manager",
    "HR admins",
    "colleagues",
    "the operator's CLI",
]
# What each reader can read of the person's data; the README's table says the same, word for word.
READS = {
    "check-in answers": ["yes", "yes", "no", "yes", "no", "yes"],
    "thread messages": ["yes", "yes", "no", "yes", "no", "yes"],
    "private feedback": ["yes", "no", "no", "no", "no", "yes"],
    "review texts": ["yes", "yes", "no", "yes", "no", "yes"],
    "goals": ["yes", "yes", "no", "yes", "no", "yes"],
    "summaries": ["no", "yes", "team figures", "team figures", "no", "no"],
}
WHO = {
    "the person": "ana@acme.test",
    "their manager": "maria@acme.test",
    "the manager's manager": "lena@acme.test",
    "HR admins": "dee@acme.test",
    "colleagues": "bo@acme.test",
    "the operator's CLI": None,
}
SECRET = {
    "check-in answers": "Secret progress 5521",
    "thread messages": "Thread aside 7781",
    "private feedback": "Private praise 9932",
    "review texts": "Review musing 4410",
    "goals": "Goal title 3318",
    "summaries": "Blocked by 6604",  # Ana's blocker, in her check-in: what a summary can show of her
}


@pytest.fixture
def org(sandbox, runtime, database_url):
    """Ana's data, of every kind, made as the app makes it."""
    services = runtime.services
    seed_team(sandbox, services)
    (lena_uid,) = slack_users(sandbox, {"lena@acme.test": "UTC"}).values()
    with services.session() as session:
        lena = people.save(
            session,
            person=Person(slack_user_id=lena_uid, email="lena@acme.test", name="Lena", role="manager"),
        )
        people.get_by_email(session, email="maria@acme.test").manager_id = lena.id
    joined(services, utc(2026, 11, 14))
    run_tick(services, now=PROMPTED)
    ana_uid = sandbox_uid(services, "ana@acme.test")
    answer(services, ana_uid, {"progress": SECRET["check-in answers"], "blockers": SECRET["summaries"]})
    answer(services, sandbox_uid(services, "maria@acme.test"), {"progress": "Steady"})
    with services.session() as session:
        ana = people.get_by_email(session, email="ana@acme.test")
        chen = people.get_by_email(session, email="chen@acme.test")
        maria = people.get_by_email(session, email="maria@acme.test")
        record(session, person=ana, author=ana, kind=EntryKind.message, text=SECRET["thread messages"])
        record(
            session,
            person=ana,
            author=chen,
            kind=EntryKind.feedback,
            text=SECRET["private feedback"],
            private=True,
        )
        record(session, person=ana, author=maria, kind=EntryKind.review, text=SECRET["review texts"])
        goal = goal_store.add(
            session,
            goal=Goal(
                person_id=ana.id,
                team=ana.team,
                title=SECRET["goals"],
                kind="process",
                period="2026-Q4",
                starts_on=utc(2026, 10, 1).date(),
                due_on=utc(2026, 12, 31).date(),
                status=GoalStatus.active.value,
                version=1,
            ),
        )
        record(
            session,
            person=ana,
            author=ana,
            kind=EntryKind.goal_proposal,
            text=f"New goal proposed: {goal.title}",
            data={"goal_id": goal.id},
        )
    return services


def sandbox_uid(services, email):
    with services.session() as session:
        return people.get_by_email(session, email=email).slack_user_id


def reads(services, reader: str, kind: str, env, cwd) -> str:
    """What `reader` gets of Ana's `kind` through their surface: yes, no, or team figures (no one's own)."""
    email = WHO[reader]
    secret = SECRET[kind]
    with services.session() as session:
        ana = people.get_by_email(session, email="ana@acme.test")
        viewer = OPERATOR if email is None else people.get_by_email(session, email=email)
        if kind == "summaries":
            if email is None:  # the CLI sends summaries to managers; it shows none of them
                done = run_cli(["summary", "send"], env, cwd)
                return "yes" if secret in done.stdout + done.stderr else "no"
            shown = []
            summary = build(session, manager=viewer, cycle=None, now=CLOSED)
            if summary is not None:
                shown.append(str(render_message("summaries/manager.json.j2", summary=summary)))
            if is_admin(viewer):  # the HR channel
                cycle = build(
                    session, manager=people.get(session, person_id=ana.manager_id), cycle=None, now=CLOSED
                )
                hr = hr_summary(session, teams=[ana.team], cycle=cycle.cycle)
                shown.append(str(render_message("summaries/hr.json.j2", summary=hr)))
            text = " ".join(shown)
            if secret in text:
                return "yes"
            named = ana.name in text or ana.slack_user_id in text
            return "team figures" if "answered" in text and not named else "no"
        if kind == "goals" and email is not None:
            try:
                found = overview(
                    session,
                    viewer_slack_id=viewer.slack_user_id,
                    person_slack_id=ana.slack_user_id,
                    today=CLOSED.date(),
                )
            except NotAllowed:
                return "no"
            return "yes" if secret in [v.goal.title for v in found.goals] else "no"
        try:
            if email is None:
                entries = read_all(session, viewer=OPERATOR, person=ana, via="export").entries
            else:
                entries = read(session, viewer=viewer, person=ana, page_size=100).entries
        except NotAllowed:
            return "no"
        return "yes" if any(secret in e.text for e in entries) else "no"


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("kind", list(READS))
def test_who_reads_what(org, sandbox, database_url, tmp_path, kind, reader):
    expected = READS[kind][READERS.index(reader)]
    looks = file_views(org)
    assert reads(org, reader, kind, cli_env(sandbox, database_url), tmp_path) == expected
    # every read of her file by someone else is recorded in it (goals here are read through /goals, no file)
    file_read = kind not in ("summaries", "goals") or (kind == "goals" and WHO[reader] is None)
    readers = ("their manager", "HR admins", "the operator's CLI")
    assert file_views(org) == looks + (file_read and reader in readers)


def file_views(services) -> int:
    with services.session() as session:
        ana = people.get_by_email(session, email="ana@acme.test")
        return sum(e.kind == "file_view" for e in file_entries.list_for(session, person_id=ana.id))


def test_the_readmes_table_is_this_one():
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    header = "| data | " + " | ".join(READERS) + " |"
    assert header in readme
    for kind, cells in READS.items():
        assert f"| {kind} | " + " | ".join(cells) + " |" in readme, kind
