"""The chart in a summary's thread: a PNG once there is a mood or a progress to draw, nothing before; a line
per person, each in its own style."""

import io

from domain.summaries import chart
from domain.summaries.chart import chart_png
from domain.summaries.cycles import period_cycle_of
from domain.summaries.figures import Summary, figures
from storage.models import Person
from tests.support import utc


def summary(moods, progress, people=()):
    manager = Person(id=1, slack_user_id="UMARIA", email="maria@acme.test", name="Maria", team="Platform")
    return Summary(
        manager=manager,
        cycle=period_cycle_of("2026-W47", utc(2026, 11, 20), utc(2026, 11, 23)),
        so_far=False,
        lines=[],
        figures=figures("Platform", [], [], 0, {}),
        mood_before=None,
        mood_series=[(f"{n} Nov", m) for n, m in enumerate(moods, start=1)],
        attention=[],
        goals=[],
        goal_series=[(f"{n} Nov", p) for n, p in enumerate(progress, start=1)],
        pending=[],
        people_series=list(people),
    )


def test_nothing_to_draw_yet_is_no_chart_and_the_summary_promises_none():
    for empty in (summary([None, None], [None, None]), summary([], [])):
        assert not empty.chartable
        assert chart_png(empty) is None


def test_a_mood_or_a_progress_makes_a_png():
    for moods, progress in (([3.5, None], [None, None]), ([None, None], [None, 40.0]), ([4.0], [55.0])):
        made = summary(moods, progress)
        png = chart_png(made)
        assert made.chartable and png is not None and png[:8] == b"\x89PNG\r\n\x1a\n"


def test_each_of_up_to_32_people_gets_a_style_of_their_own():
    assert len({chart.style(n) for n in range(32)}) == 32
    assert chart.style(32) == chart.style(0)  # past that they repeat (a legend names each line)


def test_people_on_the_same_mood_are_drawn_a_little_apart_and_never_far():
    spread = chart.offsets(12)
    assert len(set(spread)) == 12 and abs(sum(spread)) < 1e-9
    assert max(spread) - min(spread) <= chart.SPREAD + 1e-9
    assert chart.offsets(1) == [0.0] and chart.offsets(0) == []


def test_a_line_per_person_widens_the_png_for_its_legend():
    from matplotlib.image import imread

    def size(png):
        return imread(io.BytesIO(png)).shape[:2]

    team_only = chart_png(summary([3.0, 2.5, 2.0], [10.0, 20.0, 30.0]))
    people = [
        (Person(id=n, slack_user_id=f"U{n}", email=f"p{n}@acme.test", name=f"Person {n}"), [4.0, 3.0, m])
        for n, m in enumerate([1.0, None, 2.0, 5.0], start=2)
    ]
    with_people = chart_png(summary([3.0, 2.5, 2.0], [10.0, 20.0, 30.0], people))
    assert with_people is not None and team_only is not None
    assert size(with_people)[1] > size(team_only)[1]
