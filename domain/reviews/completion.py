"""How far each team's reviews of a cycle are: counts per step, and who each open step waits for. For HR
admins only: it names people and whose review waits on whom."""

from collections import defaultdict

from sqlmodel import Session

from domain.core.access import is_admin
from domain.core.directory import person_for
from domain.core.refusals import NotAllowed
from domain.reviews.cycles import label, parse_cycle
from domain.reviews.reminders import MANAGERS, waiting_for
from storage import people
from storage import reviews as store
from storage.models import ReviewStatus

STEPS = {
    ReviewStatus.invited.value: "self-assessment",
    ReviewStatus.self_assessed.value: "manager's assessment",
    ReviewStatus.revising.value: "manager's revision",
    ReviewStatus.assessed.value: "answer to the assessment",
}


def completion(session: Session, *, slack_user_id: str, cycle: str | None) -> str:
    viewer = person_for(session, slack_user_id)
    if not is_admin(viewer):
        raise NotAllowed("Only HR admins see review completion across teams.")
    if cycle and parse_cycle(cycle.upper()) is None:
        return f"I could not read {cycle!r} as a cycle: write it as 2026-Q4."
    key = cycle.upper() if cycle else store.latest_cycle(session)
    reviews = store.of_cycle(session, cycle=key) if key else []
    if not key or not reviews:
        return f"No reviews of {label(key)} were opened." if key else "No reviews have been opened yet."
    statuses: dict[str, list[str]] = defaultdict(list)
    waiting: dict[str, list[str]] = defaultdict(list)
    for review in reviews:
        person = people.get(session, person_id=review.person_id)
        team = (person.team if person else "") or "No team"
        statuses[team].append(review.status)
        if review.status not in STEPS or person is None:
            continue
        step = STEPS[review.status]
        if review.status in MANAGERS:
            whom = waiting_for(session, review)
            step += f", by {whom.name if whom else 'no manager'}"
        waiting[team].append(f"{person.name} ({step})")
    agreed = {team: found.count(ReviewStatus.agreed.value) for team, found in statuses.items()}
    lines = [f"Reviews of {label(key)}: {sum(agreed.values())} of {len(reviews)} agreed."]
    for team in sorted(statuses):
        found = statuses[team]
        counts = [f"{found.count(status)} at {step}" for status, step in STEPS.items() if status in found]
        line = " · ".join([f"• {team}: {agreed[team]} of {len(found)} agreed", *counts])
        if waiting[team]:
            line += f". Waiting: {', '.join(waiting[team])}"
        lines.append(line + ".")
    return "\n".join(lines)
