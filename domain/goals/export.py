"""The whole goal tree of the company or a team as a file: CSV and JSON with every node, a PNG to look at.

The PNG: a row a goal, indented level by level, with its owner and a progress bar coloured by status;
readable at 100 % zoom for a few hundred goals (the image grows in height, never shrinks its text).
"""

import csv
import io
import json
from typing import Any

from domain.goals.tree import Node, Tree

FORMATS = ("png", "csv", "json")
FIELDS = [
    "id",
    "parent_id",
    "depth",
    "level",
    "title",
    "owner",
    "team",
    "period",
    "due_on",
    "weight",
    "progress",
    "status",
    "rolls_up",
    "hidden_personal_goals",
]
STATUS_COLOURS = {"on track": "#3d8b5a", "at risk": "#c0392b", "done": "#2b5f8a"}
ROW_INCHES = 0.26  # 9-point text with air: ~26 px a row at 100 dpi


def row(node: Node) -> dict[str, Any]:
    goal = node.goal
    return {
        "id": goal.id,
        "parent_id": goal.parent_id,
        "depth": node.depth,
        "level": goal.level,
        "title": goal.title,
        "owner": node.owner,
        "team": goal.team,
        "period": goal.period,
        "due_on": goal.due_on.isoformat(),
        "weight": goal.weight,
        "progress": node.progress,
        "status": node.status_label,
        "rolls_up": goal.rollup,
        "hidden_personal_goals": node.hidden,
    }


def to_csv(tree: Tree) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=FIELDS)
    writer.writeheader()
    for node in tree.nodes:
        # A title starting with = + - @ would be a formula in a spreadsheet: quoted as text.
        writer.writerow({k: _cell(v) for k, v in row(node).items()})
    return out.getvalue().encode("utf-8")


def _cell(value: Any) -> Any:
    return f"'{value}" if isinstance(value, str) and value[:1] in ("=", "+", "-", "@") else value


def to_json(tree: Tree) -> bytes:
    body = {"scope": tree.scope, "name": tree.name, "goals": [row(n) for n in tree.nodes]}
    return json.dumps(body, ensure_ascii=False, indent=2).encode("utf-8")


def to_png(tree: Tree) -> bytes:
    # Imported here, as in domain/summaries/chart.py: matplotlib costs every process importing the app
    # ~50 MiB. A Figure renders to memory, with no pyplot state shared between threads.
    from matplotlib.figure import Figure

    rows = max(1, len(tree.nodes))
    inches = ROW_INCHES * rows + 0.9  # fixed margins in inches, whatever the height
    figure = Figure(figsize=(13, inches), dpi=100)
    top, bottom = 1 - 0.6 / inches, 0.3 / inches
    text_axes = figure.add_axes((0.01, bottom, 0.69, top - bottom))
    bar_axes = figure.add_axes((0.71, bottom, 0.27, top - bottom), sharey=text_axes)
    text_axes.set_axis_off()
    text_axes.set_xlim(0, 1)
    text_axes.set_ylim(rows - 0.5, -0.5)  # the first goal on top
    for y, node in enumerate(tree.nodes):
        title = node.goal.title if len(node.goal.title) <= 70 else node.goal.title[:69] + "…"
        hidden = f" (+{node.hidden} personal)" if node.hidden else ""
        weight = "bold" if node.depth == 0 else "normal"
        text_axes.text(
            0.03 * min(node.depth, 8), y, f"{'└ ' if node.depth else ''}{title}", va="center", fontsize=9,
            fontweight=weight,
        )  # fmt: skip
        text_axes.text(
            0.99, y, f"{node.owner[:40]}{hidden}", va="center", ha="right", fontsize=8, color="#555"
        )
    bar_axes.barh(
        range(len(tree.nodes)),
        [n.progress for n in tree.nodes],
        color=[STATUS_COLOURS.get(n.status_label, "#888") for n in tree.nodes],
        height=0.6,
    )
    for y, node in enumerate(tree.nodes):
        bar_axes.text(min(node.progress, 88) + 1, y, f"{node.progress}%", va="center", fontsize=8)
    bar_axes.set_xlim(0, 100)
    bar_axes.tick_params(axis="y", left=False, labelleft=False)
    bar_axes.tick_params(axis="x", labelsize=8, top=True, labeltop=True)
    bar_axes.grid(axis="x", alpha=0.3)
    title = f"{tree.title}: goal tree, {len(tree.nodes)} goals"
    figure.suptitle(title, fontsize=11, x=0.01, y=1 - 0.12 / inches, ha="left", va="top")
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()


def render(tree: Tree, fmt: str) -> bytes:
    return {"png": to_png, "csv": to_csv, "json": to_json}[fmt](tree)
