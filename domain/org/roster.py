"""The HR roster: an org CSV read and checked row by row (columns, emails, roles, time zones, managers,
cycles in the management chain), before anything is written."""

import csv
import io
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from domain.core import bounds
from storage.models import Person, Role

COLUMNS = ("email", "manager_email", "team", "role", "timezone")
ROLES = {r.value for r in Role}


@dataclass(frozen=True)
class RowError:
    line: int
    email: str
    message: str

    def __str__(self) -> str:
        who = f" ({self.email})" if self.email else ""
        return f"line {self.line}{who}: {self.message}"


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class Row:
    line: int
    email: str
    manager_email: str
    team: str
    role: str
    timezone: str


def valid_timezone(name: str) -> bool:
    if not name or len(name) > bounds.TIMEZONE_MAX:  # a very long name is an OSError for ZoneInfo
        return False
    try:
        ZoneInfo(name)
        return True
    except (ZoneInfoNotFoundError, ValueError):
        return False


def parse(text: str, report: ImportReport) -> list[Row]:
    reader = csv.DictReader(io.StringIO(bounds.clean(text).lstrip("\ufeff")))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    unknown = [h for h in header if h not in COLUMNS]
    missing = [c for c in COLUMNS if c not in header]
    if unknown:
        report.errors.append(RowError(1, "", f"unknown column(s): {', '.join(unknown)}"))
    if missing:
        report.errors.append(RowError(1, "", f"missing column(s): {', '.join(missing)}"))
    if unknown or missing:
        return []
    reader.fieldnames = header
    rows = []
    for raw in reader:
        if None in raw:
            report.errors.append(RowError(reader.line_num, "", "more fields than the header has"))
            continue
        values = {k: (v or "").strip() for k, v in raw.items()}
        if not any(values.values()):
            continue
        rows.append(
            Row(
                line=reader.line_num,
                email=values["email"].lower(),
                manager_email=values["manager_email"].lower(),
                team=values["team"],
                role=values["role"].lower(),
                timezone=values["timezone"],
            )
        )
    return rows


def check_rows(rows: list[Row], known: dict[str, Person], report: ImportReport) -> None:
    seen: dict[str, int] = {}
    file_emails = {r.email for r in rows}
    for row in rows:
        fail = lambda message, row=row: report.errors.append(RowError(row.line, row.email, message))  # noqa: E731
        if "@" not in row.email or len(row.email) > bounds.EMAIL_MAX:
            fail("email is missing or not an email address")
        elif row.email in seen:
            fail(f"email appears twice (first on line {seen[row.email]})")
        else:
            seen[row.email] = row.line
        if len(row.team) > bounds.TEAM_MAX:
            fail(f"team name is longer than {bounds.TEAM_MAX} characters")
        if row.role and row.role not in ROLES:
            fail(f"unknown role {row.role!r} (use employee, manager or admin)")
        if row.timezone and not valid_timezone(row.timezone):
            fail(f"unknown time zone {row.timezone!r} (use an IANA name such as Europe/Paris)")
        if row.manager_email and row.manager_email not in file_emails and row.manager_email not in known:
            fail(f"unknown manager {row.manager_email}")
    check_cycles(rows, known, report)


def check_cycles(rows: list[Row], known: dict[str, Person], report: ImportReport) -> None:
    by_id = {p.id: p for p in known.values()}
    manager_of = {
        email: (by_id[p.manager_id].email if p.manager_id in by_id else "") for email, p in known.items()
    }
    manager_of.update({r.email: r.manager_email for r in rows})
    for row in rows:
        chain, current = [row.email], manager_of.get(row.email, "")
        while current:
            if current in chain:
                loop = " → ".join([*chain[chain.index(current) :], current])
                report.errors.append(RowError(row.line, row.email, f"cycle in the management chain: {loop}"))
                break
            chain.append(current)
            current = manager_of.get(current, "")
