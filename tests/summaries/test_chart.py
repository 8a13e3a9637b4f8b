"""The chart in a summary's thread: a PNG once there is a mood or a progress to draw, nothing before."""

from types import SimpleNamespace

from domain.summaries.chart import chart_png


def summary(moods, progress):
    return SimpleNamespace(
        mood_series=[(f"{n} Nov", m) for n, m in enumerate(moods, start=1)],
        goal_series=[(f"{n} Nov", p) for n, p in enumerate(progress, start=1)],
        figures=SimpleNamespace(name="Platform"),
        cycle=SimpleNamespace(label="check-ins of Fri 20 Nov"),
    )


def test_nothing_to_draw_yet_is_no_chart():
    assert chart_png(summary([None, None], [None, None])) is None
    assert chart_png(summary([], [])) is None


def test_a_mood_or_a_progress_makes_a_png():
    for moods, progress in (([3.5, None], [None, None]), ([None, None], [None, 40.0]), ([4.0], [55.0])):
        png = chart_png(summary(moods, progress))
        assert png is not None and png[:8] == b"\x89PNG\r\n\x1a\n"
