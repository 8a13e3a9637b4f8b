"""The Home tab kept current: a change on someone's to-do list made elsewhere shows on their Home without
their opening it again, a burst of changes makes a bounded number of views.publish, and a request run late
never publishes an older choice over a newer one; a publish Slack refused lets go of its lease at once."""

import time

from domain.checkins import service as checkin_service
from domain.checkins.due import too_late
from domain.core.clock import utcnow
from domain.home import publish
from schedules.jobs import run_tick
from storage import checkins as checkin_store
from storage import home_views, jobs, people
from tests.support import joined, utc, wait_for


def at(uid: str) -> str:
    return f"<@{uid}|someone>"


def shown(sb, uid) -> str:
    return str((sb.home(uid) or {}).get("blocks", []))


def publishes_to(sb, uid) -> int:
    return len([c for c in sb.calls_to("views.publish") if c.args.get("user_id") == uid and c.ok])


def idle(services) -> bool:
    with services.session() as session:
        return jobs.overview(session) == []


def test_a_feedback_request_made_elsewhere_shows_on_the_home_of_whoever_has_one(world):
    sb, ids = world.sb, world.ids
    ana, bo, chen = ids["ana@acme.test"], ids["bo@acme.test"], ids["chen@acme.test"]
    sb.open_home(ana)
    wait_for(lambda: "Your check-in is open." in shown(sb, ana))
    assert "asked for your feedback" not in shown(sb, ana)
    sb.slash_command(bo, "/feedback", f"request {at(ana)} {at(chen)}")
    wait_for(lambda: "Bo asked for your feedback." in shown(sb, ana), timeout=10)
    # Chen never opened Home: Slack would show it to nobody, so nothing is published for them.
    wait_for(lambda: idle(world.services), timeout=10)
    assert publishes_to(sb, chen) == 0
    assert sb.problems == []


def test_a_burst_of_changes_makes_a_bounded_number_of_publishes(world):
    sb, ids = world.sb, world.ids
    ana, maria = ids["ana@acme.test"], ids["maria@acme.test"]
    sb.slash_command(ana, "/checkins", f"1on1 with {at(maria)} weekly tue 10:00")
    wait_for(lambda: "Your 1:1 with Maria is set" in sb.transcript(ana))
    sb.open_home(ana)
    wait_for(lambda: "1:1" in shown(sb, ana))
    wait_for(lambda: idle(world.services), timeout=10)
    before, started = publishes_to(sb, ana), time.time()
    for n in range(8):
        sb.slash_command(maria, "/checkins", f"1on1 add Topic number {n}")
    took = time.time() - started
    wait_for(lambda: "Topic number 7" in shown(sb, ana), timeout=15)
    wait_for(lambda: idle(world.services), timeout=10)
    made = publishes_to(sb, ana) - before
    # One per 2-second window the burst spanned, plus one for the window it ended in: not one per change.
    windows = int(took // 2) + 2
    assert 1 <= made <= min(windows, 7), (made, took)
    assert all(f"Topic number {n}" in shown(sb, ana) for n in range(8))


def test_an_open_home_event_delivered_late_does_not_publish_over_a_later_switch(world):
    sb, ids, services = world.sb, world.ids, world.services
    ana, maria = ids["ana@acme.test"], ids["maria@acme.test"]
    sb.send_dm(ana, "Parser shipped")
    sb.open_home(maria)
    wait_for(lambda: "Your performance file" in shown(sb, maria))
    opened_before_the_switch = time.time()
    sb.select(maria, "home_file_switch", ana)
    wait_for(lambda: "Parser shipped" in shown(sb, maria))
    wait_for(lambda: idle(services), timeout=10)
    publishes = publishes_to(sb, maria)
    # Slack delivers an app_home_opened from before the switch only now (a slow first try, a retry).
    assert sb.open_home(maria, event_ts=opened_before_the_switch - 1).ok
    wait_for(lambda: idle(services), timeout=10)
    assert "Parser shipped" in shown(sb, maria) and "reading <@" in shown(sb, maria)
    assert publishes_to(sb, maria) == publishes  # nothing newer to show: nothing published
    with services.session() as session:
        row = home_views.get(session, person_id=people.get_by_slack_id(session, slack_user_id=maria).id)
        assert row.subject_id is not None and row.published == row.wanted
    # A change on Maria's to-do list while she reads Ana's file leaves that file on her screen.
    sb.slash_command(ids["bo@acme.test"], "/feedback", f"request {at(maria)}")
    wait_for(lambda: idle(services), timeout=10)
    assert "Parser shipped" in shown(sb, maria)
    sb.open_home(maria)  # a new open shows her own file again, with the request waiting
    wait_for(lambda: "Bo asked for your feedback." in shown(sb, maria))


def test_renders_reach_slack_one_publisher_at_a_time_in_the_order_they_were_asked(world):
    """A publisher holding a person's lease gets the later request's render out too: the other request
    leaves its work to it rather than racing it to Slack."""
    sb, ids, services = world.sb, world.ids, world.services
    maria, ana = ids["maria@acme.test"], ids["ana@acme.test"]
    sb.send_dm(ana, "Parser shipped")
    sb.open_home(maria)
    wait_for(lambda: "Your performance file" in shown(sb, maria))
    wait_for(lambda: idle(services), timeout=10)
    with services.session() as session:
        person_id = people.get_by_slack_id(session, slack_user_id=maria).id
        subject_id = people.get_by_slack_id(session, slack_user_id=ana).id
    with services.session() as session:  # a request arrives while another publisher holds the lease
        assert home_views.choose(
            session, person_id=person_id, subject_id=subject_id, page=0, as_of=None, refusal=None, at=2**62
        )
        held = home_views.start_publishing(session, person_id=person_id, now=utcnow())
        assert held is not None
    publish.publish(services, person_id=person_id)  # the lease is held: it publishes nothing
    assert "Parser shipped" not in shown(sb, maria)
    with services.session() as session:  # the holder finishes an older render: it is told to go on
        assert home_views.done_publishing(session, person_id=person_id, version=held.wanted - 1)
    publish.publish(services, person_id=person_id)
    wait_for(lambda: "Parser shipped" in shown(sb, maria))


def test_a_check_in_whose_prompt_was_suppressed_late_in_its_period_is_on_home_until_answered(world):
    sb, ids, services = world.sb, world.ids, world.services
    ana = ids["ana@acme.test"]
    joined(services, utc(2020, 1, 1))  # long in the org: only lateness keeps the prompt back
    with services.session() as session:
        person = people.get_by_slack_id(session, slack_user_id=ana)
        period = checkin_service.current_period(session, person, utcnow())
    late = max(period.closes - (period.closes - period.opens) / 8, utcnow())  # its last quarter
    assert too_late(period, late)
    run_tick(services, now=late)
    wait_for(lambda: idle(services), timeout=10)
    assert not [m for m in sb.dm_messages(ana) if "Time for your check-in" in m.get("text", "")]
    sb.open_home(ana)
    wait_for(lambda: "Your check-in is open." in shown(sb, ana) and "Check in now" in shown(sb, ana))
    sb.click(ana, "checkin_open", surface="home")
    wait_for(lambda: sb.open_views(ana))
    assert sb.submit_view(ana, {"mood": "4", "progress": "Late but done"}).ok
    wait_for(lambda: "Your check-in is open." not in shown(sb, ana), timeout=10)  # refreshed, not reopened
    with services.session() as session:
        row = checkin_store.get_for(session, person_id=person.id, period_key=period.key)
        assert row is not None and row.status == "submitted"


def test_a_refused_publish_lets_go_of_its_lease_so_the_next_open_publishes_at_once(world):
    """The publishing lease is taken before the render and let go when the render or views.publish fails:
    else the Home would wait out home_views.LEASE (30 s) before anyone could publish it."""
    sb, ana = world.sb, world.ids["ana@acme.test"]
    sb.inject_error("views.publish", "internal_error", channel=ana)
    started = time.monotonic()
    sb.open_home(ana)
    wait_for(lambda: [c for c in sb.calls_to("views.publish") if c.args.get("user_id") == ana], timeout=10)
    sb.open_home(ana)
    wait_for(lambda: "Your check-in is open." in shown(sb, ana), timeout=10)
    assert time.monotonic() - started < home_views.LEASE.total_seconds() / 2
    refused = [c for c in sb.calls_to("views.publish") if c.args.get("user_id") == ana and not c.ok]
    assert len(refused) == 1
