"""A team checking in every working day, through the sandbox: chosen in `/checkins settings`, a prompt at the
team's time on each working day (no weekend, holiday or pause), one same-day reminder, a digest message a
day, and the manager's summary once a week."""

from datetime import date, timedelta

from domain.checkins import digest
from domain.checkins import service as checkin_service
from domain.checkins.holidays import add_as_operator
from schedules.jobs import run_tick
from storage import checkins as store
from storage import people, sends
from storage.models import SendKind
from tests.support import joined, utc, wait_for


def prompts(sb, uid):
    return [
        m for m in sb.dm_messages(uid) if m.get("bot_id") and m["text"].startswith("Time for your check-in")
    ]


def bot_messages(sb, uid, starts):
    return [m for m in sb.dm_messages(uid) if m.get("bot_id") and m["text"].startswith(starts)]


def choose_daily(world, **values):
    sb, maria = world.sb, world.ids["maria@acme.test"]
    sb.slash_command(maria, "/checkins", "settings")
    wait_for(lambda: sb.open_views(maria))
    return sb.submit_view(maria, {"template": "standup", "frequency": "daily", "time": "09:00", **values})


def answer(world, email, period_key, values, at):
    """Answered inside its period (the handlers check periods against the real clock: the domain here), then
    shared with the team as the handler does."""
    services = world.services
    with services.session() as session:
        person = people.get_by_email(session, email=email)
        checkin = store.get_for(session, person_id=person.id, period_key=period_key)
        result = checkin_service.submit(
            session, slack_user_id=world.ids[email], checkin_id=checkin.id, answers=values, now=at
        )
        assert not result.errors, result.errors
    digest.share_with_team(services, checkin_id=checkin.id, now=at)


def test_a_team_on_every_working_day_is_asked_each_working_day_and_summed_up_weekly(world):
    sb, services, ids = world.sb, world.services, world.ids
    ana, maria = ids["ana@acme.test"], ids["maria@acme.test"]
    refused = choose_daily(world, first_reminder="24")
    assert refused.status == 200 and "first_reminder" in refused.json["errors"]
    assert choose_daily(world, first_reminder="4").status == 200
    wait_for(lambda: sb.open_views(maria) == [])
    sb.slash_command(ana, "/checkins", "")
    wait_for(lambda: "every working day at 09:00" in sb.transcript(ana))

    channel = sb.add_channel("platform-standup")
    sb.slash_command(maria, "/checkins", f"channel <#{channel}|platform-standup>")
    wait_for(lambda: len(sb.channel_messages(channel)) == 1)  # the welcome
    joined(services, utc(2026, 11, 17))
    with services.session() as session:
        for cadence in store.cadences(session).values():
            cadence.updated_at = utc(2026, 11, 17)
    add_as_operator_holiday(services, date(2026, 11, 25), "Founders' day")

    # Ana is in São Paulo: 09:00 there is 12:00 UTC. Monday 23 to Monday 30 November.
    seen = {}
    for day in range(23, 31):
        run_tick(services, now=utc(2026, 11, day, 11, 59))
        before = len(prompts(sb, ana))
        run_tick(services, now=utc(2026, 11, day, 12, 0))
        if day == 24:
            answer(
                world,
                "ana@acme.test",
                "d:2026-11-24",
                {"yesterday": "Billing", "today": "Review <!here>", "on_track": "yes"},
                utc(2026, 11, 24, 13),
            )
        run_tick(services, now=utc(2026, 11, day, 16, 1))  # the reminder, 4 hours after the prompt
        run_tick(services, now=utc(2026, 11, day, 23, 0))
        seen[day] = len(prompts(sb, ana)) - before
    # Wednesday 25 is a company holiday; 28 and 29 are the weekend.
    assert seen == {23: 1, 24: 1, 25: 0, 26: 1, 27: 1, 28: 0, 29: 0, 30: 1}
    assert len(bot_messages(sb, ana, "A reminder")) == 4  # not on Tuesday, answered before it
    assert bot_messages(sb, ana, "Last call") == []
    assert bot_messages(sb, maria, "Your team") == []  # no summary a day
    run_tick(services, now=utc(2026, 12, 1, 8, 59))  # Monday's is not chased overnight
    assert len(bot_messages(sb, ana, "A reminder")) == 4

    # Another day's answer: a digest message of its own.
    answer(
        world,
        "ana@acme.test",
        "d:2026-11-26",
        {"yesterday": "Holiday", "today": "Docs", "on_track": "yes"},
        utc(2026, 11, 26, 14),
    )
    headers = [m for m in sb.channel_messages(channel)[1:] if m.get("thread_ts", m["ts"]) == m["ts"]]
    assert [h["text"] for h in headers] == [
        "Platform check-ins, Tuesday 24 November: 1 of 4 so far",
        "Platform check-ins, Thursday 26 November: 1 of 4 so far",
    ]
    assert "Review &lt;!here&gt;" in str(sb.channel_messages(channel))

    # The manager's summary: once, for the whole week, when its last day has closed everywhere.
    weekly = lambda: [m for m in bot_messages(sb, maria, "Your team") if "week" in m["text"]]  # noqa: E731
    assert weekly() == []
    run_tick(services, now=utc(2026, 12, 1, 9, 0))
    run_tick(services, now=utc(2026, 12, 1, 9, 1))
    (summary,) = wait_for(weekly)
    assert summary["text"].startswith("Your team, daily check-ins of the week of Mon 23 Nov:")
    with services.session() as session:
        assert sends.count(session, kind="summary") == 2  # that week's and November's
        assert sends.count(session, kind=SendKind.digest) == 2
    assert sb.problems == []


def add_as_operator_holiday(services, day, name):
    with services.session() as session:
        add_as_operator(session, day=day, name=name)


def test_a_daily_check_in_answered_early_suppresses_that_days_prompt(world):
    sb, services, ana = world.sb, world.services, world.ids["ana@acme.test"]
    assert choose_daily(world).status == 200
    joined(services, utc(2026, 11, 17))
    with services.session() as session:
        for cadence in store.cadences(session).values():
            cadence.updated_at = utc(2026, 11, 17)
        # Friday evening: Friday's check-in, then Monday's, opened early (`/checkins now`, twice)
        friday = utc(2026, 11, 27, 21)
        for key in ("d:2026-11-27", "d:2026-11-30"):
            opened = checkin_service.early(session, slack_user_id=ana, now=friday)
            assert store.get(session, checkin_id=opened).period_key == key
            answers = {"yesterday": "a", "today": "b", "on_track": "yes"}
            done = checkin_service.submit(
                session, slack_user_id=ana, checkin_id=opened, answers=answers, now=friday
            )
            assert not done.errors
    run_tick(services, now=utc(2026, 11, 30, 12, 0) + timedelta(minutes=1))
    assert [m["text"] for m in prompts(sb, ana)] == []
