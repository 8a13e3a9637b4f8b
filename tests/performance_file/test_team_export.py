"""A whole team's files at once: a zip with one file per person, for HR admins in Slack and for the operator;
each file read back from the zip, every look recorded, and who may not (or which team is not) refused."""

import csv
import io
import json
import zipfile

import pytest

from tests.performance_file.test_export import FORMULAS, READERS, build_anas_file, exported, log_of, read_csv
from tests.support import cli_env, csv_text, import_org, run_cli, slack_users, wait_for

PLATFORM = ["maria@acme.test", "ana@acme.test", "bo@acme.test", "chen@acme.test", "dee@acme.test"]


@pytest.fixture
def world(world):
    """The team (Platform; Dee is an HR admin in it), and Lee, a manager in another team (R&D)."""
    world.ids |= slack_users(world.sb, {"lee@acme.test": "UTC"})
    assert import_org(world.services, csv_text([["lee@acme.test", "", "R&D", "manager", ""]])).ok
    return world


def unzipped(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def slug(email: str) -> str:
    return email.split("@")[0]


def looks_in(log) -> list[tuple]:
    return [(e["author"], e["data"]) for e in log if e["kind"] == "file_view"]


def looks(services, email) -> list[tuple]:
    return looks_in(log_of(services, email))


def test_an_hr_admin_gets_a_teams_files_in_one_zip_each_file_whole_and_each_look_recorded(world):
    sb, ids = world.sb, world.ids
    dee, ana = ids["dee@acme.test"], ids["ana@acme.test"]
    build_anas_file(world)
    for n, text in enumerate(FORMULAS, start=1):  # what a spreadsheet would run, in a teammate's words
        sb.send_dm(ana, text)
        wait_for(
            lambda n=n: (
                len([e for e in log_of(world.services, "ana@acme.test") if e["kind"] == "message"]) == n + 1
            )
        )
    before = {email: log_of(world.services, email) for email in PLATFORM}
    sb.slash_command(dee, "/checkins", "export team Platform csv")
    file = exported(sb, dee)
    assert file["channel"] == sb.dm_channel(dee) and file["name"].startswith("performance-files-Platform-")
    assert file["name"].endswith(".zip")
    assert "Platform's performance files as CSV, one per person in a zip: 5 files" in file["initial_comment"]
    files = unzipped(file["bytes"])
    assert sorted(files) == sorted(n for n in files if n.endswith(".csv")) and len(files) == 5
    for email in PLATFORM:
        [name] = [n for n in files if n.startswith(f"performance-file-{slug(email)}-")]
        mine = email == "dee@acme.test"  # her own file: what was kept for her eyes too
        assert read_csv(files[name]) == [e for e in before[email] if mine or not e["private"]], email
        cells = [
            c for row in csv.reader(io.StringIO(files[name].decode("utf-8-sig"), newline="")) for c in row
        ]
        assert not [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r"))]
        assert looks(world.services, email) == looks_in(before[email]) + (
            [] if mine else [("dee@acme.test", {"via": "export"})]
        )
    assert "slow down" not in str(files)  # Chen's feedback kept for Ana alone
    assert "'=HYPERLINK(" in files[next(n for n in files if "-ana-" in n)].decode()
    wait_for(lambda: "It is in your DM with checkins" in sb.transcript(dee))
    assert sb.files(ana) == [] and sb.problems == []


def test_a_team_is_found_whatever_its_case_and_its_files_come_as_markdown_by_default(world):
    sb, dee = world.sb, world.ids["dee@acme.test"]
    sb.slash_command(dee, "/checkins", "export team r&amp;d")  # as Slack sends what was typed: escaped
    file = exported(sb, dee)
    assert file["name"].startswith("performance-files-R_D-")
    files = unzipped(file["bytes"])
    assert list(files) == [n for n in files if n.startswith("performance-file-lee-") and n.endswith(".md")]
    assert [e["kind"] for e in READERS["md"](files[next(iter(files))])] == ["org_change"]
    assert "R&amp;D's performance files as Markdown" in file["initial_comment"]
    assert "1 file," in file["initial_comment"]


@pytest.mark.parametrize(
    ("who", "text", "answer"),
    [
        ("maria@acme.test", "export team Platform", "Only HR admins can export a whole team's files."),
        ("ana@acme.test", "export team Platform csv", "Only HR admins can export a whole team's files."),
        ("lee@acme.test", "export team Nope", "Only HR admins can export a whole team's files."),
        (
            "dee@acme.test",
            "export team Nope <b>",
            'There is no team called "Nope <b>" in checkins. The teams are: Platform, R&D.',
        ),
        ("dee@acme.test", "export team", "Which team?"),
    ],
)
def test_team_exports_one_may_not_have_or_of_no_team_are_refused_and_record_nothing(world, who, text, answer):
    sb, ids = world.sb, world.ids
    uid = ids[who]
    before = {e: log_of(world.services, e) for e in ids}
    sb.slash_command(uid, "/checkins", text)
    wait_for(lambda: answer in sb.transcript(uid))
    assert sb.files(uid) == [] and sb.calls_to("files.getUploadURLExternal") == []
    assert {e: log_of(world.services, e) for e in ids} == before


def test_the_cli_writes_a_teams_complete_files_to_a_zip_and_records_the_operators_looks(
    world, tmp_path, database_url
):
    build_anas_file(world)
    before = {email: log_of(world.services, email) for email in PLATFORM}
    out = tmp_path / "team.zip"
    args = ["file", "export", "--team", "Platform", "--format", "json", "--output", str(out)]
    result = run_cli(args, cli_env(world.sb, database_url), tmp_path)
    assert result.returncode == 0, result.stderr
    entries = sum(len(log) for log in before.values())
    assert result.stderr.strip() == f"5 files of team Platform ({entries} entries) written to {out}"
    files = unzipped(out.read_bytes())
    assert len(files) == 5
    for email in PLATFORM:
        [name] = [
            n for n in files if n.startswith(f"performance-file-{slug(email)}-") and n.endswith(".json")
        ]
        doc = json.loads(files[name])
        assert doc["exported_by"] == "operator (command line)" and doc["includes_private_entries"] is True
        assert READERS["json"](files[name]) == before[email]  # private entries too, as for one file
        assert looks(world.services, email) == [*looks_in(before[email]), (None, {"via": "cli"})]


@pytest.mark.parametrize(
    ("args", "status", "message"),
    [
        (["--team", "Nope", "--output", "t.zip"], 1, 'Error: There is no team called "Nope" in checkins.'),
        (["--team", "Platform"], 2, "a team's files are a zip: give --output FILE.zip"),
        (
            ["ana@acme.test", "--team", "Platform", "--output", "t.zip"],
            2,
            "give a person's EMAIL, or --team NAME",
        ),
        ([], 2, "give a person's EMAIL, or --team NAME"),
    ],
)
def test_cli_team_export_mistakes_end_in_a_clear_line_and_a_status(
    world, tmp_path, database_url, args, status, message
):
    result = run_cli(["file", "export", *args], cli_env(world.sb, database_url), tmp_path)
    assert result.returncode == status
    assert message in result.stderr and "Traceback" not in result.stderr + result.stdout
    assert not (tmp_path / "t.zip").exists()
