"""The chart in a manager's summary thread: the team's mood with a line per report, and goal progress, over
the cycle's check-in periods, as a PNG. It goes to the manager only (their DM): it names their reports."""

import io
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from domain.summaries.figures import Summary

# A style per person, told apart by colour, dash and marker, never by colour alone.
COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf")
DASHES = ("-", "--", ":", "-.")
MARKERS = ("o", "s", "^", "D", "v", "P")
STYLES = [
    (colour, dash, MARKERS[(i + j) % len(MARKERS)])
    for j, dash in enumerate(DASHES)
    for i, colour in enumerate(COLOURS)
]
SPREAD = 0.24  # people on the same mood are drawn this far apart at most, so no line hides another
NAME = 22  # characters of a name in the legend


def style(index: int) -> tuple[str, str, str]:
    """(colour, dash, marker) of the index-th person: all distinct for the first 32, then repeating."""
    return STYLES[index % len(STYLES)]


def offsets(count: int) -> list[float]:
    """Small vertical offsets, centred on 0, one per person."""
    if count <= 1:
        return [0.0] * count
    step = min(0.06, SPREAD / (count - 1))
    return [(i - (count - 1) / 2) * step for i in range(count)]


def chart_png(summary: "Summary") -> bytes | None:
    """None when there is nothing to draw yet."""
    if not summary.chartable:
        return None
    labels = [label for label, _ in summary.mood_series]
    people = [(p, moods) for p, moods in summary.people_series if any(m is not None for m in moods)]
    # Imported here: matplotlib costs every process that imports the app ~50 MiB and ~1 s (every CLI
    # command). Not pyplot: no global state shared between threads. Fixed margins: tight_layout doubles
    # the time. A Figure renders to memory without a display.
    from matplotlib.figure import Figure

    legend_columns = 1 if len(people) <= 14 else 2
    width = 7 + (2.2 * legend_columns if people else 0)
    height = max(4.6, 2.6 + 0.2 * -(-len(people) // legend_columns))
    figure = Figure(figsize=(width, height), dpi=90)
    right = 1 - (2.2 * legend_columns + 0.2) / width if people else 0.97
    figure.subplots_adjust(left=0.7 / width, right=right, top=0.9, bottom=0.17, hspace=0.15)
    mood_axes, goal_axes = figure.subplots(2, 1, sharex=True, height_ratios=(3, 2))
    x = list(range(len(labels)))
    for (person, moods), dy, n in zip(people, offsets(len(people)), range(len(people)), strict=True):
        colour, dash, marker = style(n)
        mood_axes.plot(
            x,
            [m + dy if m is not None else float("nan") for m in moods],
            linestyle=dash,
            marker=marker,
            markersize=4,
            linewidth=1.2,
            color=colour,
            alpha=0.9,
            label=person.name[:NAME],
        )
    team = [m if m is not None else float("nan") for _, m in summary.mood_series]
    mood_axes.plot(x, team, color="#222222", linewidth=3, marker="o", label="team average", zorder=3)
    mood_axes.set_ylim(0.5, 5.5)
    mood_axes.set_yticks([1, 2, 3, 4, 5])
    mood_axes.set_ylabel("mood (1-5)")
    mood_axes.grid(alpha=0.3)
    if people:
        mood_axes.legend(
            loc="upper left",
            bbox_to_anchor=(1.01, 1.0),
            fontsize=7,
            ncol=legend_columns,
            frameon=False,
            title="lines a little apart\nwhere moods are equal",
            title_fontsize=6,
        )
    progress = [p if p is not None else float("nan") for _, p in summary.goal_series]
    goal_axes.plot(x, progress, marker="s", color="#3d5a80")
    goal_axes.set_ylim(-5, 105)
    goal_axes.set_ylabel("goal progress (%)")
    goal_axes.grid(alpha=0.3)
    goal_axes.set_xticks(x, labels, rotation=45, ha="right", fontsize=8)
    figure.suptitle(f"{summary.figures.name}: {summary.cycle.label}", fontsize=10)
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()
