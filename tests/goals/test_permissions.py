"""Who may shape whose goals, and who sets team and company goals (no database)."""

import pytest

from domain.goals.permissions import may_set_shared, may_shape
from storage.models import GoalLevel, Person, Role


def person(n: int, role: Role = Role.employee, manager: int | None = None, active: bool = True) -> Person:
    return Person(
        id=n, slack_user_id=f"U{n}", email=f"p{n}@x.test", role=role, manager_id=manager, active=active
    )


BOSS, ANA, BEN, HR = (
    person(1, Role.manager),
    person(2, manager=1),
    person(3, manager=1),
    person(4, Role.admin),
)


def test_a_persons_goals_are_shaped_by_them_their_manager_or_an_hr_admin():
    assert may_shape(ANA, ANA) and may_shape(BOSS, ANA) and may_shape(HR, ANA)
    assert not may_shape(BEN, ANA)
    assert not may_shape(ANA, BOSS)  # not upwards
    assert not may_shape(person(1, Role.manager, active=False), ANA)  # a manager who has left
    assert not may_shape(person(4, Role.admin, active=False), ANA)


@pytest.mark.parametrize(
    ("actor", "team", "company"),
    [
        (ANA, False, False),
        (BOSS, True, False),
        (HR, True, True),
    ],
)
def test_managers_set_team_goals_and_hr_admins_company_goals(actor, team, company):
    assert may_set_shared(actor, GoalLevel.team) is team
    assert may_set_shared(actor, GoalLevel.company) is company
