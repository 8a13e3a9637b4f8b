"""Org import and sync, through the sandbox's Web API."""

import math

import pytest

from domain.org import directory
from domain.org import service as org
from storage import file_entries, people
from tests.support import TEAM, TEAM_CSV, csv_text, import_org, seed_team, slack_users


@pytest.fixture
def services(runtime):
    return runtime.services


def _people(services):
    with services.session() as session:
        return {p.email: p for p in people.list_all(session)}


def test_import_resolves_slack_ids_managers_roles_and_time_zones(sandbox, services):
    ids = seed_team(sandbox, services)
    found = _people(services)
    assert set(found) == set(TEAM)
    maria, ana, bo = found["maria@acme.test"], found["ana@acme.test"], found["bo@acme.test"]
    assert ana.slack_user_id == ids["ana@acme.test"]
    assert ana.manager_id == maria.id and maria.manager_id is None
    assert maria.role == "manager" and ana.role == "employee" and found["dee@acme.test"].role == "admin"
    # empty time zone: the Slack profile's; a given one wins and is kept by sync
    assert ana.timezone == "America/Sao_Paulo" and not ana.timezone_pinned
    assert bo.timezone == "Europe/Berlin" and bo.timezone_pinned
    assert ana.name == "Ana"
    # five people: one lookup each is quicker than reading the directory
    assert (len(sandbox.calls_to("users.lookupByEmail")), len(sandbox.calls_to("users.list"))) == (5, 0)


def test_reimport_updates_and_never_duplicates(sandbox, services):
    seed_team(sandbox, services)
    moved = TEAM_CSV.replace("chen@acme.test,maria@acme.test,Platform", "chen@acme.test,maria@acme.test,Data")
    report = import_org(services, moved)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 4)
    found = _people(services)
    assert len(found) == 5
    assert found["chen@acme.test"].team == "Data"
    with services.session() as session:
        kinds = [e.text for e in file_entries.list_for(session, person_id=found["chen@acme.test"].id)]
    assert kinds == ["Joined: team Platform, manager Maria", "Moved: team Data, manager Maria"]


def test_a_bad_file_is_reported_row_by_row_and_nothing_is_imported(sandbox, services):
    slack_users(sandbox, {"a@acme.test": "UTC", "b@acme.test": "UTC", "c@acme.test": "UTC"})
    text = csv_text(
        [
            ["a@acme.test", "b@acme.test", "T", "", ""],
            ["b@acme.test", "c@acme.test", "T", "", ""],
            ["c@acme.test", "a@acme.test", "T", "", ""],  # a -> b -> c -> a
            ["ghost@acme.test", "", "T", "", ""],  # no such Slack user
            ["d@acme.test", "nobody@acme.test", "T", "boss", "Mars/Olympus"],
        ]
    )
    report = import_org(services, text)
    messages = [str(e) for e in report.errors]
    assert any(m.startswith("line 2 (a@acme.test): cycle in the management chain") for m in messages)
    assert "line 5 (ghost@acme.test): no active Slack user has this email (none, or deactivated)" in messages
    assert "line 6 (d@acme.test): unknown manager nobody@acme.test" in messages
    assert any(m.startswith("line 6 (d@acme.test): unknown role 'boss'") for m in messages)
    assert any(m.startswith("line 6 (d@acme.test): unknown time zone 'Mars/Olympus'") for m in messages)
    assert _people(services) == {}


def test_an_unknown_column_stops_the_import(services):
    text = csv_text(
        [["a@acme.test", "", "T", "", "", "x"]], header=[*TEAM_CSV.split("\n")[0].split(","), "salary"]
    )
    report = import_org(services, text)
    assert [str(e) for e in report.errors] == ["line 1: unknown column(s): salary"]
    assert _people(services) == {}


def test_a_bad_row_in_a_reimport_leaves_the_stored_org_untouched(sandbox, services):
    seed_team(sandbox, services)
    before = {e: (p.team, p.manager_id) for e, p in _people(services).items()}
    broken = TEAM_CSV.replace("Platform", "Renamed") + "eve@acme.test,maria@acme.test,X,,\n"
    report = import_org(services, broken)
    assert not report.ok
    assert {e: (p.team, p.manager_id) for e, p in _people(services).items()} == before


def test_sync_refreshes_names_zones_and_deactivations_across_pages(sandbox, services):
    ids = seed_team(sandbox, services)
    for n in range(450):  # several users.list pages of strangers around our people
        sandbox.add_user(email=f"other{n}@acme.test", real_name=f"Other {n}", name=f"other{n}", tz="UTC")
    sandbox.update_user(ids["ana@acme.test"], real_name="Ana Souza", tz="Europe/Lisbon")
    sandbox.update_user(ids["bo@acme.test"], tz="Asia/Kolkata")  # pinned by the CSV: kept
    sandbox.update_user(ids["chen@acme.test"], deleted=True)
    with services.session() as session:
        report = org.sync(session, services.gateway)
    assert (report.updated, report.deactivated, report.not_in_slack) == (2, 1, 0)
    found = _people(services)
    assert found["ana@acme.test"].name == "Ana Souza"
    assert found["ana@acme.test"].timezone == "Europe/Lisbon"
    assert found["bo@acme.test"].timezone == "Europe/Berlin"
    assert found["chen@acme.test"].active is False
    assert sum(1 for c in sandbox.calls if c.method == "users.list") >= 3


def _org_of(n: int, team: str = "T") -> tuple[dict[str, str], str]:
    """n people reporting to the first; email -> time zone, and their CSV."""
    zones = {f"p{i:04d}@acme.test": "Europe/Paris" for i in range(n)}
    boss = next(iter(zones))
    rows = [[e, "" if e == boss else boss, team, "", ""] for e in zones]
    return zones, csv_text(rows)


def test_a_large_import_reads_the_directory_once_and_looks_no_one_up(sandbox, services):
    for n in range(430):  # strangers around our people: several pages
        sandbox.add_user(email=f"other{n}@acme.test")
    zones, text = _org_of(40)
    ids = slack_users(sandbox, zones)
    report = import_org(services, text)
    assert report.ok and report.created == 40
    assert {e: p.slack_user_id for e, p in _people(services).items()} == ids
    listed = sandbox.calls_to("users.list")
    members = 430 + 40 + 2  # and the app's bot and Slackbot
    assert len(listed) == math.ceil(members / directory.PAGE_SIZE) == 3
    assert {int(c.args["limit"]) for c in listed} == {200}
    assert sandbox.calls_to("users.lookupByEmail") == []


def test_a_deactivated_account_is_a_clear_error_row_and_nothing_is_imported(sandbox, services):
    zones, text = _org_of(12)
    ids = slack_users(sandbox, zones)
    sandbox.update_user(ids["p0005@acme.test"], deleted=True)
    report = import_org(services, text)
    assert [str(e) for e in report.errors] == ["line 7 (p0005@acme.test): this Slack account is deactivated"]
    assert _people(services) == {}


def test_an_import_of_a_few_looks_up_and_says_a_deactivated_account_may_be_why(sandbox, services):
    zones, text = _org_of(3)
    ids = slack_users(sandbox, zones)
    sandbox.update_user(ids["p0002@acme.test"], deleted=True)  # lookupByEmail: users_not_found, as Slack
    report = import_org(services, text)
    assert [str(e) for e in report.errors] == [
        "line 4 (p0002@acme.test): no active Slack user has this email (none, or deactivated)"
    ]


class _JoinsMeanwhile:
    """The real gateway, with someone joining Slack once the directory has been read."""

    def __init__(self, gateway, join):
        self.gateway, self.join = gateway, join

    def iter_users(self, **kwargs):
        yield from self.gateway.iter_users(**kwargs)
        self.join()

    def __getattr__(self, name):
        return getattr(self.gateway, name)


def test_someone_the_directory_did_not_list_is_looked_up(sandbox, services):
    zones, text = _org_of(15)
    late = "p0014@acme.test"
    ids = slack_users(sandbox, {e: z for e, z in zones.items() if e != late})
    gateway = _JoinsMeanwhile(services.gateway, lambda: ids.update(slack_users(sandbox, {late: "UTC"})))
    with services.session() as session:
        report = org.import_csv(session, gateway, text)
    assert report.ok and report.created == 15
    assert _people(services)[late].slack_user_id == ids[late]
    assert [c.args["email"] for c in sandbox.calls_to("users.lookupByEmail")] == [late]
