"""The chart in a summary's thread: mood and goal progress over the cycle's check-in periods, as a PNG."""

import io
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from domain.summaries.figures import Summary


def chart_png(summary: "Summary") -> bytes | None:
    """None when there is nothing to draw yet."""
    labels = [label for label, _ in summary.mood_series]
    moods = [mood for _, mood in summary.mood_series]
    progress = [value for _, value in summary.goal_series]
    if not any(m is not None for m in moods) and not any(p is not None for p in progress):
        return None
    # Imported here: matplotlib costs every process that imports the app ~50 MiB and ~1 s (every CLI
    # command). Not pyplot: no global state shared between threads. Fixed margins: tight_layout doubles
    # the time. A Figure renders to memory without a display.
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7, 4.2), dpi=90)
    figure.subplots_adjust(left=0.1, right=0.97, top=0.9, bottom=0.2, hspace=0.15)
    mood_axes, goal_axes = figure.subplots(2, 1, sharex=True)
    x = range(len(labels))
    mood_axes.plot(x, [m if m is not None else float("nan") for m in moods], marker="o", color="#2b7a78")
    mood_axes.set_ylim(0.5, 5.5)
    mood_axes.set_ylabel("mood (1-5)")
    mood_axes.grid(alpha=0.3)
    goal_axes.plot(x, [p if p is not None else float("nan") for p in progress], marker="s", color="#3d5a80")
    goal_axes.set_ylim(-5, 105)
    goal_axes.set_ylabel("goal progress (%)")
    goal_axes.grid(alpha=0.3)
    goal_axes.set_xticks(list(x), labels, rotation=45, ha="right", fontsize=8)
    figure.suptitle(f"{summary.figures.name}: {summary.cycle.label}", fontsize=10)
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()
