"""A team's check-in cadence, set by its manager or an admin from `/checkins settings`."""

import logging
from dataclasses import dataclass
from datetime import datetime, time

from sqlmodel import Session

from domain.checkins import template_text, templates
from domain.checkins.cadence import WEEKDAYS, Cadence, Frequency, cadence_of
from domain.core import bounds
from domain.core.access import is_admin
from domain.core.delivery import Outcome
from domain.core.directory import person_for
from domain.core.refusals import NotAllowed
from storage import checkins as store
from storage import people
from storage.models import Person, TeamCadence

log = logging.getLogger(__name__)

FIRST_REMINDER_HOURS = (2, 4, 8, 24, 48)
LAST_REMINDER_HOURS = (4, 12, 24, 48)
DAILY_REMINDER_MAX = 8  # hours: a daily check-in's one reminder goes the same working day
TIMES = tuple(f"{h:02d}:{m:02d}" for h in range(6, 21) for m in (0, 30))


DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
FREQUENCY_NAMES = {
    "daily": "Every working day",
    "weekly": "Every week",
    "biweekly": "Every two weeks",
    "monthly": "Every month",
}


@dataclass(frozen=True)
class Choice:
    block_id: str
    label: str
    options: list[tuple[str, str]]  # (value, label)
    current: str


@dataclass(frozen=True)
class SettingsForm:
    team: str
    now: str
    fields: list[Choice]
    other_teams: list[str]
    own: str = ""  # the manager's own questions, as text (see template_text)


def _hours(n: int) -> str:
    return f"{n} hours" if n < 48 else f"{n // 24} days"


def _fields(cadence: Cadence, template: str, library: list[tuple[str, str]]) -> list[Choice]:
    return [
        Choice("template", "Questions", library, template),
        Choice("frequency", "How often", list(FREQUENCY_NAMES.items()), cadence.frequency.value),
        Choice(
            "weekday",
            "On (not for every working day)",
            list(zip(WEEKDAYS, DAY_NAMES, strict=True)),
            WEEKDAYS[cadence.weekday],
        ),
        Choice("time", "At (each person's local time)", [(t, t) for t in TIMES], f"{cadence.at:%H:%M}"),
        Choice(
            "first_reminder",
            "First reminder, if unanswered, after (every working day: the only one, within 8 hours)",
            [(str(h), _hours(h)) for h in FIRST_REMINDER_HOURS],
            str(int(cadence.first_reminder_after.total_seconds() // 3600)),
        ),
        Choice(
            "last_reminder",
            "Last call, before the check-in closes",
            [(str(h), _hours(h)) for h in LAST_REMINDER_HOURS],
            str(int(cadence.last_reminder_before.total_seconds() // 3600)),
        ),
    ]


def teams_for(session: Session, person: Person) -> list[str]:
    """Admins set any team's cadence; a manager that of the teams their reports are in."""
    if is_admin(person):
        return sorted({p.team for p in people.list_all(session, active_only=True) if p.team})
    assert person.id is not None
    return sorted({r.team for r in people.reports_of(session, manager_id=person.id) if r.team})


def form(session: Session, *, slack_user_id: str, team: str | None = None) -> SettingsForm:
    person = person_for(session, slack_user_id)
    teams = teams_for(session, person)
    if not teams:
        raise NotAllowed("Only managers and HR admins can change the check-in schedule.")
    if team and team not in teams:
        raise NotAllowed(f"You can set the schedule of {', '.join(teams)} only.")
    team = team or (person.team if person.team in teams else teams[0])
    cadence = cadence_of(store.cadences(session).get(team))
    return SettingsForm(
        team=team,
        now=cadence.describe(),
        fields=_fields(cadence, templates.slug_for_team(session, team), templates.choices(session)),
        other_teams=[t for t in teams if t != team],
        own=template_text.write(templates.extra_for_team(session, team)),
    )


def save(session: Session, *, slack_user_id: str, values: dict[str, str], now: datetime) -> Outcome:
    """Errors by field, or saved. Checked again here: the modal's options can be forged."""
    person = person_for(session, slack_user_id)
    errors: dict[str, str] = {}
    team = values.get("team", "")
    if team not in teams_for(session, person):
        errors["frequency"] = "You can set the schedule of the teams you manage only."
    if values.get("frequency") not in {f.value for f in Frequency}:
        errors["frequency"] = "Pick every working day, weekly, every two weeks or monthly."
    if values.get("weekday") not in WEEKDAYS:
        errors["weekday"] = "Pick a day of the week."
    if values.get("time") not in TIMES:
        errors["time"] = "Pick a time between 06:00 and 20:30."
    first, last = values.get("first_reminder", ""), values.get("last_reminder", "")
    if bounds.number(first) not in FIRST_REMINDER_HOURS:
        errors["first_reminder"] = "Pick when the first reminder goes."
    elif values.get("frequency") == Frequency.daily and int(first) > DAILY_REMINDER_MAX:
        errors["first_reminder"] = (
            f"A daily check-in's reminder goes the same day: pick {DAILY_REMINDER_MAX} hours or less."
        )
    if bounds.number(last) not in LAST_REMINDER_HOURS:
        errors["last_reminder"] = "Pick when the last call goes."
    slug = values.get("template") or templates.DEFAULT
    if slug not in dict(templates.choices(session)):
        errors["template"] = "Pick one of the templates listed."
    before = templates.extra_for_team(session, team) if not errors else ()
    extra, problem = templates.parse_extra(values.get("own") or "", before)
    if problem:
        errors["own"] = problem
    if errors:
        return Outcome(errors=errors)
    at = time.fromisoformat(values["time"])
    if slug != templates.slug_for_team(session, team) or extra != before:
        # Check-ins already made keep their questions; the next ones ask the new ones.
        own = [q.to_json() for q in extra]
        store.save_team_template(session, team=team, slug=slug, extra=own, now=now)
        log.info(
            "%s chose the %s template for team %s, with %d own questions", person.email, slug, team, len(own)
        )
    chosen = TeamCadence(
        team=team,
        frequency=values["frequency"],
        weekday=WEEKDAYS.index(values["weekday"]),
        at_minute=at.hour * 60 + at.minute,
        first_reminder_hours=int(first),
        last_reminder_hours=int(last),
        updated_by_id=person.id,
        updated_at=now,
    )
    if cadence_of(chosen) == cadence_of(store.cadences(session).get(team)):
        return Outcome()  # the questions alone changed: the periods stand
    store.save_cadence(session, cadence=chosen)
    # Check-ins opened under the old cadence close now: the new cadence's periods take over.
    closed = store.close_open_checkins(
        session, person_ids=[p.id for p in people.in_team(session, team=team)], now=now
    )
    log.info("person %s set a team's check-in cadence (%d open check-ins closed)", person.id, closed)
    return Outcome()
