"""End-of-cycle reviews: each quarter looked back on by both partners, and a plan that seeds the next.

When a quarter ends where a person is, they are invited (once, through the send ledger) to assess it: for
each agreed goal of the quarter a result and a rating, what went well, what to improve. Their manager (or an
HR admin) then assesses it too, with a short diagnosis and an improvement plan of up to 5 items. The person
agrees, or asks for a revision, which goes back to the manager to revise and resend. Once agreed, the plan
items become draft growth goals for the next quarter and come up in check-ins. Every step enters the
person's performance file. Who may act is decided from who clicked, never from what a payload carries.
"""

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from domain.checkins.due import gets_checkins, is_quiet
from domain.checkins.periods import local_day
from domain.core import bounds, delivery
from domain.core.access import can_decide_for
from domain.core.delivery import Post
from domain.core.directory import person_for
from domain.core.refusals import NotAllowed, Refusal
from domain.core.services import Services
from domain.goals import periods as goal_periods
from domain.goals import reading as goal_reading
from domain.performance_file.entries import record
from message_templates.render import render_message
from storage import checkins as checkin_store
from storage import goals as goal_store
from storage import people, sends
from storage import reviews as store
from storage.models import EntryKind, Goal, GoalKind, GoalStatus, Person, Review, ReviewStatus

log = logging.getLogger(__name__)

INVITATION = "review_invite"  # its kind in the send ledger
INVITE_AT = time(10, 0)  # local time, on the first day after the quarter
INVITE_WINDOW = timedelta(days=30)  # the schedule invites this long after a quarter ends, not later
MAX_GOALS = 10
MAX_PLAN = 5
MAX_TEXT = 3000
MAX_RESULT = 1000
MAX_ITEM = 200
RATINGS = {
    1: "1 · well below expectations",
    2: "2 · below expectations",
    3: "3 · met expectations",
    4: "4 · above expectations",
    5: "5 · far above expectations",
}


class ReviewError(Refusal):
    """Refused by this feature; the message is what the person reads."""


# -- cycles ----------------------------------------------------------------------------------------


def cycle_of(day: date) -> str:
    """The quarter a day is in, as a key: 2026-Q4."""
    return f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}"


def previous_cycle(day: date) -> str:
    """The quarter before the one a day is in: the one just ended."""
    period = parse_cycle(cycle_of(day))
    assert period is not None
    return cycle_of(period.starts_on - timedelta(days=1))


def parse_cycle(key: str) -> goal_periods.GoalPeriod | None:
    """A quarter's period, or None when the key is not a quarter."""
    return goal_periods.parse(key) if "-Q" in key else None


def next_cycle(key: str) -> goal_periods.GoalPeriod:
    period = parse_cycle(key)
    assert period is not None
    following = parse_cycle(cycle_of(period.ends_on + timedelta(days=1)))
    assert following is not None
    return following


def label(key: str) -> str:
    period = parse_cycle(key)
    return period.label if period else key


def ledger_key(cycle: str) -> str:
    return f"rv:{cycle}"


# -- starting a cycle's reviews --------------------------------------------------------------------


@dataclass(frozen=True)
class Invitation:
    person: Person
    cycle: str


def _local_start(day: date, timezone: str) -> datetime:
    return datetime.combine(day, time(0, 0), ZoneInfo(timezone))


def due_invitations(
    session: Session,
    *,
    now: datetime,
    cycle: str | None = None,
    emails: list[str] | None = None,
    send_now: bool = False,
) -> list[Invitation]:
    """Who is to be invited to review a quarter: by default the one just ended where they are.

    On the schedule: from 10:00 local on the first day after the quarter, for 30 days (so invitations
    missed while the app was down still go), not on a quiet day (pause, holiday), and only to people who
    were in the org before the quarter ended. `send_now` (the CLI) invites whoever is asked for at once.
    Everyone must be active and have a manager; the send ledger leaves out whoever was invited already.
    """
    wanted = {e.lower() for e in emails} if emails is not None else None
    holidays = checkin_store.holiday_days(session)
    candidates = []
    for person in people.list_all(session, active_only=True):
        if not gets_checkins(person) or (wanted is not None and person.email not in wanted):
            continue
        key = cycle or previous_cycle(local_day(person, now))
        if not send_now:
            period = parse_cycle(key)
            assert period is not None
            ended = _local_start(period.ends_on + timedelta(days=1), person.timezone)
            opens = datetime.combine(ended.date(), INVITE_AT, ended.tzinfo)
            if not opens <= now < opens + INVITE_WINDOW or person.created_at >= ended:
                continue
            if is_quiet(person, now, holidays):
                continue
        candidates.append(Invitation(person, key))
    settled = sends.settled(session, kind=INVITATION, period_keys={ledger_key(c.cycle) for c in candidates})
    return [c for c in candidates if (c.person.id, ledger_key(c.cycle)) not in settled]


def invite(services: Services, invitation: Invitation, *, now: datetime) -> bool:
    """Opens the person's review of the cycle and invites them, once (see domain.delivery): True when this
    call sent the invitation. The review, and its entry in the file, are made once whoever gets here."""
    person, cycle = invitation.person, invitation.cycle
    period = parse_cycle(cycle)
    assert person.id is not None and period is not None

    def compose(session: Session) -> dict | None:
        review, new = store.ensure(
            session, person_id=person.id, manager_id=person.manager_id, cycle=cycle, now=now
        )
        if new:
            record(
                session,
                person=person,
                kind=EntryKind.review,
                text=f"Review of {period.label} opened: self-assessment invited.",
                data={"review_id": review.id, "cycle": cycle, "step": "invited"},
            )
        if review.status != ReviewStatus.invited:  # under way already (started by hand): no invitation
            return None
        goal_count = len(_cycle_goals(session, person, cycle))
        return render_message(
            "reviews/invite.json.j2", person=person, review=review, label=period.label, goal_count=goal_count
        )

    sent = delivery.send_once(
        services,
        person=person,
        key=ledger_key(cycle),
        kind=INVITATION,
        compose=compose,
        oldest=_local_start(period.starts_on, "UTC"),
        now=now,
    )
    return sent is not None and sent.new


def start(
    services: Services,
    *,
    now: datetime,
    cycle: str | None = None,
    emails: list[str] | None = None,
    send_now: bool = False,
) -> delivery.FanOut:
    """Invites everyone due (see due_invitations); one failure does not stop the rest."""
    with services.session() as session:
        due = due_invitations(session, now=now, cycle=cycle, emails=emails, send_now=send_now)
    report = delivery.fan_out(
        due,
        lambda invitation: invite(services, invitation, now=now),
        whom=lambda invitation: f"{invitation.person.email} (review {invitation.cycle})",
    )
    if due:
        log.info("reviews: %d/%d invitations sent", report.sent, len(due))
    return report


# -- reading a review ------------------------------------------------------------------------------


def _cycle_goals(session: Session, person: Person, cycle: str) -> list[goal_reading.GoalView]:
    period = parse_cycle(cycle)
    assert person.id is not None and period is not None
    rows = store.cycle_goals(session, person_id=person.id, starts_on=period.starts_on, ends_on=period.ends_on)
    return goal_reading.views(session, list(rows)[:MAX_GOALS])


def _review(session: Session, review_id: int | None) -> tuple[Review, Person]:
    review = store.get(session, review_id=review_id) if review_id else None
    person = people.get(session, person_id=review.person_id) if review else None
    if review is None or person is None:
        raise ReviewError("That review no longer exists.")
    return review, person


def _ids(text: str) -> tuple[int | None, int | None]:
    """`review id:version` as buttons and modals carry it; Nones when unreadable."""
    review_text, _, version_text = (text or "").partition(":")
    return bounds.number(review_text), bounds.number(version_text)


def _done_already(review: Review, person: Person) -> str:
    when = {
        ReviewStatus.self_assessed: "Your self-assessment was sent already: it is with your manager.",
        ReviewStatus.assessed: "Your self-assessment was sent already, and your manager has assessed it.",
        ReviewStatus.revising: "Your self-assessment was sent already: your manager is revising the plan.",
        ReviewStatus.agreed: "This review is agreed already: nothing more to do.",
    }
    return when.get(ReviewStatus(review.status), "This review is under way already.")


# -- the self-assessment ---------------------------------------------------------------------------


@dataclass
class Outcome:
    errors: dict[str, str] = field(default_factory=dict)
    notice: str = ""
    posts: list[Post] = field(default_factory=list)
    # Messages whose place is kept on the review, to update later: (review id, "manager" or "plan",
    # Slack user id, message).
    asks: list[tuple[int, str, str, dict]] = field(default_factory=list)
    updates: list[tuple[str, str, dict]] = field(default_factory=list)  # (channel, ts, message)


@dataclass(frozen=True)
class SelfForm:
    review: Review
    person: Person
    label: str
    goals: list[goal_reading.GoalView]
    ratings: dict[int, str]


def _own(session: Session, actor: Person, review_id: int | None) -> tuple[Review, Person]:
    review, person = _review(session, review_id)
    if person.id != actor.id:
        log.warning("%s tried the self-assessment of review %s, which is not theirs", actor.email, review_id)
        raise NotAllowed("That review is not yours: only its person writes their self-assessment.")
    return review, person


def self_form(session: Session, *, actor_slack_id: str, review_id: int | None) -> SelfForm:
    actor = person_for(session, actor_slack_id)
    review, person = _own(session, actor, review_id)
    if review.status != ReviewStatus.invited:
        raise ReviewError(_done_already(review, person))
    return SelfForm(
        review=review,
        person=person,
        label=label(review.cycle),
        goals=_cycle_goals(session, person, review.cycle),
        ratings=RATINGS,
    )


def _text(values: dict[str, str], block: str, errors: dict[str, str], *, missing: str, most: int) -> str:
    text = (values.get(block) or "").strip()
    if not text and missing:
        errors[block] = missing
    elif len(text) > most:
        errors[block] = f"Keep it under {most} characters (this is {len(text)})."
    return text


def _rating(values: dict[str, str], block: str, errors: dict[str, str]) -> int:
    text = (values.get(block) or "").strip()
    if bounds.number(text) not in RATINGS:
        errors[block] = "Rate it from 1 to 5."
        return 0
    return int(text)


def submit_self(
    session: Session, *, actor_slack_id: str, metadata: str, values: dict[str, str], now: datetime
) -> Outcome:
    """The self-assessment: per goal a result and a rating; what went well; what to improve. Once."""
    actor = person_for(session, actor_slack_id)
    review_id, _ = _ids(metadata)
    review, person = _own(session, actor, review_id)
    if review.status != ReviewStatus.invited:
        raise ReviewError(_done_already(review, person))
    errors: dict[str, str] = {}
    rated = []
    for view in _cycle_goals(session, person, review.cycle):
        goal = view.goal
        result_block, rating_block = f"goal_{goal.id}_result", f"goal_{goal.id}_rating"
        if result_block not in values and rating_block not in values:
            continue  # agreed after the form was opened: not in it
        result = _text(values, result_block, errors, missing="Say what came of this goal.", most=MAX_RESULT)
        rated.append(
            {
                "goal_id": goal.id,
                "title": goal.title,
                "progress": view.progress,
                "status": goal.status,
                "result": result,
                "rating": _rating(values, rating_block, errors),
            }
        )
    went_well = _text(values, "went_well", errors, missing="Say what went well.", most=MAX_TEXT)
    to_improve = _text(values, "to_improve", errors, missing="Say what you would improve.", most=MAX_TEXT)
    if errors:
        return Outcome(errors=errors)
    assessment = {"goals": rated, "went_well": went_well, "to_improve": to_improve}
    manager = people.get(session, person_id=person.manager_id)
    manager = manager if manager is not None and manager.active else None
    moved = store.advance(
        session,
        review_id=review.id,
        statuses=[ReviewStatus.invited],
        version=review.version,
        values={
            "status": ReviewStatus.self_assessed.value,
            "self_assessment": assessment,
            "manager_id": manager.id if manager else review.manager_id,
            "self_assessed_at": now,
            "updated_at": now,
        },
    )
    if not moved:
        raise ReviewError("Your self-assessment was sent already: nothing more to do.")
    period_label = label(review.cycle)
    record(
        session,
        person=person,
        author=person,
        kind=EntryKind.review,
        text=f"Self-assessment of {period_label}\nWent well: {went_well}\nTo improve: {to_improve}",
        data={"review_id": review.id, "cycle": review.cycle, "step": "self_assessment", **assessment},
    )
    if manager is None:
        return Outcome(
            notice=f"Your self-assessment of {period_label} is in your file. You have no manager to assess "
            "it: ask your HR admin."
        )
    message = render_message(
        "reviews/to_manager.json.j2",
        review=review,
        person=person,
        label=period_label,
        ratings=RATINGS,
        sent=False,
    )
    return Outcome(
        notice=f"Your self-assessment of {period_label} went to {manager.name}; their assessment will come "
        "to you here.",
        asks=[(review.id, "manager", manager.slack_user_id, message)],
    )


# -- the manager's assessment ----------------------------------------------------------------------


@dataclass(frozen=True)
class AssessForm:
    review: Review
    person: Person
    label: str
    ratings: dict[int, str]
    values: dict[str, str]  # what the previous version said, when revising

    @property
    def metadata(self) -> str:
        return f"{self.review.id}:{self.review.version}"


def _to_assess(session: Session, actor: Person, review_id: int | None) -> tuple[Review, Person]:
    """The review the actor may assess (the person's manager or an HR admin); a clear refusal otherwise."""
    review, person = _review(session, review_id)
    if not can_decide_for(actor, person):
        log.warning("%s tried to assess review %s, not theirs to assess", actor.email, review_id)
        raise NotAllowed(f"Only {person.name}'s manager or an HR admin can assess their review.")
    if review.status == ReviewStatus.agreed:
        raise ReviewError(f"{person.name} agreed to this review already: it cannot be assessed again.")
    if review.status == ReviewStatus.invited:
        raise ReviewError(f"{person.name} has not sent their self-assessment yet.")
    if review.status == ReviewStatus.assessed:
        raise ReviewError(
            f"This assessment was sent already: {person.name} can agree to it or ask to revise it."
        )
    return review, person


def _previous_values(review: Review) -> dict[str, str]:
    assessed = review.manager_assessment or {}
    values = {"overall": assessed.get("overall", ""), "diagnosis": review.diagnosis}
    for item in assessed.get("goals", []):
        values[f"goal_{item['goal_id']}_rating"] = str(item.get("rating") or "")
        values[f"goal_{item['goal_id']}_comment"] = item.get("comment", "")
    for n, item in enumerate(review.plan, start=1):
        values[f"plan_{n}"] = item
    return values


def assess_form(session: Session, *, actor_slack_id: str, review_id: int | None) -> AssessForm:
    actor = person_for(session, actor_slack_id)
    review, person = _to_assess(session, actor, review_id)
    return AssessForm(
        review=review,
        person=person,
        label=label(review.cycle),
        ratings=RATINGS,
        values=_previous_values(review),
    )


def submit_assessment(
    session: Session, *, actor_slack_id: str, metadata: str, values: dict[str, str], now: datetime
) -> Outcome:
    """Per goal a rating and a comment, an overall comment, a diagnosis and a plan: sent to the person."""
    actor = person_for(session, actor_slack_id)
    review_id, version = _ids(metadata)
    review, person = _to_assess(session, actor, review_id)
    if version != review.version:
        raise ReviewError("This review changed since this form was opened: nothing was saved. Open it again.")
    errors: dict[str, str] = {}
    rated = []
    for item in review.self_assessment.get("goals", []):
        goal_id = item["goal_id"]
        rated.append(
            {
                "goal_id": goal_id,
                "title": item["title"],
                "rating": _rating(values, f"goal_{goal_id}_rating", errors),
                "comment": _text(values, f"goal_{goal_id}_comment", errors, missing="", most=MAX_RESULT),
            }
        )
    overall = _text(values, "overall", errors, missing="Say how the quarter went, overall.", most=MAX_TEXT)
    diagnosis = _text(
        values, "diagnosis", errors, missing="Name what helped and what held back.", most=MAX_TEXT
    )
    plan = []
    for n in range(1, MAX_PLAN + 1):
        if item := _text(values, f"plan_{n}", errors, missing="", most=MAX_ITEM):
            plan.append(item)
    if not plan and "plan_1" not in errors:
        errors["plan_1"] = "Give the plan at least one item: each becomes a draft goal for next quarter."
    if errors:
        return Outcome(errors=errors)
    revision = review.version > 0
    assessment = {"goals": rated, "overall": overall, "by": actor.id}
    moved = store.advance(
        session,
        review_id=review.id,
        statuses=[ReviewStatus.self_assessed, ReviewStatus.revising],
        version=review.version,
        values={
            "status": ReviewStatus.assessed.value,
            "version": review.version + 1,
            "manager_assessment": assessment,
            "diagnosis": diagnosis,
            "plan": plan,
            "assessed_at": now,
            "updated_at": now,
        },
    )
    if not moved:
        raise ReviewError("This review changed since this form was opened: nothing was saved. Open it again.")
    period_label = label(review.cycle)
    record(
        session,
        person=person,
        author=actor,
        kind=EntryKind.review,
        text=f"{'Revised assessment' if revision else 'Assessment'} of {period_label} by {actor.name}\n"
        f"Diagnosis: {diagnosis}\nPlan:\n" + "\n".join(f"• {item}" for item in plan),
        data={
            "review_id": review.id,
            "cycle": review.cycle,
            "step": "manager_assessment",
            "version": review.version,
            "revision": revision,
            "goals": rated,
            "overall": overall,
            "diagnosis": diagnosis,
            "plan": plan,
        },
    )
    outcome = Outcome(
        notice=f"Your assessment of {period_label} went to {person.name}, who can agree or ask you to "
        "revise it."
    )
    context = {
        "review": review,
        "person": person,
        "label": period_label,
        "ratings": RATINGS,
        "assessor": actor,
    }
    if review.plan_channel and review.plan_ts:  # the version they were answering is replaced
        outcome.updates.append(
            (
                review.plan_channel,
                review.plan_ts,
                render_message("reviews/plan.json.j2", state="replaced", **context),
            )
        )
    if review.manager_channel and review.manager_ts:  # what asked for it: the self-assessment, or a revision
        template = "reviews/revision.json.j2" if revision else "reviews/to_manager.json.j2"
        message = render_message(
            template, review=review, person=person, label=period_label, ratings=RATINGS, sent=True
        )
        outcome.updates.append((review.manager_channel, review.manager_ts, message))
    outcome.asks.append(
        (
            review.id,
            "plan",
            person.slack_user_id,
            render_message("reviews/plan.json.j2", state="open", **context),
        )
    )
    return outcome


# -- the person's answer ---------------------------------------------------------------------------


def _to_answer(session: Session, actor: Person, value: str) -> tuple[Review, Person, int]:
    """The assessment the actor (only the review's person) may agree to or ask to revise."""
    review_id, version = _ids(value)
    review, person = _review(session, review_id)
    if actor.id != person.id:
        log.warning("%s tried to answer review %s, which is not theirs", actor.email, review_id)
        raise NotAllowed(f"Only {person.name} can agree to their review's plan or ask to revise it.")
    if review.status == ReviewStatus.agreed:
        raise ReviewError("You agreed to this review's plan already: nothing more to do.")
    if review.status == ReviewStatus.revising:
        raise ReviewError("You asked for a revision: your manager's revised plan will come to you here.")
    if review.status != ReviewStatus.assessed:
        raise ReviewError("Your manager has not assessed this review yet.")
    if version != review.version:
        raise ReviewError("Your manager revised this plan since: answer the newer version, below.")
    return review, person, review.version


@dataclass(frozen=True)
class RevisionForm:
    review: Review
    person: Person
    label: str

    @property
    def metadata(self) -> str:
        return f"{self.review.id}:{self.review.version}"


def revision_form(session: Session, *, actor_slack_id: str, value: str) -> RevisionForm:
    actor = person_for(session, actor_slack_id)
    review, person, _ = _to_answer(session, actor, value)
    return RevisionForm(review=review, person=person, label=label(review.cycle))


def _manager(session: Session, review: Review, person: Person) -> Person | None:
    """Who hears the person's answer: whoever assessed the review, else the person's manager."""
    by = (review.manager_assessment or {}).get("by")
    for candidate_id in (by, person.manager_id, review.manager_id):
        candidate = people.get(session, person_id=candidate_id)
        if candidate is not None and candidate.active and candidate.id != person.id:
            return candidate
    return None


def ask_revision(
    session: Session, *, actor_slack_id: str, metadata: str, comment: str, now: datetime
) -> Outcome:
    actor = person_for(session, actor_slack_id)
    review, person, version = _to_answer(session, actor, metadata)
    comment = comment.strip()
    if not comment:
        return Outcome(errors={"comment": "Say what should change."})
    if len(comment) > MAX_TEXT:
        return Outcome(errors={"comment": f"Keep it under {MAX_TEXT} characters (this is {len(comment)})."})
    moved = store.advance(
        session,
        review_id=review.id,
        statuses=[ReviewStatus.assessed],
        version=version,
        values={"status": ReviewStatus.revising.value, "revision_comment": comment, "updated_at": now},
    )
    if not moved:
        raise ReviewError("This review was answered already: nothing more to do.")
    period_label = label(review.cycle)
    manager = _manager(session, review, person)
    record(
        session,
        person=person,
        author=person,
        kind=EntryKind.review,
        text=f"Asked to revise the assessment of {period_label}\n{comment}",
        data={
            "review_id": review.id,
            "cycle": review.cycle,
            "step": "revision_asked",
            "version": version,
            "comment": comment,
        },
    )
    context = {
        "review": review,
        "person": person,
        "label": period_label,
        "ratings": RATINGS,
        "assessor": manager,
    }
    outcome = Outcome(notice=f"Asked {manager.name if manager else 'your manager'} to revise the plan.")
    if review.plan_channel and review.plan_ts:
        outcome.updates.append(
            (
                review.plan_channel,
                review.plan_ts,
                render_message("reviews/plan.json.j2", state="revising", **context),
            )
        )
    if manager is not None:
        message = render_message(
            "reviews/revision.json.j2", review=review, person=person, label=period_label, sent=False
        )
        outcome.asks.append((review.id, "manager", manager.slack_user_id, message))
    return outcome


def agree(session: Session, *, actor_slack_id: str, value: str, now: datetime) -> Outcome:
    """The person agrees: each plan item becomes a draft growth goal for the next quarter. Once."""
    actor = person_for(session, actor_slack_id)
    review, person, version = _to_answer(session, actor, value)
    moved = store.advance(
        session,
        review_id=review.id,
        statuses=[ReviewStatus.assessed],
        version=version,
        values={"status": ReviewStatus.agreed.value, "agreed_at": now, "updated_at": now},
    )
    if not moved:
        raise ReviewError("You agreed to this review's plan already: nothing more to do.")
    following = next_cycle(review.cycle)
    period_label = label(review.cycle)
    drafts = [
        goal_store.add(
            session,
            goal=Goal(
                person_id=person.id,
                team=person.team,
                created_by_id=person.id,
                created_at=now,
                updated_at=now,
                title=item,
                description=(
                    f"From the improvement plan agreed in the review of {period_label}.\n{review.diagnosis}"
                )[:MAX_TEXT],
                kind=GoalKind.growth.value,
                status=GoalStatus.draft.value,
                weight=10,
                period=following.key,
                starts_on=following.starts_on,
                due_on=following.ends_on,
            ),
        )
        for item in review.plan
    ]
    review.draft_goal_ids = [g.id for g in drafts if g.id is not None]
    manager = _manager(session, review, person)
    record(
        session,
        person=person,
        author=person,
        kind=EntryKind.review,
        text=f"Agreed to the plan of the review of {period_label}: {len(drafts)} draft goal(s) for "
        f"{following.label}\n" + "\n".join(f"• {item}" for item in review.plan),
        data={
            "review_id": review.id,
            "cycle": review.cycle,
            "step": "agreed",
            "version": version,
            "plan": review.plan,
            "draft_goal_ids": review.draft_goal_ids,
            "next_cycle": following.key,
        },
    )
    context = {
        "review": review,
        "person": person,
        "label": period_label,
        "ratings": RATINGS,
        "assessor": manager,
    }
    outcome = Outcome(
        notice=f"Agreed. The plan is now {len(drafts)} draft goal(s) for {following.label}: shape them and "
        "propose them with `/goals` (Edit). They will come up in your check-ins."
    )
    if review.plan_channel and review.plan_ts:
        outcome.updates.append(
            (
                review.plan_channel,
                review.plan_ts,
                render_message("reviews/plan.json.j2", state="agreed", **context),
            )
        )
    if manager is not None:
        message = render_message(
            "reviews/agreed.json.j2", review=review, person=person, label=period_label, following=following
        )
        outcome.posts.append(Post(manager.slack_user_id, None, message))
    return outcome


# -- Slack -----------------------------------------------------------------------------------------


def send(services: Services, outcome: Outcome) -> None:
    """Posts what a review step produced; keeps where the requests for the next step landed."""
    gateway = services.gateway
    for channel, ts, message in outcome.updates:
        gateway.update(channel, ts, message)
    for review_id, which, user_id, message in outcome.asks:
        posted = gateway.dm(user_id, message)
        with services.session() as session:
            review = store.get(session, review_id=review_id)
            if review is None:
                continue
            if which == "manager":
                review.manager_channel, review.manager_ts = posted.channel, posted.ts
            else:
                review.plan_channel, review.plan_ts = posted.channel, posted.ts
    for post in outcome.posts:
        gateway.post(post.channel, post.message, thread_ts=post.thread_ts)
