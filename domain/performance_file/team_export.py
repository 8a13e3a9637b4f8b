"""A whole team's performance files at once, as a zip with one file per person (HR admins, the operator).

Each file is the single export of that person, made by export.export: the same access rule and private-entry
rule, and the look recorded in each file as a single export records it.
"""

import io
import re
import zipfile
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from domain.core.access import OPERATOR, Operator, is_admin
from domain.core.directory import person_for
from domain.core.refusals import NotAllowed
from domain.performance_file.export import FORMAT_NAMES, FORMATS, ExportError, export
from storage import people
from storage.models import Person

USAGE = "`/checkins export team NAME [md|json|csv|html]`"


@dataclass(frozen=True)
class TeamExport:
    team: str
    format: str
    filename: str
    content: bytes  # a zip
    files: int
    entries: int

    @property
    def format_name(self) -> str:
        return FORMAT_NAMES[self.format]


def members(session: Session, team: str) -> tuple[str, list[Person]]:
    """The team as it is spelled in the org (a different case is the same team) and everyone in it."""
    teams = sorted({p.team for p in people.list_all(session) if p.team})
    spelled = team if team in teams else next((t for t in teams if t.lower() == team.lower()), None)
    if spelled is None:
        known = f" The teams are: {', '.join(teams)}." if teams else ""
        raise ExportError(f'There is no team called "{team}" in checkins.{known}')
    return spelled, list(people.in_team(session, team=spelled))


def team_export(
    session: Session, *, viewer: Person | Operator, team: str, fmt: str, via: str, now: datetime
) -> TeamExport:
    if fmt not in FORMATS:
        raise ExportError(f"There is no {fmt!r} export: choose md, json, csv or html.")
    spelled, everyone = members(session, team)
    buffer, names, entries = io.BytesIO(), set(), 0
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for person in everyone:
            made = export(session, viewer=viewer, person=person, fmt=fmt, via=via, now=now)
            name = made.filename
            if name in names:  # two emails alike before the @: the person's id tells them apart
                name = name.removesuffix(f".{fmt}") + f"-{person.id}.{fmt}"
            names.add(name)
            archive.writestr(name, made.content)
            entries += made.entries
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", spelled).strip("_") or "team"
    return TeamExport(
        team=spelled,
        format=fmt,
        filename=f"performance-files-{slug}-{now:%Y-%m-%d}.zip",
        content=buffer.getvalue(),
        files=len(everyone),
        entries=entries,
    )


def for_operator(session: Session, *, team: str, fmt: str, now: datetime) -> TeamExport:
    """`checkins file export --team NAME`: every file complete, private entries included, as for one."""
    return team_export(session, viewer=OPERATOR, team=team.strip(), fmt=fmt, via="cli", now=now)


def for_slack(session: Session, *, slack_user_id: str, request: str, now: datetime) -> TeamExport:
    """`/checkins export team NAME [FORMAT]` (the request is what follows `team`): HR admins only."""
    viewer = person_for(session, slack_user_id)
    if not is_admin(viewer):
        raise NotAllowed("Only HR admins can export a whole team's files.")
    words = request.split()
    fmt = words.pop().lower() if len(words) > 1 and words[-1].lower() in FORMATS else "md"
    if not words:
        raise ExportError(f"Which team? {USAGE}, Markdown by default.")
    # Slack sends a command's &, < and > escaped; the org CSV's team names are plain ("R&D").
    team = " ".join(words).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return team_export(session, viewer=viewer, team=team, fmt=fmt, via="export", now=now)
