"""The org: who is who, who manages whom, from an HR CSV and from Slack's directory."""

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from domain.core import bounds
from domain.core.clock import utcnow
from domain.core.progress import Progress, silent
from domain.core.slack import Slack, SlackUser
from domain.org import directory, roster
from domain.performance_file.entries import record
from storage import people
from storage.models import EntryKind, Person, Role

_NOT_FOUND = {
    True: "no Slack user has this email",
    # users.lookupByEmail answers alike for an unknown email and for a deactivated account
    False: "no active Slack user has this email (none, or deactivated)",
}


def import_csv(
    session: Session, gateway: Slack, text: str, *, progress: Progress = silent
) -> roster.ImportReport:
    """All or nothing: with any error, nothing is written and every bad row is reported. `progress`
    counts the people matched to their Slack accounts (the long part)."""
    report = roster.ImportReport()
    rows = roster.parse(text, report)
    known = {p.email: p for p in people.list_all(session)}
    roster.check_rows(rows, known, report)

    needed: dict[str, roster.Row] = {}
    for row in rows:
        valid = "@" in row.email and len(row.email) <= bounds.EMAIL_MAX
        if valid and not (row.email in known and known[row.email].slack_user_id):
            needed.setdefault(row.email, row)
    found = directory.resolve(gateway, needed, progress=progress)
    slack_users: dict[str, SlackUser] = {}
    for email, row in needed.items():
        user = found.users.get(email)
        if user is None:
            report.errors.append(roster.RowError(row.line, email, _NOT_FOUND[found.listed]))
        elif user.is_bot:
            report.errors.append(roster.RowError(row.line, email, "this email belongs to a bot"))
        elif user.deleted:
            report.errors.append(roster.RowError(row.line, email, "this Slack account is deactivated"))
        else:
            slack_users[email] = user
    if not report.ok:
        report.errors.sort(key=lambda e: e.line)
        return report

    _write(session, rows, known, slack_users, report)
    return report


def _write(
    session: Session,
    rows: list[roster.Row],
    known: dict[str, Person],
    slack_users: dict[str, SlackUser],
    report: roster.ImportReport,
) -> None:
    has_reports = {r.manager_email for r in rows if r.manager_email}
    before: dict[str, tuple] = {}
    persons: dict[str, Person] = {}
    for row in rows:
        person = known.get(row.email)
        if person is None:
            user = slack_users[row.email]
            person = Person(
                slack_user_id=user.id,
                email=row.email,
                name=user.name,
                active=not user.deleted,
                timezone="UTC",
            )
        else:
            before[row.email] = (person.manager_id, person.team, person.role, person.timezone)
        person.team = row.team
        if row.role:
            person.role = Role(row.role)
        elif person.role != Role.admin:
            person.role = Role.manager if row.email in has_reports else Role.employee
        if row.timezone:
            person.timezone, person.timezone_pinned = row.timezone, True
        else:
            user = slack_users.get(row.email)
            if user and user.tz and roster.valid_timezone(user.tz):
                person.timezone = user.tz
            person.timezone_pinned = False
        persons[row.email] = person
    people.save_all(session, persons.values())  # one flush: ids for the managers below

    for row in rows:
        person = persons[row.email]
        manager = persons.get(row.manager_email) or known.get(row.manager_email)
        person.manager_id = manager.id if manager else None
        state = (person.manager_id, person.team, person.role, person.timezone)
        if row.email not in before:
            report.created += 1
            _note_org_change(session, person, manager, "Joined")
        elif before[row.email] != state:
            report.updated += 1
            person.updated_at = utcnow()
            if before[row.email][:2] != state[:2]:
                _note_org_change(session, person, manager, "Moved")
        else:
            report.unchanged += 1
    people.save_all(session, persons.values())  # and the entries noted above


def _note_org_change(session: Session, person: Person, manager: Person | None, verb: str) -> None:
    text = f"{verb}: team {person.team or '(none)'}, manager {manager.name if manager else '(none)'}"
    record(
        session,
        person=person,
        kind=EntryKind.org_change,
        text=text,
        data={"team": person.team, "manager_id": manager.id if manager else None},
        flush=False,  # the import flushes its people and their entries at once
    )


@dataclass
class SyncReport:
    updated: int = 0
    deactivated: int = 0
    reactivated: int = 0
    not_in_slack: int = 0


def sync(session: Session, gateway: Slack, *, progress: Progress = silent) -> SyncReport:
    """Names, time zones and deactivations from Slack's directory (users.list, paginated).

    The whole directory is read before anything is written: no write lock is held across Slack calls.
    `progress` counts the org's people found in the directory as it is read.
    """
    by_slack_id = {p.slack_user_id: p for p in people.list_all(session)}
    users, matched = [], 0
    for user in gateway.iter_users():
        users.append(user)
        if user.id in by_slack_id:
            matched += 1
            progress(matched, len(by_slack_id))
    progress(len(by_slack_id), len(by_slack_id))
    report = SyncReport()
    for user in users:
        person = by_slack_id.get(user.id)
        if person is not None:
            _apply(session, person, user, report)
    report.not_in_slack = len(set(by_slack_id) - {u.id for u in users})
    return report


def apply_user_change(session: Session, user: dict[str, Any]) -> SyncReport:
    """Slack's user_change event: a deactivation stops prompts at once, not at the next sync."""
    report = SyncReport()
    slack_user = SlackUser.from_api(user)
    person = people.get_by_slack_id(session, slack_user_id=slack_user.id)
    if person is not None:
        _apply(session, person, slack_user, report)
    return report


def _apply(session: Session, person: Person, user: SlackUser, report: SyncReport) -> None:
    changed = False
    if user.name and user.name != person.name:
        person.name, changed = user.name, True
    if not person.timezone_pinned and user.tz != person.timezone and roster.valid_timezone(user.tz or ""):
        person.timezone, changed = user.tz, True
    if user.deleted and person.active:
        person.active, changed = False, True
        report.deactivated += 1
    elif not user.deleted and not person.active:
        person.active, changed = True, True
        report.reactivated += 1
    if changed:
        person.updated_at = utcnow()
        report.updated += 1
        people.save(session, person=person)
