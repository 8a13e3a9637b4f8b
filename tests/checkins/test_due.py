"""Who is due a prompt or a reminder, and which one: the rules alone (no database, no Slack)."""

from datetime import UTC, date, datetime, timedelta

import pytest

from domain.checkins.cadence import Cadence
from domain.checkins.due import gets_checkins, is_quiet, prompt_period, reminder_kind
from domain.checkins.periods import Period
from storage.models import Person, SendKind, TeamCadence

FRIDAY_10_UTC = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)  # the default cadence's prompt moment, in UTC


def person(**fields) -> Person:
    defaults = {
        "slack_user_id": "UANA1",
        "email": "ana@acme.test",
        "timezone": "UTC",
        "manager_id": 1,
        "created_at": datetime(2026, 1, 1, tzinfo=UTC),
    }
    return Person(**{**defaults, **fields})


def test_only_active_people_with_a_manager_get_check_ins():
    assert gets_checkins(person())
    assert not gets_checkins(person(manager_id=None))
    assert not gets_checkins(person(active=False))


def test_a_pause_is_quiet_through_its_last_day_in_the_persons_own_time_zone():
    paused = person(timezone="Asia/Tokyo", paused_until=date(2026, 11, 20))
    assert is_quiet(paused, datetime(2026, 11, 20, 14, 59, tzinfo=UTC), set())  # 23:59 in Tokyo
    assert not is_quiet(paused, datetime(2026, 11, 20, 15, 0, tzinfo=UTC), set())  # Saturday there


def test_a_holiday_is_quiet_where_it_is_that_day():
    holidays = {date(2026, 11, 20)}
    now = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
    assert is_quiet(person(timezone="Europe/Paris"), now, holidays)  # 04:00 Friday in Paris
    assert not is_quiet(person(timezone="America/New_York"), now, holidays)  # still Thursday there


def test_the_open_period_is_due_to_someone_there_before_it_opened():
    period = prompt_period(person(), None, now=FRIDAY_10_UTC, holidays=set())
    assert period is not None and (period.key, period.opens) == ("w:2026-11-20", FRIDAY_10_UTC)


@pytest.mark.parametrize(
    "who",
    [
        person(manager_id=None),
        person(active=False),
        person(paused_until=date(2026, 11, 20)),
    ],
    ids=["no manager", "inactive", "paused"],
)
def test_nobody_quiet_or_without_check_ins_is_due_even_when_sent_now(who):
    assert prompt_period(who, None, now=FRIDAY_10_UTC, holidays=set(), send_now=True) is None


def test_no_prompt_on_a_holiday_even_when_sent_now():
    holidays = {date(2026, 11, 20)}
    assert prompt_period(person(), None, now=FRIDAY_10_UTC, holidays=holidays, send_now=True) is None


def test_someone_who_joined_after_the_period_opened_waits_for_the_next_unless_sent_now():
    newcomer = person(created_at=FRIDAY_10_UTC + timedelta(minutes=1))
    later = FRIDAY_10_UTC + timedelta(hours=1)
    assert prompt_period(newcomer, None, now=later, holidays=set()) is None
    assert prompt_period(newcomer, None, now=later, holidays=set(), send_now=True).key == "w:2026-11-20"
    assert prompt_period(newcomer, None, now=later + timedelta(days=7), holidays=set()).key == "w:2026-11-27"


def test_a_cadence_changed_after_the_period_opened_does_not_make_it_missed():
    changed = TeamCadence(
        team="Platform",
        frequency="weekly",
        weekday=4,
        at_minute=600,
        first_reminder_hours=4,
        last_reminder_hours=24,
        updated_at=FRIDAY_10_UTC + timedelta(minutes=5),
    )
    later = FRIDAY_10_UTC + timedelta(hours=1)
    assert prompt_period(person(), changed, now=later, holidays=set()) is None
    assert prompt_period(person(), changed, now=later, holidays=set(), send_now=True).key == "w:2026-11-20"


WEEK = Period(key="w:2026-11-20", opens=FRIDAY_10_UTC, closes=FRIDAY_10_UTC + timedelta(days=7))
CADENCE = Cadence()  # first reminder 4 hours after, last call 24 hours before the close


@pytest.mark.parametrize(
    ("after_opening", "kind"),
    [
        (timedelta(hours=3, minutes=59), None),
        (timedelta(hours=4), SendKind.first_reminder),
        (timedelta(days=5, hours=23, minutes=59), SendKind.first_reminder),
        (timedelta(days=6), SendKind.last_reminder),
        # back from downtime near the close: the last call only, the first one is not sent late
        (timedelta(days=6, hours=12), SendKind.last_reminder),
    ],
)
def test_reminders_follow_the_cadence_from_a_prompt_sent_on_time(after_opening, kind):
    assert reminder_kind(CADENCE, WEEK, sent_at=FRIDAY_10_UTC, now=FRIDAY_10_UTC + after_opening) == kind


def test_a_prompt_sent_late_is_not_chased_at_once():
    sent_at = FRIDAY_10_UTC + timedelta(days=6, hours=6)  # after the last call's time
    assert reminder_kind(CADENCE, WEEK, sent_at=sent_at, now=sent_at + timedelta(hours=3)) is None
    # its reminder comes the cadence's 4 hours after it went out, and is the last call
    assert (
        reminder_kind(CADENCE, WEEK, sent_at=sent_at, now=sent_at + timedelta(hours=4))
        == SendKind.last_reminder
    )


# --- sensible timing ---------------------------------------------------------------------------------------


def test_a_prompt_held_by_a_holiday_goes_at_the_prompt_time_of_the_next_working_day():
    from domain.checkins.due import released_at
    from domain.checkins.periods import period_at

    cadence = Cadence()  # Fridays at 10:00
    someone = person(timezone="America/New_York")
    period = period_at(cadence, someone.timezone, FRIDAY_10_UTC + timedelta(hours=6))
    assert released_at(someone, cadence, period, set()) == period.opens
    held = released_at(someone, cadence, period, {date(2026, 11, 20)})
    assert held == datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # Monday 10:00 in New York, not Saturday 00:00
    paused = person(timezone="America/New_York", paused_until=date(2026, 11, 23))
    assert released_at(paused, cadence, period, {date(2026, 11, 24)}) == datetime(
        2026, 11, 25, 15, 0, tzinfo=UTC
    )


def test_a_weekend_cadence_counts_weekends_as_working_days():
    from domain.checkins.due import released_at
    from domain.checkins.periods import period_at

    cadence = Cadence(weekday=5)  # Saturdays
    period = period_at(cadence, "UTC", datetime(2026, 11, 21, 12, 0, tzinfo=UTC))
    held = released_at(person(), cadence, period, {date(2026, 11, 21)})
    assert held == datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("days_in", "late"), [(0, False), (5, False), (5.24, False), (5.26, True), (6.9, True)]
)
def test_a_prompt_is_too_late_in_the_last_quarter_of_its_period(days_in, late):
    from domain.checkins.due import too_late

    period = Period(key="w", opens=FRIDAY_10_UTC, closes=FRIDAY_10_UTC + timedelta(days=7))
    assert too_late(period, FRIDAY_10_UTC + timedelta(days=days_in)) is late


def test_the_scheduler_sends_no_late_prompt_but_an_admin_may():
    row = None
    thursday = FRIDAY_10_UTC + timedelta(days=6)
    assert prompt_period(person(), row, now=thursday, holidays=set()) is None
    assert prompt_period(person(), row, now=thursday, holidays=set(), send_now=True) is not None


# --- a daily cadence ---------------------------------------------------------------------------------------

STANDUP = TeamCadence(
    team="Platform",
    frequency="daily",
    weekday=0,
    at_minute=9 * 60 + 30,
    first_reminder_hours=4,
    last_reminder_hours=24,
    updated_at=datetime(2026, 1, 1, tzinfo=UTC),
)


def test_a_daily_prompt_goes_at_the_teams_time_on_working_days_only():
    someone = person(timezone="Europe/Paris")
    tuesday = prompt_period(someone, STANDUP, now=datetime(2026, 11, 24, 8, 30, tzinfo=UTC), holidays=set())
    assert tuesday is not None and tuesday.key == "d:2026-11-24"
    before = prompt_period(someone, STANDUP, now=datetime(2026, 11, 24, 8, 29, tzinfo=UTC), holidays=set())
    assert before is None  # Monday's period is in its last quarter: its prompt is not sent now
    for saturday in (datetime(2026, 11, 21, 8, 30, tzinfo=UTC), datetime(2026, 11, 21, 14, 0, tzinfo=UTC)):
        assert prompt_period(someone, STANDUP, now=saturday, holidays=set()) is None  # Friday's is not sent


def test_a_daily_prompt_held_by_a_holiday_or_a_pause_is_not_sent_later():
    holiday = {date(2026, 11, 24)}
    for hour in (8, 12, 20):
        now = datetime(2026, 11, 24, hour, 30, tzinfo=UTC)
        assert prompt_period(person(timezone="Europe/Paris"), STANDUP, now=now, holidays=holiday) is None
    wednesday = datetime(2026, 11, 25, 8, 30, tzinfo=UTC)
    after = prompt_period(person(timezone="Europe/Paris"), STANDUP, now=wednesday, holidays=holiday)
    assert after is not None and after.key == "d:2026-11-25"
    paused = person(timezone="Europe/Paris", paused_until=date(2026, 11, 24))
    assert prompt_period(paused, STANDUP, now=wednesday, holidays=set()).key == "d:2026-11-25"


def test_the_weekend_follows_the_persons_time_zone():
    friday = datetime(2026, 11, 20, 6, 30, tzinfo=UTC)  # 09:30 in Riyadh and 07:30 in Paris
    assert prompt_period(person(timezone="Asia/Riyadh"), STANDUP, now=friday, holidays=set()) is None
    sunday = datetime(2026, 11, 22, 6, 30, tzinfo=UTC)
    assert (
        prompt_period(person(timezone="Asia/Riyadh"), STANDUP, now=sunday, holidays=set()).key
        == "d:2026-11-22"
    )
    assert prompt_period(person(timezone="Europe/Paris"), STANDUP, now=sunday, holidays=set()) is None


def test_a_daily_check_in_gets_one_reminder_the_same_day_and_none_overnight():
    from domain.checkins.cadence import cadence_of
    from domain.checkins.periods import period_at

    cadence = cadence_of(STANDUP)
    opens = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
    day = period_at(cadence, "UTC", opens)
    assert reminder_kind(cadence, day, sent_at=opens, now=opens + timedelta(hours=3, minutes=59)) is None
    assert (
        reminder_kind(cadence, day, sent_at=opens, now=opens + timedelta(hours=4)) == SendKind.first_reminder
    )
    assert (
        reminder_kind(cadence, day, sent_at=opens, now=opens + timedelta(hours=17)) == SendKind.first_reminder
    )
    # no last call before it closes, and nothing in its last quarter (after a night of downtime)
    assert reminder_kind(cadence, day, sent_at=opens, now=opens + timedelta(hours=18, minutes=1)) is None
