"""A person's whole performance file as Markdown, JSON, CSV or HTML.

Every entry the reader may see, oldest first, each with its time (ISO 8601, UTC), kind, author, text and data.
It is read through entries.read_all: the same access rule and private-entry rule as every other
read, and a look at someone else's file is recorded in it.
"""

import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from sqlmodel import Session

from domain.core.access import OPERATOR, Operator
from domain.core.directory import mentioned, person_for
from domain.core.refusals import Refusal
from domain.performance_file import entries
from storage import people
from storage.models import Person

FORMATS = ("md", "json", "csv", "html")
FORMAT_NAMES = {"md": "Markdown", "json": "JSON", "csv": "CSV", "html": "HTML"}
CSV_COLUMNS = ["id", "time", "kind", "author_name", "author_email", "text", "data", "private"]
# A spreadsheet runs a cell that starts with one of these as a formula (OWASP, "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
USAGE = "`/checkins export [@person] [md|json|csv|html]`"


class ExportError(Refusal):
    """Refused by this feature; the message is what the person reads."""


@dataclass(frozen=True)
class Export:
    person: Person
    format: str
    filename: str
    content: bytes
    entries: int

    @property
    def format_name(self) -> str:
        return FORMAT_NAMES[self.format]


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _who(person: Person | None) -> dict[str, str] | None:
    return {"name": person.name, "email": person.email} if person else None


def document(whole: entries.WholeFile, *, viewer: Person | Operator, now: datetime) -> dict[str, Any]:
    """The export as plain data; every format is written from this."""
    person = whole.person
    return {
        "person": {**(_who(person) or {}), "team": person.team, "slack_user_id": person.slack_user_id},
        "exported_at": iso(now),
        "exported_by": "operator (command line)" if isinstance(viewer, Operator) else _who(viewer),
        "includes_private_entries": whole.includes_private,
        "entries": [
            {
                "id": entry.id,
                "time": iso(entry.created_at),
                "kind": entry.kind,
                # None: written by the app itself (org changes), by the operator, or by a person since erased
                "author": _who(whole.authors.get(entry.author_id) if entry.author_id else None),
                "text": entry.text,
                "data": entry.data,
                "private": entry.private,
            }
            for entry in whole.entries
        ],
    }


@lru_cache(maxsize=1)
def _templates() -> Environment:
    return Environment(
        loader=PackageLoader("domain.performance_file", "export_templates"),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _fence(text: str) -> str:
    """A Markdown code fence longer than any run of backticks in the text: shown exactly as written."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def csv_cell(value: Any) -> str:
    """A cell no spreadsheet runs: one starting like a formula gets a leading apostrophe, which
    spreadsheets show as text. A cell already starting with one gets another, so a reader gets every cell
    back exactly by dropping one leading apostrophe (csv_value)."""
    text = str(value)
    return "'" + text if text.startswith((*FORMULA_STARTS, "'")) else text


def csv_value(cell: str) -> str:
    """What csv_cell was given."""
    return cell[1:] if cell.startswith("'") else cell


def _csv(doc: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, quoting=csv.QUOTE_ALL)  # OWASP: quote every cell
    writer.writeheader()
    for entry in doc["entries"]:
        author = entry["author"] or {}
        row = {
            "id": entry["id"],
            "time": entry["time"],
            "kind": entry["kind"],
            "author_name": author.get("name", ""),
            "author_email": author.get("email", ""),
            "text": entry["text"],
            "data": json.dumps(entry["data"], ensure_ascii=False, sort_keys=True),
            "private": "true" if entry["private"] else "false",
        }
        writer.writerow({column: csv_cell(value) for column, value in row.items()})
    return out.getvalue()


def render(doc: dict[str, Any], fmt: str) -> bytes:
    if fmt == "json":
        return (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode()
    if fmt == "csv":
        return _csv(doc).encode("utf-8-sig")  # the BOM tells spreadsheets it is UTF-8
    template = _templates().get_template(f"file.{fmt}.j2")
    labels = entries.KIND_LABELS
    return template.render(doc=doc, labels=labels, fence=_fence, dumps=json.dumps).encode()


def _filename(person: Person, fmt: str, now: datetime) -> str:
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", person.email.split("@")[0]) or "person"
    return f"performance-file-{slug}-{now:%Y-%m-%d}.{fmt}"


def export(
    session: Session, *, viewer: Person | Operator, person: Person, fmt: str, via: str, now: datetime
) -> Export:
    if fmt not in FORMATS:
        raise ExportError(f"There is no {fmt!r} export: choose md, json, csv or html.")
    whole = entries.read_all(session, viewer=viewer, person=person, via=via)
    return Export(
        person=person,
        format=fmt,
        filename=_filename(person, fmt, now),
        content=render(document(whole, viewer=viewer, now=now), fmt),
        entries=len(whole.entries),
    )


def for_operator(session: Session, *, email: str, fmt: str, now: datetime) -> Export:
    """`checkins file export`: anyone's complete file, private entries included (see README)."""
    person = people.get_by_email(session, email=email.strip())
    if person is None:
        raise ExportError(f"{email} is not in checkins (no one has this email)")
    return export(session, viewer=OPERATOR, person=person, fmt=fmt, via="cli", now=now)


def for_slack(session: Session, *, slack_user_id: str, request: str, now: datetime) -> Export:
    """`/checkins export [@person] [FORMAT]`: your own file, a report's (managers) or anyone's (admins)."""
    viewer = person_for(session, slack_user_id)
    ids = mentioned(request)
    words = [w.lower() for w in re.sub(r"<[^>]*>", " ", request).split()]
    if len(ids) > 1 or len(words) > 1 or (words and words[0] not in FORMATS):
        raise ExportError(f"I did not follow that. {USAGE}, Markdown by default.")
    person = viewer
    if ids:
        found = people.get_by_slack_id(session, slack_user_id=ids[0])
        if found is None:
            raise ExportError("That person is not in checkins: there is no file to export.")
        person = found
    return export(
        session, viewer=viewer, person=person, fmt=words[0] if words else "md", via="export", now=now
    )
