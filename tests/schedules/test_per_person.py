"""Per-person scheduled work as jobs keyed (kind, person, period): a repeated tick or a second scheduler adds
nothing, a failed send is added again only after the ledger's back-off, and a unit whose worker died is
sent by the next run of its job after the lease, not after the ledger's 30 minutes, without a double."""

import threading
from datetime import timedelta

import sqlalchemy as sa

from bot.app import build_services
from domain.checkins import flows
from domain.core.services import Services
from schedules import per_person
from schedules.jobs import run_tick_job
from storage import jobs, people, sends
from storage.db import session_scope
from storage.models import Person
from storage.types import utcnow
from tests.support import joined, utc, wait_for

REPORTS = ["ana@acme.test", "bo@acme.test", "chen@acme.test", "dee@acme.test"]
NOW = utc(2026, 11, 20, 16, 0)  # Friday: this week's prompts are due everywhere


def prompts(sb, uid):
    return [
        m for m in sb.dm_messages(uid) if m.get("bot_id") and m["text"].startswith("Time for your check-in")
    ]


def _unit_jobs(services, kind="send.prompt") -> list[tuple[str, str]]:
    with services.session() as session:
        rows = session.execute(sa.select(jobs.Job.key, jobs.Job.state).where(jobs.Job.kind == kind)).all()
    return sorted((key, state) for key, state in rows)


def test_a_repeated_tick_and_a_second_scheduler_add_each_persons_prompt_once(world):
    joined(world.services, utc(2026, 11, 14))
    other = build_services(world.settings, migrate=False)  # another replica on the same database
    try:
        threads = [
            threading.Thread(target=run_tick_job, args=(s,), kwargs={"now": NOW})
            for s in (world.services, other, world.services)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wait_for(lambda: all(state == jobs.DONE for _, state in _unit_jobs(world.services)), timeout=20)
        run_tick_job(other, now=NOW + timedelta(minutes=1))  # sent: nothing is due
    finally:
        other.engine.dispose()
    keys = [key for key, _ in _unit_jobs(world.services)]
    with world.services.session() as session:
        ids = sorted(people.get_by_email(session, email=e).id for e in REPORTS)
    assert [key.split(":")[1] for key in keys] == [str(i) for i in ids]  # one job per person
    assert all(key.startswith("send.prompt:") and key.endswith(":0") for key in keys)
    assert [len(prompts(world.sb, world.ids[e])) for e in REPORTS] == [1, 1, 1, 1]


def _person(session, n: int) -> Person:
    return people.save(session, person=Person(slack_user_id=f"U{n:08d}", email=f"p{n}@x.test", name=f"P{n}"))


def test_a_unit_is_added_again_only_when_the_ledger_lets_it_go(engine):
    """Keyed with the ledger's attempts: a transient failure comes back after its back-off under a new key;
    a claim in flight does not, unless it is stale (its process died outside any job)."""
    services = Services(engine=engine, gateway=None)  # type: ignore[arg-type]
    key = {"period_key": "w:2026-11-16", "kind": "prompt", "stale_after": flows.STALE_CLAIM}
    with session_scope(engine) as session:
        new, sent, backing_off, backed_off, in_flight, stale = (_person(session, n).id for n in range(6))
        for pid, at in ((sent, NOW), (backing_off, NOW), (backed_off, NOW - timedelta(minutes=6))):
            claim = sends.claim(session, person_id=pid, holder="x", now=at, **key)
            if pid == sent:
                sends.mark_sent(session, send_id=claim.id, holder="x", channel="D1", ts="1.0", now=at)
            else:
                sends.mark_failed(session, send_id=claim.id, holder="x", error="ratelimited", permanent=False)
        sends.claim(session, person_id=in_flight, holder="x", now=NOW - timedelta(minutes=1), **key)
        sends.claim(session, person_id=stale, holder="x", now=NOW - timedelta(minutes=31), **key)
    ids = [new, sent, backing_off, backed_off, in_flight, stale]
    units = [per_person.Unit("prompt", pid, "w:2026-11-16", {}) for pid in ids]
    assert per_person.enqueue(services, units, now=NOW) == 3
    assert per_person.enqueue(services, units, now=NOW) == 0  # the same tick again: nothing
    expected = sorted(
        f"send.prompt:{pid}:w:2026-11-16:{n}" for pid, n in ((new, 0), (backed_off, 1), (stale, 1))
    )
    assert [k for k, _ in _unit_jobs(services)] == expected


def test_the_next_run_of_a_job_takes_over_its_dead_runs_claim_and_finds_what_landed(world):
    """Job 7's run claimed Ana's prompt and Slack took it; job 8's run claimed Bo's and died before posting.
    Their next runs take the claims over at once (no 30 minutes), look in the DM, and send only Bo's. A run
    of another job leaves a live claim alone."""
    joined(world.services, utc(2026, 11, 14))
    services, sb = world.services, world.sb
    units = {u.person_id: u for u in per_person.due(services, now=NOW)}
    with services.session() as session:
        ana, bo, chen = (people.get_by_email(session, email=e) for e in REPORTS[:3])
    period = units[ana.id].period
    # the jobs' second runs, held by this process (their post's confirm keeps their lease going)
    with services.session() as session:
        job = {
            n: jobs.Job(key=f"test:{n}", kind="test.run", payload={}, state=jobs.RUNNING, tries=2,
                        run_after=NOW, lease_until=utcnow() + timedelta(hours=1), holder=services.holder,
                        created_at=NOW)
            for n in (7, 8, 9, 10)
        }  # fmt: skip
        session.add_all(job.values())
        session.flush()
        job = {n: j.id for n, j in job.items()}
    with services.session() as session:
        claims = {
            pid: sends.claim(
                session, person_id=pid, period_key=period, kind="prompt", holder=f"j{job}.1@dead", now=NOW,
                stale_after=flows.STALE_CLAIM,
            )
            for pid, job in ((ana.id, job[7]), (bo.id, job[8]), (chen.id, job[9]))
        }  # fmt: skip
    services.gateway.dm(
        ana.slack_user_id,
        {"text": "Time for your check-in (from the dead run)"},
        metadata={"event_type": flows.SEND_EVENT, "event_payload": {"send_id": claims[ana.id].id}},
    )

    def run_as(n: int, tries: int, person_id: int) -> bool:
        run = jobs.Claimed(id=job[n], key=f"test:{n}", kind="test.run", payload={}, tries=tries)
        with jobs.running(run):
            return per_person.send(services, units[person_id], now=NOW + timedelta(seconds=40))

    assert run_as(10, 2, chen.id) is False  # another job: Chen's claim is job 9's, alive as far as it knows
    assert run_as(7, 2, ana.id) is False  # found in Ana's DM: not sent again
    assert run_as(8, 2, bo.id) is True
    assert [len(prompts(sb, u.slack_user_id)) for u in (ana, bo, chen)] == [1, 1, 0]
    with services.session() as session:
        states = {s.person_id: (s.state, s.attempts) for s in sends.rows(session, kind="prompt", pairs=[
            (p, period) for p in (ana.id, bo.id, chen.id)]).values()}  # fmt: skip
    assert states == {ana.id: ("sent", 2), bo.id: ("sent", 2), chen.id: ("claimed", 1)}
