"""The Home tab through the sandbox: one's own file, a manager's switch to a report's, an admin's to anyone's;
who may look is decided from who clicked, and every look at someone else's file is recorded in it."""

import pytest

from storage import file_entries, people
from tests.support import csv_text, import_org, slack_users, wait_for


@pytest.fixture
def world(world):
    # A second team: Lee manages Kim. Maria manages neither.
    world.ids |= slack_users(world.sb, {"lee@acme.test": "UTC", "kim@acme.test": "UTC"})
    report = import_org(
        world.services,
        csv_text(
            [["lee@acme.test", "", "Data", "manager", ""], ["kim@acme.test", "lee@acme.test", "Data", "", ""]]
        ),
    )
    assert report.ok, report.errors
    return world


def views_of(services, email):
    """The file_view entries of a person's file: (viewer email or None, data)."""
    with services.session() as session:
        person = people.get_by_email(session, email=email)
        found = []
        for entry in file_entries.list_for(session, person_id=person.id):
            if entry.kind == "file_view":
                author = people.get(session, person_id=entry.author_id)
                found.append((author.email if author else None, entry.data))
        return found


def shown(sb, uid) -> str:
    return str((sb.home(uid) or {}).get("blocks", []))


def test_a_manager_switches_to_a_reports_file_and_the_look_is_recorded(world):
    sb, ids = world.sb, world.ids
    ana, maria = ids["ana@acme.test"], ids["maria@acme.test"]
    sb.send_dm(ana, "Parser shipped <!channel>")
    wait_for(lambda: any(e for e in file_entries_of(world, "ana@acme.test") if e.kind == "message"))
    sb.open_home(maria)
    home = wait_for(lambda: sb.home(maria))
    (switch,) = [b for b in home["blocks"] if b.get("block_id") == "file_switch"]
    select = switch["elements"][0]
    assert select["type"] == "static_select"
    assert [o["text"]["text"] for o in select["options"]] == ["Your own file", "Ana", "Bo", "Chen", "Dee"]
    assert "Parser shipped" not in shown(sb, maria)
    assert views_of(world.services, "ana@acme.test") == []

    assert sb.select(maria, "home_file_switch", ana).status == 200
    wait_for(lambda: "Parser shipped &lt;!channel&gt;" in shown(sb, maria))
    assert "reading <@" in shown(sb, maria) and "Performance file" in shown(sb, maria)
    assert views_of(world.services, "ana@acme.test") == [("maria@acme.test", {"page": 0, "via": "home"})]
    # Ana sees who looked, in her own file
    sb.open_home(ana)
    wait_for(lambda: "File viewed* · " in shown(sb, ana) and "by Maria" in shown(sb, ana))
    assert "file_switch" not in shown(sb, ana)  # no reports, not an admin: nothing to switch to

    sb.click(maria, "home_file_page_own")
    wait_for(lambda: "Your performance file" in shown(sb, maria))
    assert len(views_of(world.services, "ana@acme.test")) == 1  # going back to one's own file is no look
    assert sb.problems == []


def file_entries_of(world, email):
    with world.services.session() as session:
        return list(file_entries.list_for(session, person_id=people.get_by_email(session, email=email).id))


def test_paging_someone_elses_file_keeps_to_that_file_and_records_each_page(world):
    sb, ids = world.sb, world.ids
    bo, maria = ids["bo@acme.test"], ids["maria@acme.test"]
    for n in range(12):
        sb.send_dm(bo, f"bo note {n}")
    wait_for(lambda: len(file_entries_of(world, "bo@acme.test")) == 13)
    sb.open_home(maria)
    wait_for(lambda: sb.home(maria))
    sb.select(maria, "home_file_switch", bo)
    wait_for(lambda: shown(sb, maria).count("bo note ") == 10)  # the notes may be kept in any order
    sb.click(maria, "home_file_page_older")
    wait_for(lambda: "Joined" in shown(sb, maria))
    assert shown(sb, maria).count("bo note ") == 2
    assert [d["page"] for _, d in views_of(world.services, "bo@acme.test")] == [0, 1]


def test_an_admin_picks_anyones_file_and_someone_outside_the_org_is_refused_clearly(world):
    sb, ids = world.sb, world.ids
    dee, kim = ids["dee@acme.test"], ids["kim@acme.test"]
    sb.send_dm(kim, "Kim's quarterly numbers")
    wait_for(lambda: any(e.kind == "message" for e in file_entries_of(world, "kim@acme.test")))
    sb.open_home(dee)
    home = wait_for(lambda: sb.home(dee))
    (switch,) = [b for b in home["blocks"] if b.get("block_id") == "file_switch"]
    assert [e["type"] for e in switch["elements"]] == ["users_select"]  # Dee has no reports
    sb.select(dee, "home_file_switch_anyone", kim)
    wait_for(lambda: "Kim's quarterly numbers" in shown(sb, dee))
    assert views_of(world.services, "kim@acme.test") == [("dee@acme.test", {"page": 0, "via": "home"})]

    stranger = sb.add_user(email="x@elsewhere.test", real_name="X", name="x", tz="UTC")
    sb.select(dee, "home_file_switch_anyone", stranger)
    wait_for(lambda: "That person is not in checkins" in shown(sb, dee))
    assert "Your performance file" in shown(sb, dee)


@pytest.mark.parametrize(
    ("who", "whose"),
    [
        ("bo@acme.test", "ana@acme.test"),  # a colleague
        ("ana@acme.test", "maria@acme.test"),  # one's own manager
        ("lee@acme.test", "ana@acme.test"),  # a manager, not theirs
        ("maria@acme.test", "kim@acme.test"),  # a manager, of another team
    ],
)
def test_a_forged_click_for_a_file_one_may_not_read_is_refused_and_records_nothing(world, who, whose):
    sb, ids = world.sb, world.ids
    viewer, subject = ids[who], ids[whose]
    sb.send_dm(subject, "something only some may read")
    sb.send_dm(viewer, "hello")  # a DM message to send the forged click from
    wait_for(lambda: any(e.kind == "message" for e in file_entries_of(world, whose)))
    assert sb.forge_action(viewer, "home_file_page", value=f"{subject}:0").status == 200
    wait_for(lambda: "Only this person, their manager or an HR admin" in shown(sb, viewer))
    assert "something only some may read" not in shown(sb, viewer)
    assert "Your performance file" in shown(sb, viewer)
    assert views_of(world.services, whose) == []


def test_a_managers_view_of_a_report_leaves_out_feedback_kept_for_the_report(world):
    sb, ids = world.sb, world.ids
    ana, bo, maria = ids["ana@acme.test"], ids["bo@acme.test"], ids["maria@acme.test"]
    sb.slash_command(bo, "/feedback", f"<@{ana}|ana>")
    wait_for(lambda: sb.open_views(bo))
    sb.submit_view(bo, {"text": "Between us: slow down in reviews", "visibility": "recipient_only"})
    wait_for(lambda: any(e.kind == "feedback" for e in file_entries_of(world, "ana@acme.test")))
    sb.open_home(maria)
    wait_for(lambda: sb.home(maria))
    sb.select(maria, "home_file_switch", ana)
    wait_for(lambda: "reading <@" in shown(sb, maria))
    assert "slow down in reviews" not in shown(sb, maria)
    sb.open_home(ana)
    wait_for(lambda: "slow down in reviews" in shown(sb, ana) and "only you" in shown(sb, ana))
