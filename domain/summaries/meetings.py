"""1:1s in summaries, as counts only: those held in the cycle (domain.one_on_ones.held) and the open action
items. Nothing said in a 1:1 reaches a summary."""

from collections import defaultdict
from datetime import date

from sqlmodel import Session

from domain.one_on_ones.held import held
from domain.summaries.cycles import Cycle
from domain.summaries.figures import OneOnOnes
from storage import one_on_ones as store
from storage.models import OneOnOneSeries, Person


def _held(session: Session, person_ids: list[int], cycle: Cycle) -> tuple[dict[int, int], dict]:
    """1:1s held per series in the cycle, and those series."""
    records = store.records_in(session, person_ids=person_ids, since=cycle.starts, until=cycle.ends)
    rows = [(e.data.get("series_id"), str(e.data.get("what") or ""), e.created_at) for e in records]
    series: dict[int, OneOnOneSeries] = store.series_by_id(
        session, series_ids=[s for s, _, _ in rows if isinstance(s, int)]
    )
    return held(rows, {s.id: s.timezone for s in series.values() if s.id is not None}), series


def of_manager(
    session: Session, *, manager: Person, reports: list[Person], cycle: Cycle, today: date
) -> OneOnOnes:
    assert manager.id is not None
    counts, series = _held(session, [p.id for p in reports if p.id is not None], cycle)
    open_actions, overdue = store.open_action_counts(session, manager_id=manager.id, today=today)
    return OneOnOnes(
        held=sum(n for series_id, n in counts.items() if series[series_id].manager_id == manager.id),
        open_actions=open_actions,
        overdue=overdue,
    )


def per_team(session: Session, *, members: list[Person], cycle: Cycle) -> dict[str, int]:
    """1:1s held in the cycle, by the report's team."""
    teams = {p.id: p.team for p in members}
    counts, series = _held(session, list(teams), cycle)
    found: dict[str, int] = defaultdict(int)
    for series_id, n in counts.items():
        found[teams.get(series[series_id].report_id, "")] += n
    return found
