"""Summaries to Slack, each once through the send ledger: the managers' due ones (with the chart in their
thread), one on demand, and the HR channel's."""

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from domain.core import channels, delivery
from domain.core.progress import Progress, silent
from domain.core.services import Services
from domain.core.slack import SlackError
from domain.summaries.chart import chart_png
from domain.summaries.cycles import WEEK_BACK, Cycle, by_summary, period_cycle_of, sent_now_key
from domain.summaries.figures import Summary
from domain.summaries.service import FRESH, HR_CHANNEL, HR_SUMMARY, SUMMARY, build, hr_summary
from message_templates.render import render_message
from storage import app_settings, people
from storage import summaries as store
from storage.models import Person

log = logging.getLogger(__name__)


@dataclass
class Report:
    sent: int = 0
    failed: int = 0


def send_now(services: Services, *, now: datetime, emails: Iterable[str] = ()) -> Report:
    """`checkins summary send`: each manager's latest check-in period so far, once per period."""
    with services.session() as session:
        todo = due_now(session, now=now, emails=emails)
    return send(services, todo, now=now)


def due_now(
    session: Session, *, now: datetime, emails: Iterable[str] = ()
) -> list[tuple[Person, Cycle, str]]:
    """(manager, cycle, ledger key) of the summaries to send now, under a key of their own (sent_now_key)."""
    wanted = {e.lower() for e in emails}
    todo = []
    for manager in store.managers(session):
        if wanted and manager.email not in wanted:
            continue
        summary = build(session, manager=manager, cycle=None, now=now)
        if summary is not None:
            todo.append((manager, summary.cycle, sent_now_key(summary.cycle.key)))
    return todo


def send(
    services: Services, todo: list[tuple[Person, Cycle, str]], *, now: datetime, progress: Progress = silent
) -> Report:
    report = Report()
    for done, (manager, cycle, key) in enumerate(todo, start=1):
        try:
            report.sent += send_one(services, manager, cycle, key, now=now)
        except delivery.DeliveryFailed:
            report.failed += 1
        finally:
            progress(done, len(todo), report.failed)
    return report


def send_one(services: Services, manager: Person, cycle: Cycle, key: str, *, now: datetime) -> bool:
    """One manager's summary of one cycle, once, with its chart in its thread: True when this call sent it.
    Raises DeliveryFailed when Slack refused it (the ledger has it)."""
    made: list[Summary] = []

    def compose(session: Session) -> dict | None:
        fresh = people.get(session, person_id=manager.id)
        summary = build(session, manager=fresh, cycle=cycle, now=now) if fresh and fresh.active else None
        if summary is None or not (summary.figures.asked or summary.goals or summary.pending):
            return None  # nothing happened in this cycle: no summary
        made.append(summary)
        return render_message("summaries/manager.json.j2", summary=summary)

    result = delivery.send_once(
        services, person=manager, key=key, kind=SUMMARY, compose=compose, oldest=now - FRESH, now=now
    )
    if result is None or not result.new or not made:
        return False
    _upload_chart(services, made[0], result.posted)
    return True


def _upload_chart(services: Services, summary: Summary, posted) -> None:
    png = chart_png(summary)
    if png is None:
        return
    try:
        services.gateway.upload_file(
            posted.channel,
            filename=f"summary-{summary.cycle.key.replace(':', '-')}.png",
            content=png,
            title=f"Mood and goal progress, {summary.cycle.label}",
            thread_ts=posted.ts,
        )
    except SlackError as err:  # the summary went out; the chart in its thread is a plus
        log.warning("summary chart for person %s not uploaded: %s", summary.manager.id, err.code)


def _hr_sender(session: Session) -> Person | None:
    """Whose send ledger holds the HR posts: the admin who chose the channel; once they are deleted (their
    record is gone), the first active HR admin, so the channel goes on getting its posts."""
    chooser = app_settings.setting(session, key=f"{HR_CHANNEL}{channels.OWNER_SUFFIX}") or ""
    by = people.get(session, person_id=int(chooser)) if chooser.isdigit() else None
    if by is not None:
        return by
    admins = people.admins(session)
    if not admins:
        log.warning("the HR summary channel is set but no HR admin is left to own its posts")
    return admins[0] if admins else None


def _teams_in(session: Session, keys: set[str]) -> list[str]:
    return sorted({team for key in keys for team in store.teams_in_period(session, period_key=key)})


def send_hr_due(services: Services, *, now: datetime) -> int:
    """One post per closed check-in period, with every team on that cadence, in the HR channel."""
    with services.session() as session:
        channel = app_settings.setting(session, key=HR_CHANNEL)
        by = _hr_sender(session)
        if not channel or by is None:
            return 0
        # A period key is shared by every team on that cadence, whatever its time zone: the post waits
        # until the period has closed for all of them.
        back = now - FRESH - WEEK_BACK
        closed = store.closed_periods(session, per_manager=False, closed_after=back, now=now)
        summed = {key: value for (key,), value in by_summary(closed, now, fresh_after=now - FRESH).items()}
        sent = store.sent_keys(session, kind=HR_SUMMARY, keys=list(summed), person_ids=[by.id])
        periods = {
            key: (first_open, last_close, _teams_in(session, keys))
            for key, (first_open, last_close, keys) in summed.items()
            if (by.id, key) not in sent
        }
    count = 0
    for key, (first_open, last_close, teams) in periods.items():
        cycle = period_cycle_of(key, first_open, last_close)

        def compose(session: Session, cycle: Cycle = cycle, teams: list[str] = teams) -> dict:
            return render_message(
                "summaries/hr.json.j2", summary=hr_summary(session, teams=teams, cycle=cycle, now=now)
            )

        try:
            result = delivery.send_once(
                services,
                person=by,
                key=key,
                kind=HR_SUMMARY,
                compose=compose,
                oldest=now - FRESH,
                now=now,
                channel=channel,
            )
        except delivery.DeliveryFailed:
            continue
        count += bool(result and result.new)
    return count
