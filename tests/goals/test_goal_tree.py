"""/goals tree through the sandbox: who sees which goals (others' personal goals as a count), the scopes
(company, a team, a person), and a 300-goal tree paged within Block Kit's limits."""

import csv
import json
import os
from pathlib import Path

from storage import people
from storage.models import Goal
from storage.types import utcnow
from tests.support import cli_env, run_cli, wait_for

YEAR = utcnow().year


def add(services, title, *, level="person", email=None, parent=None, team="Platform", progress=0.0) -> int:
    with services.session() as session:
        person = people.get_by_email(session, email=email) if email else None
        dee = people.get_by_email(session, email="dee@acme.test")
        goal = Goal(
            level=level,
            person_id=person.id if person else None,
            team=team if level != "company" else "",
            title=title,
            kind="process",
            period=str(YEAR),
            starts_on=utcnow().date().replace(month=1, day=1),
            due_on=utcnow().date().replace(month=12, day=31),
            parent_id=parent,
            status="active",
            progress=progress,
            current=100 * progress,
            created_by_id=(person or dee).id,
        )
        session.add(goal)
        session.flush()
        return goal.id


def tree_of(sb, uid, text="") -> str:
    before = len(sb.ephemerals(uid))
    sb.slash_command(uid, "/goals", f"tree {text}".strip())
    return str(wait_for(lambda: sb.ephemerals(uid)[before:])[-1])


def test_each_sees_the_tree_with_what_they_may_see_and_nothing_more(world):
    sb, services, ids = world.sb, world.services, world.ids
    company = add(services, "Company reach", level="company", progress=0.4)
    team = add(services, "Platform adoption", level="team", parent=company)
    add(services, "Ana migrates billing", email="ana@acme.test", parent=team, progress=0.5)
    add(services, "Bo writes the runbook", email="bo@acme.test", parent=team)
    add(services, "Maria hires two", email="maria@acme.test", parent=company)
    everything = ["Company reach", "Platform adoption", "Ana migrates billing", "Bo writes the runbook"]
    # an employee: company and team goals, their own, and others' as a count
    seen = tree_of(sb, ids["ana@acme.test"])
    assert all(t in seen for t in ["Company reach", "Platform adoption", "Ana migrates billing"])
    assert "Bo writes" not in seen and "Maria hires" not in seen
    assert "1 personal goal" in seen  # Bo's under the team goal, Maria's under the company's
    assert "▓▓▓▓░░░░░░ 40%" in seen and "Platform, Maria" in seen  # progress bars; a team goal's manager
    # a manager: their reports' and their own too; HR: everything
    seen = tree_of(sb, ids["maria@acme.test"])
    assert all(t in seen for t in [*everything, "Maria hires two"]) and "_1 personal goal" not in seen
    seen = tree_of(sb, ids["dee@acme.test"], "company")
    assert all(t in seen for t in [*everything, "Maria hires two"])
    # a team's tree; a person's goals with their parents up to the company
    seen = tree_of(sb, ids["chen@acme.test"], "team platform")
    assert "Platform adoption" in seen and "Company reach" not in seen and "2 personal goals" in seen
    seen = tree_of(sb, ids["maria@acme.test"], f"<@{ids['ana@acme.test']}|ana>")
    assert all(t in seen for t in ["Company reach", "Platform adoption", "Ana migrates billing"])
    assert "Bo writes" not in seen and "Maria hires" not in seen
    # someone else's personal tree stays theirs
    seen = tree_of(sb, ids["ana@acme.test"], f"<@{ids['bo@acme.test']}|bo>")
    assert "Bo writes" not in seen and "their managers and HR admins" in seen
    assert "no team called Nowhere" in tree_of(sb, ids["ana@acme.test"], "team Nowhere")
    # the Home tab: how my goals fit, from the company down to mine
    sb.open_home(ids["ana@acme.test"])
    home = wait_for(lambda: sb.home(ids["ana@acme.test"]))
    [fit] = [b["text"]["text"] for b in home["blocks"] if b.get("block_id") == "goals_fit"]
    assert fit.index("Company reach") < fit.index("Platform adoption") < fit.index("Ana migrates billing")
    assert "Bo writes" not in fit and "Maria hires" not in fit
    assert sb.problems == []


def company_of_300(services) -> list[str]:
    """10 company goals, each broken into 4 team goals, each into 6 personal ones; and 10 more alone."""
    titles = []
    for c in range(10):
        company = add(services, f"Company goal {c} " + "&<" * 30, level="company")
        titles.append(f"Company goal {c}")
        for t in range(4):
            team = add(services, f"Team goal {c}.{t}", level="team", parent=company)
            titles.append(f"Team goal {c}.{t}")
            for p in range(6):
                email = ["ana", "bo", "chen", "maria"][p % 4] + "@acme.test"
                add(services, f"Personal goal {c}.{t}.{p}", email=email, parent=team, progress=p / 5)
                titles.append(f"Personal goal {c}.{t}.{p}")
    assert len(titles) == 290
    for n in range(10):
        add(services, f"Loose goal {n}", level="company")
        titles.append(f"Loose goal {n}")
    return titles


def test_a_300_goal_tree_is_paged_within_block_kit_limits(world):
    sb, services, ids = world.sb, world.services, world.ids
    dee = ids["dee@acme.test"]
    titles = company_of_300(services)
    seen = tree_of(sb, dee)
    pages = [seen]
    while "goal_tree_page_next" in pages[-1]:
        sb.click(dee, "goal_tree_page_next")
        page = f"page {len(pages) + 1} of"
        pages.append(
            str(wait_for(lambda page=page: [m for m in sb.ephemerals(dee)[-1:] if page in str(m)])[0])
        )
    assert len(pages) == 6  # 300 goals, 50 a page
    shown = " ".join(pages)
    assert (
        all(f"*{t}" in shown for t in titles if not t.startswith("Company"))
        and shown.count("Company goal") == 10
    )
    for page in sb.ephemerals(dee)[-1:]:
        assert len(page["blocks"]) <= 50
        assert all(len(b.get("text", {}).get("text", "")) <= 3000 for b in page["blocks"])
    sb.click(dee, "goal_tree_page_prev")
    wait_for(lambda: "page 5 of 6" in str(sb.ephemerals(dee)[-1]))
    sb.click(dee, "goal_tree_png")  # the whole tree as an image, in the DM
    # 300 goals drawn by matplotlib (imported for it) take seconds on a loaded machine: wait as a person would
    [image] = wait_for(lambda: sb.files(dee), timeout=30)
    assert image["name"] == "goal-tree.png"
    assert sb.problems == []


def test_the_whole_tree_exported_as_png_csv_and_json_with_every_node(world, sandbox, database_url, tmp_path):
    titles = company_of_300(world.services)
    env = cli_env(sandbox, database_url)
    for fmt in ("csv", "json", "png"):
        out = tmp_path / f"tree.{fmt}"
        result = run_cli(["goals", "tree", "--format", fmt, "--output", str(out)], env, tmp_path)
        assert result.returncode == 0, result.stderr
        assert "300 goals written" in result.stderr
    rows = list(csv.DictReader((tmp_path / "tree.csv").open(encoding="utf-8")))
    assert len(rows) == 300 and {r["title"] for r in rows} >= {t for t in titles if "Company" not in t}
    assert sum(1 for r in rows if r["parent_id"] == "") == 20  # the company's goals, at the top
    body = json.loads((tmp_path / "tree.json").read_text(encoding="utf-8"))
    assert len(body["goals"]) == 300 and body["scope"] == "company"
    png = (tmp_path / "tree.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert width == 1300 and height >= 300 * 25  # a row of ~26 pixels a goal: text stays 9 points
    if keep := os.environ.get("CHECKINS_KEEP_TREE_PNG"):  # to look at it
        Path(keep).write_bytes(png)
    team = run_cli(["goals", "tree", "--team", "Platform", "--format", "json"], env, tmp_path)
    assert len(json.loads(team.stdout)["goals"]) == 280  # the 40 team goals and their 240 personal ones
    assert "no team called Nowhere" in run_cli(["goals", "tree", "--team", "Nowhere"], env, tmp_path).stderr
