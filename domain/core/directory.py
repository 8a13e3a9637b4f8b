"""Looking people up from what Slack tells us about who is acting."""

from dataclasses import dataclass

from sqlmodel import Session

from domain.core.refusals import NotInOrg
from storage import people
from storage.models import Person


def person_for(session: Session, slack_user_id: str) -> Person:
    person = people.get_by_slack_id(session, slack_user_id=slack_user_id)
    if person is None or not person.active:
        raise NotInOrg(slack_user_id)
    return person


@dataclass(frozen=True)
class Profile:
    person: Person
    manager: Person | None
    reports: list[Person]


def profile(session: Session, slack_user_id: str) -> Profile:
    person = person_for(session, slack_user_id)
    manager = people.get(session, person_id=person.manager_id) if person.manager_id else None
    assert person.id is not None
    return Profile(
        person=person, manager=manager, reports=list(people.reports_of(session, manager_id=person.id))
    )
