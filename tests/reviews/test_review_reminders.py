"""Open review steps as to-dos: on the Home tab, reminded once 3 days after they open and once more 2 days
before the cycle's deadline (each a keyed job from the tick, sent once through the ledger), and each team's
completion for HR admins with `/checkins reviews`."""

from datetime import UTC, datetime, time, timedelta

from domain.reviews import reminders
from domain.reviews.cycles import deadline
from schedules.jobs import run_tick
from storage import jobs, sends
from tests.reviews.test_reviews import QUARTER, agreed_goal, bot_dms, review_of, self_assess, start
from tests.support import wait_for

REMINDER = "Reminder: your"  # the first; the last one's text starts "Last reminder"


def idle(services) -> bool:
    with services.session() as session:
        return jobs.overview(session) == []


def ticks(services, at: datetime, times: int = 2) -> None:
    """The tick, run again as another replica's would: nothing more is sent."""
    for _ in range(times):
        run_tick(services, now=at)
    wait_for(lambda: idle(services), timeout=15)


def ephemeral_texts(sb, uid) -> list[str]:
    return [str(m.get("text", "")) + str(m.get("blocks", "")) for m in sb.ephemerals(uid)]


def home_text(sb, uid) -> str:
    return str((sb.home(uid) or {}).get("blocks", []))


def test_a_self_assessment_is_reminded_after_3_days_and_before_the_deadline_once_each(world):
    sb, services, ids = world.sb, world.services, world.ids
    ana, maria = ids["ana@acme.test"], ids["maria@acme.test"]
    start(services, emails=["ana@acme.test"])
    wait_for(lambda: bot_dms(sb, ana, "Time to review"))
    sb.open_home(ana)
    wait_for(
        lambda: (
            "Your self-assessment for" in home_text(sb, ana) and "Start self-assessment" in home_text(sb, ana)
        )
    )
    opened = review_of(services, "ana@acme.test").created_at
    ticks(services, opened + timedelta(days=2, hours=23))
    assert bot_dms(sb, ana, REMINDER) == []
    ticks(services, opened + timedelta(days=3, minutes=1))
    (first,) = wait_for(lambda: bot_dms(sb, ana, REMINDER))
    assert "self-assessment" in first["text"] and "review_self_open" in str(first["blocks"])
    ticks(services, opened + timedelta(days=5))
    assert len(bot_dms(sb, ana, REMINDER)) == 1

    ends = datetime.combine(deadline(QUARTER.key) + timedelta(days=1), time(0, 0), UTC)
    ticks(services, ends - timedelta(days=2, minutes=1))
    assert bot_dms(sb, ana, "Last reminder") == []
    ticks(services, ends - timedelta(days=1))
    (last,) = wait_for(lambda: bot_dms(sb, ana, "Last reminder"))
    assert f"{deadline(QUARTER.key):%-d %B}" in str(last["blocks"])
    ticks(services, ends - timedelta(hours=2))
    assert len(bot_dms(sb, ana, "Last reminder")) == 1 and len(bot_dms(sb, ana, REMINDER)) == 1
    with services.session() as session:  # once each in the ledger
        ana_id = review_of(services, "ana@acme.test").person_id
        key = reminders.step_key(review_of(services, "ana@acme.test"))
        for kind in (reminders.FIRST, reminders.LAST):
            assert (ana_id, key) in sends.settled(session, kind=kind, period_keys={key})
    assert bot_dms(sb, maria, "review") == []  # not Maria's step yet


def test_the_managers_step_is_reminded_to_the_manager_and_a_done_step_no_more(world):
    sb, services, ids = world.sb, world.services, world.ids
    ana, maria = ids["ana@acme.test"], ids["maria@acme.test"]
    goal_id = agreed_goal(services, "ana@acme.test", "Cut build time in half")
    start(services, emails=["ana@acme.test"])
    wait_for(lambda: bot_dms(sb, ana, "Time to review"))
    assert self_assess(sb, ana, [goal_id]).ok
    wait_for(lambda: bot_dms(sb, maria, "Ana sent their self-assessment"))
    review = review_of(services, "ana@acme.test")
    assert review.status == "self_assessed"
    sb.open_home(maria)
    wait_for(lambda: "Ana's review for" in home_text(sb, maria))
    ticks(services, review.self_assessed_at + timedelta(days=3, minutes=1))
    (reminder,) = wait_for(lambda: bot_dms(sb, maria, "Reminder: your assessment of Ana"))
    assert "review_assess_open" in str(reminder["blocks"])
    # Ana's own step is done: the reminder it would have had by now is never sent.
    assert bot_dms(sb, ana, REMINDER) == []


def test_hr_admins_see_each_teams_review_completion_and_others_are_refused(world):
    sb, services, ids = world.sb, world.services, world.ids
    ana, dee, maria = ids["ana@acme.test"], ids["dee@acme.test"], ids["maria@acme.test"]
    goal_id = agreed_goal(services, "ana@acme.test", "Cut build time in half")
    start(services, emails=["ana@acme.test", "bo@acme.test"])
    wait_for(lambda: bot_dms(sb, ana, "Time to review"))
    assert self_assess(sb, ana, [goal_id]).ok
    wait_for(lambda: review_of(services, "ana@acme.test").status == "self_assessed")
    sb.slash_command(dee, "/checkins", "reviews")
    answer = wait_for(lambda: [t for t in ephemeral_texts(sb, dee) if "Reviews of" in t])[-1]
    assert f"Reviews of {QUARTER.label}: 0 of 2 agreed." in answer
    assert "Platform: 0 of 2 agreed · 1 at self-assessment · 1 at manager's assessment" in answer
    assert "Bo (self-assessment)" in answer and "Ana (manager's assessment, by Maria)" in answer
    sb.slash_command(dee, "/checkins", "reviews last-year")
    wait_for(lambda: any("could not read 'last-year' as a cycle" in t for t in ephemeral_texts(sb, dee)))
    for who in (maria, ana):  # a manager, an employee: refused, and told so
        sb.slash_command(who, "/checkins", "reviews")
        wait_for(lambda w=who: any("Only HR admins" in t for t in ephemeral_texts(sb, w)))
        assert not any("Reviews of" in t for t in ephemeral_texts(sb, who))
