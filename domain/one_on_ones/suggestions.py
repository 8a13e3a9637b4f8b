"""Points the app suggests for a 1:1's agenda, from what it knows about the report since the last meeting:
blockers and help asked for in check-ins, goals at risk, goal proposals waiting, an open review step, and
feedback received. Either side accepts one (a point) or dismisses it; neither is suggested again."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from storage import one_on_ones as store
from storage import reviews as review_store
from storage import summaries as team_store
from storage.models import OneOnOneSeries, ReviewStatus

LOOK_BACK = timedelta(days=14)  # before a series' first meeting
MOST = 5
FROM_CHECKIN = {"blockers": "Blocker", "help": "Help asked for"}


@dataclass(frozen=True)
class Suggestion:
    key: str  # stable: what was accepted or dismissed is not suggested again
    text: str


def _clip(text: str, most: int = 300) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= most else text[: most - 1].rstrip() + "…"


def suggest(
    session: Session,
    series: OneOnOneSeries,
    *,
    since: datetime | None,
    now: datetime,
    most: int | None = MOST,
) -> list[Suggestion]:
    assert series.id is not None
    report_id = series.report_id
    since = since or now - LOOK_BACK
    found: list[Suggestion] = []
    for checkin in store.submitted_checkins(session, person_id=report_id, since=since):
        for field, label in FROM_CHECKIN.items():
            if str(checkin.answers.get(field) or "").strip():
                found.append(
                    Suggestion(f"c{checkin.id}{field[0]}", f"{label}: {_clip(checkin.answers[field])}")
                )
    for goal in store.goals_at_risk(session, person_id=report_id):
        found.append(Suggestion(f"g{goal.id}r", f"Goal at risk: {_clip(goal.title)}"))
    for proposal, goal in team_store.open_proposals_for(session, person_ids=[report_id]):
        found.append(
            Suggestion(f"p{proposal.id}", f"Goal proposal waiting for a decision: {_clip(goal.title)}")
        )
    for review in review_store.of_person(session, person_id=report_id):
        if review.status != ReviewStatus.agreed.value:
            step = review.status.replace("_", " ")
            found.append(
                Suggestion(f"r{review.id}{review.status[:2]}", f"Review {review.cycle}: open ({step})")
            )
    feedback = store.shared_feedback_since(session, person_id=report_id, since=since)
    if feedback:
        count = len(feedback)
        found.append(
            Suggestion(f"f{feedback[-1].id}", f"{count} piece{'s' if count > 1 else ''} of feedback received")
        )
    taken = store.suggestion_keys(session, series_id=series.id)
    return [s for s in found if s.key not in taken][:most]
