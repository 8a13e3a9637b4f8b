"""Looking people up from what Slack tells us: who is acting, and whom they @mention."""

import re
from dataclasses import dataclass

from sqlmodel import Session

from domain.core import bounds
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


MENTION = re.compile(rf"<@([UW]{bounds.ID_TAIL})(?:\|[^>]*)?>")


def mentioned(text: str) -> list[str]:
    """User ids of the @mentions in a slash command's text (Slack escapes them as <@U…|name>)."""
    return MENTION.findall(text)
