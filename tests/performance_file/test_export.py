"""Exports of a performance file, read back in every format and compared with the log; who may export whose;
and the CLI as an operator runs it."""

import csv
import io
import json
import re
from html.parser import HTMLParser

import pytest

from domain.performance_file.export import csv_value
from storage import file_entries, people
from tests.support import cli_env, csv_text, import_org, run_cli, slack_users, wait_for

TRICKY = 'Notes, "quoted"; a comma\nsecond line <script>alert(1)</script> ```fence``` ü € <!channel>'


@pytest.fixture
def world(world):
    """The team, and Lee, a manager in another team."""
    world.ids |= slack_users(world.sb, {"lee@acme.test": "UTC"})
    assert import_org(world.services, csv_text([["lee@acme.test", "", "Data", "manager", ""]])).ok
    return world


def log_of(services, email):
    """The file as stored, oldest first, in the shape every export is read back into."""
    with services.session() as session:
        person = people.get_by_email(session, email=email)
        rows = []
        for e in file_entries.list_for(session, person_id=person.id):
            author = people.get(session, person_id=e.author_id)
            rows.append(
                {
                    "id": e.id,
                    "time": e.created_at.isoformat(),
                    "kind": e.kind,
                    "author": author.email if author else None,
                    "text": e.text,
                    "data": e.data,
                    "private": e.private,
                }
            )
        return rows


def build_anas_file(world):
    """Every kind of entry: an org change, a check-in, a message, feedback (one of it private), a look."""
    sb, ids = world.sb, world.ids
    ana, bo, chen, maria = (
        ids[e] for e in ("ana@acme.test", "bo@acme.test", "chen@acme.test", "maria@acme.test")
    )
    sb.slash_command(ana, "/checkins", "")
    wait_for(lambda: "Check in now" in sb.transcript(ana))
    sb.click(ana, "checkin_open")
    wait_for(lambda: sb.open_views(ana))
    sb.submit_view(ana, {"mood": "4", "progress": "Billing & invoices, done"})
    wait_for(lambda: any(e["kind"] == "checkin" for e in log_of(world.services, "ana@acme.test")))
    sb.send_dm(ana, TRICKY)  # each step waits for the last: the app handles them concurrently
    wait_for(lambda: any(e["kind"] == "message" for e in log_of(world.services, "ana@acme.test")))
    sb.slash_command(bo, "/feedback", f"<@{ana}|ana> Great demo & clear notes")
    wait_for(lambda: any(e["kind"] == "feedback" for e in log_of(world.services, "ana@acme.test")))
    sb.slash_command(chen, "/feedback", f"<@{ana}|ana>")
    wait_for(lambda: sb.open_views(chen))
    sb.submit_view(chen, {"text": "Kept between us: slow down", "visibility": "recipient_only"})
    wait_for(
        lambda: len([e for e in log_of(world.services, "ana@acme.test") if e["kind"] == "feedback"]) == 2
    )
    sb.open_home(maria)
    wait_for(lambda: sb.home(maria))
    sb.select(maria, "home_file_switch", ana)
    wait_for(lambda: any(e["kind"] == "file_view" for e in log_of(world.services, "ana@acme.test")))
    log = log_of(world.services, "ana@acme.test")
    assert [e["kind"] for e in log] == [
        "org_change",
        "checkin",
        "message",
        "feedback",
        "feedback",
        "file_view",
    ]
    return log


def _author_email(text: str) -> str | None:
    match = re.search(r"<([^<>@\s]+@[^<>\s]+)>", text)
    return match.group(1) if match else None


def read_json(content: bytes) -> list[dict]:
    doc = json.loads(content)
    return [{**e, "author": e["author"]["email"] if e["author"] else None} for e in doc["entries"]]


def read_csv(content: bytes) -> list[dict]:
    """Read as a spreadsheet would show it: one leading apostrophe of a cell dropped."""
    reader = csv.DictReader(io.StringIO(content.decode("utf-8-sig"), newline=""))
    rows = [{k: csv_value(v) for k, v in r.items()} for r in reader]
    return [
        {
            "id": int(r["id"]),
            "time": r["time"],
            "kind": r["kind"],
            "author": r["author_email"] or None,
            "text": r["text"],
            "data": json.loads(r["data"]),
            "private": r["private"] == "true",
        }
        for r in rows
    ]


def read_md(content: bytes) -> list[dict]:
    text = content.decode()
    entries = []
    for section in text.split("\n## ")[1:]:
        head, rest = section.split("\n", 1)
        time, kind = re.fullmatch(r"(\S+) · .+ \(`([a-z_]+)`\)", head).groups()
        author_line = re.search(r"^- Author: (.*)$", rest, re.M).group(1)
        entry_line = re.search(r"^- Entry: (\d+)(.*)$", rest, re.M)
        body = re.search(r"^(`{3,})text\n(.*?)\n\1$", rest, re.M | re.S)
        data = re.search(r"^(`{3,})json\n(.*?)\n\1$", rest, re.M | re.S)
        entries.append(
            {
                "id": int(entry_line.group(1)),
                "time": time,
                "kind": kind,
                "author": _author_email(author_line),
                "text": body.group(2) if body else "",
                "data": json.loads(data.group(2)) if data else {},
                "private": "private" in entry_line.group(2),
            }
        )
    return entries


class _Articles(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.entries: list[dict] = []
        self.field: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "article":
            entry = {"id": int(attrs["id"].removeprefix("entry-")), "kind": attrs["data-kind"]}
            self.entries.append({**entry, "text": "", "data": {}, "meta": "", "pre": ""})
        elif tag == "time" and self.entries:
            self.entries[-1]["time"] = attrs["datetime"]
        elif tag == "p" and self.entries:
            self.field = "text" if attrs.get("class") == "text" else "meta"
        elif tag == "pre" and self.entries:
            self.field = "pre"

    def handle_endtag(self, tag):
        if tag in ("p", "pre"):
            self.field = None

    def handle_data(self, data):
        if self.field and self.entries:
            self.entries[-1][self.field] += data


def read_html(content: bytes) -> list[dict]:
    parser = _Articles()
    parser.feed(content.decode())
    return [
        {
            "id": e["id"],
            "time": e["time"],
            "kind": e["kind"],
            "author": _author_email(e["meta"]),
            "text": e["text"],
            "data": json.loads(e["pre"]) if e["pre"] else {},
            "private": "private (for" in e["meta"],
        }
        for e in parser.entries
    ]


READERS = {"json": read_json, "csv": read_csv, "md": read_md, "html": read_html}


def exported(sb, uid, count=1):
    files = wait_for(lambda: len(sb.files(uid)) >= count and sb.files(uid))
    return files[-1]


@pytest.mark.parametrize("fmt", ["md", "json", "csv", "html"])
def test_ones_own_export_in_every_format_reads_back_as_the_whole_log_in_order(world, fmt):
    sb, ana = world.sb, world.ids["ana@acme.test"]
    log = build_anas_file(world)
    assert sb.slash_command(ana, "/checkins", f"export {fmt}").status == 200
    file = exported(sb, ana)
    assert file["name"].startswith("performance-file-ana-") and file["name"].endswith(f".{fmt}")
    assert "Ana's performance file as" in file["initial_comment"] and "6 entries" in file["initial_comment"]
    assert file["channel"] == sb.dm_channel(ana)
    assert READERS[fmt](file["bytes"]) == log  # every entry, in order, with author, time, kind, text and data
    assert any(e["private"] for e in log)  # her own export has what was kept for her eyes
    wait_for(lambda: "It is in your DM with checkins" in sb.transcript(ana))
    assert log_of(world.services, "ana@acme.test") == log  # her own export is no look by someone else
    assert sb.problems == []


def test_html_and_markdown_exports_keep_what_people_wrote_inert(world):
    sb, ana = world.sb, world.ids["ana@acme.test"]
    build_anas_file(world)
    sb.slash_command(ana, "/checkins", "export html")
    page = exported(sb, ana)["bytes"].decode()
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    sb.slash_command(ana, "/checkins", "export")  # Markdown by default
    md = exported(sb, ana, 2)
    assert md["name"].endswith(".md")
    assert "````text\n" + TRICKY + "\n````" in md["bytes"].decode()  # a fence longer than the ``` inside


FORMULAS = ['=HYPERLINK("https://evil.test","click me")', "+1+2", "-2+3", "@SUM(A1:A2)", "'quoted"]


def test_a_csv_export_runs_no_formula_and_reads_back_what_people_wrote(world):
    sb, ana = world.sb, world.ids["ana@acme.test"]
    for n, text in enumerate(FORMULAS, start=1):
        sb.send_dm(ana, text)
        wait_for(
            lambda n=n: (
                len([e for e in log_of(world.services, "ana@acme.test") if e["kind"] == "message"]) == n
            )
        )
    log = log_of(world.services, "ana@acme.test")
    assert [e["text"] for e in log if e["kind"] == "message"] == FORMULAS
    sb.slash_command(ana, "/checkins", "export csv")
    content = exported(sb, ana)["bytes"]
    cells = [cell for row in csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")) for cell in row]
    assert cells and not [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r"))]
    assert "'=HYPERLINK(" in content.decode()
    assert read_csv(content) == log


def test_a_managers_export_of_a_report_leaves_out_private_entries_and_is_recorded(world):
    sb, ids = world.sb, world.ids
    ana, maria = ids["ana@acme.test"], ids["maria@acme.test"]
    log = build_anas_file(world)
    sb.slash_command(maria, "/checkins", f"export <@{ana}|ana> json")
    file = exported(sb, maria)
    assert file["channel"] == sb.dm_channel(maria) and sb.files(ana) == []
    doc = json.loads(file["bytes"])
    assert doc["includes_private_entries"] is False
    assert doc["exported_by"] == {"name": "Maria", "email": "maria@acme.test"}
    assert read_json(file["bytes"]) == [e for e in log if not e["private"]]
    assert "slow down" not in file["bytes"].decode()
    looks = [e for e in log_of(world.services, "ana@acme.test") if e["kind"] == "file_view"]
    assert [(e["author"], e["data"]) for e in looks[1:]] == [("maria@acme.test", {"via": "export"})]


@pytest.mark.parametrize(
    ("who", "text", "answer"),
    [
        ("bo@acme.test", "export <@{ana}|ana>", "Only this person, their manager or an HR admin"),
        ("lee@acme.test", "export <@{ana}|ana> csv", "Only this person, their manager or an HR admin"),
        ("ana@acme.test", "export <@{maria}|maria>", "Only this person, their manager or an HR admin"),
        ("ana@acme.test", "export pdf", "I did not follow that."),
        ("ana@acme.test", "export <@{bo}|bo> <@{chen}|chen>", "I did not follow that."),
    ],
)
def test_exports_one_may_not_have_are_refused_and_record_nothing(world, who, text, answer):
    sb, ids = world.sb, world.ids
    names = {e.split("@")[0]: uid for e, uid in ids.items()}
    uid = ids[who]
    before = {e: log_of(world.services, e) for e in ids}
    sb.slash_command(uid, "/checkins", text.format(**names))
    wait_for(lambda: answer in sb.transcript(uid))
    assert sb.files(uid) == [] and sb.calls_to("files.getUploadURLExternal") == []
    assert {e: log_of(world.services, e) for e in ids} == before


def test_an_admin_exports_anyones_file(world):
    sb, ids = world.sb, world.ids
    dee, lee = ids["dee@acme.test"], ids["lee@acme.test"]
    sb.slash_command(dee, "/checkins", f"export <@{lee}|lee> csv")
    rows = read_csv(exported(sb, dee)["bytes"])
    assert [r["kind"] for r in rows] == ["org_change"]
    looks = [e for e in log_of(world.services, "lee@acme.test") if e["kind"] == "file_view"]
    assert [(e["author"], e["data"]) for e in looks] == [("dee@acme.test", {"via": "export"})]


def test_the_cli_exports_anyones_complete_file_and_records_the_operators_look(world, tmp_path, database_url):
    log = build_anas_file(world)
    env = cli_env(world.sb, database_url)
    out = tmp_path / "ana.json"
    result = run_cli(
        ["file", "export", "ana@acme.test", "--format", "json", "--output", str(out)], env, tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert read_json(out.read_bytes()) == log  # private entries too: the operator holds the database anyway
    assert json.loads(out.read_bytes())["exported_by"] == "operator (command line)"
    looks = [e for e in log_of(world.services, "ana@acme.test") if e["kind"] == "file_view"]
    assert [(e["author"], e["data"]) for e in looks[1:]] == [(None, {"via": "cli"})]
    # to standard output, Markdown by default
    result = run_cli(["file", "export", "ANA@acme.test"], env, tmp_path)
    assert (
        result.returncode == 0
        and read_md(result.stdout.encode()) == log_of(world.services, "ana@acme.test")[:-1]
    )


@pytest.mark.parametrize(
    ("args", "status", "message"),
    [
        (["file", "export", "nobody@acme.test"], 1, "Error: nobody@acme.test is not in checkins"),
        (["file", "export", "ana@acme.test", "--format", "pdf"], 2, "Invalid value for '--format'"),
        (["file", "export", "ana@acme.test", "--output", "/nonexistent/dir/x.md"], 1, "cannot write"),
    ],
)
def test_cli_export_mistakes_end_in_a_clear_line_and_a_status(
    world, tmp_path, database_url, args, status, message
):
    result = run_cli(args, cli_env(world.sb, database_url), tmp_path)
    assert result.returncode == status
    assert message in result.stderr and "Traceback" not in result.stderr + result.stdout
