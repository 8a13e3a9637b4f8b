"""The Home tab: a person's own performance file, or, for a manager or an HR admin, someone else's."""

from dataclasses import dataclass, field

from sqlmodel import Session

from domain.core import directory
from domain.core.access import is_admin
from domain.core.clock import utcnow
from domain.core.refusals import NotAllowed
from domain.goals import reading as goal_reading
from domain.goals import tree as goal_tree
from domain.goals.errors import GoalError
from domain.performance_file import entries
from storage import goals as goal_store
from storage import people
from storage import summaries as team_store
from storage.models import Person

NO_FILE = "That person is not in checkins: there is no file to show."


@dataclass(frozen=True)
class Home:
    viewer: Person
    subject: Person  # whose file is shown
    subject_manager: Person | None
    file: entries.FilePage
    reports: list[Person]  # a manager switches between these files
    choose_anyone: bool  # an HR admin picks anyone's file
    refusal: str | None  # why the file asked for is not the one shown
    goals: list[goal_reading.GoalView]
    open_items: list[str]
    fit: list[goal_tree.Node] = field(default_factory=list)  # how the goals fit: parents, them, children

    @property
    def own(self) -> bool:
        return self.viewer.id == self.subject.id


def home(
    session: Session,
    *,
    slack_user_id: str,
    subject_id: int | None,
    page: int,
    page_size: int,
    as_of: int | None = None,
    refusal: str | None = None,
) -> Home:
    """Whose file was chosen in a payload (domain/home/publish.py keeps the choice); whether the person
    looking may read it is decided by entries.read, which also records the look. A refusal shows their own
    file and says why."""
    profile = directory.profile(session, slack_user_id)
    viewer = profile.person
    subject, file = viewer, None
    if subject_id is not None and subject_id != viewer.id:
        other = people.get(session, person_id=subject_id)
        if other is None:
            refusal = NO_FILE
        else:
            try:
                file = entries.read(
                    session, viewer=viewer, person=other, page=page, page_size=page_size, as_of=as_of
                )
                subject = other
            except NotAllowed as err:
                refusal = str(err)
    if file is None:
        file = entries.read(
            session,
            viewer=viewer,
            person=viewer,
            page=0 if refusal else page,
            page_size=page_size,
            as_of=None if refusal else as_of,
        )
    assert subject.id is not None
    today = utcnow().date()
    goal_views = goal_reading.views(
        session, list(goal_store.of_person(session, person_id=subject.id, ending_on_or_after=today))
    )
    try:
        fit = goal_tree.build(
            session, viewer_slack_id=slack_user_id, scope="person", name=subject.slack_user_id, today=today
        ).nodes
    except GoalError:  # not theirs to see: the file shown is the viewer's own then, so this stays rare
        fit = []
    return Home(
        fit=fit,
        goals=goal_views,
        open_items=_open_items(session, viewer, subject, goal_views, profile.reports),
        viewer=viewer,
        subject=subject,
        subject_manager=people.get(session, person_id=subject.manager_id),
        file=file,
        reports=profile.reports,
        choose_anyone=is_admin(viewer),
        refusal=refusal,
    )


def _open_items(
    session: Session,
    viewer: Person,
    subject: Person,
    views: list[goal_reading.GoalView],
    reports: list[Person],
) -> list[str]:
    """What waits for someone: goals not agreed yet, and (on one's own Home) decisions owed to reports."""
    items = []
    for view in views:
        if view.proposal is None:
            continue
        by_subject = view.proposal.proposer_id == subject.id
        answer = "your answer" if viewer.id == subject.id else f"{subject.name}'s answer"
        waiting_for = "the manager's decision" if by_subject else answer
        what = {"new": "new goal", "change": "change to", "drop": "dropping"}[view.proposal.action]
        items.append(f"{what.capitalize()} “{view.proposal.terms['title']}” waits for {waiting_for}.")
    if viewer.id == subject.id and reports:
        owed = [
            proposal
            for proposal, goal in team_store.open_proposals_for(session, person_ids=[p.id for p in reports])
            if proposal.proposer_id == goal.person_id
        ]
        if owed:
            items.append(
                f"{len(owed)} goal proposal(s) from your reports wait for your decision, in your DMs."
            )
    return items
