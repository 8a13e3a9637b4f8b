"""CSV cells no spreadsheet runs as a formula, and read back exactly (domain/performance_file/export)."""

import csv
import io

import pytest

from domain.performance_file.export import CSV_COLUMNS, _csv, csv_cell, csv_value

VALUES = [
    '=HYPERLINK("https://evil.test","click")',
    "+1+2",
    "-2+3",
    "@SUM(A1:A2)",
    "\tindented",
    "\rreturn",
    "'already quoted",
    "''twice",
    "=",
    "",
    "plain, with a comma",
    "a = b + c - d @ e",  # formula characters inside a cell are harmless
    "42",
]


@pytest.mark.parametrize("value", VALUES)
def test_a_cell_never_starts_like_a_formula_and_reads_back_exactly(value):
    cell = csv_cell(value)
    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert csv_value(cell) == value


def test_only_risky_cells_change():
    assert csv_cell("=1") == "'=1" and csv_cell("'x") == "''x"
    assert csv_cell("hello") == "hello" and csv_cell(7) == "7"


def test_every_cell_of_a_written_file_is_quoted_and_inert():
    entry = {"id": 1, "time": "t", "kind": "note", "text": "", "data": {}, "private": False}
    doc = {
        "entries": [
            {**entry, "text": v, "author": {"name": "=Evil", "email": "-x@acme.test"}} for v in VALUES
        ]
    }
    written = _csv(doc)
    rows = list(csv.reader(io.StringIO(written, newline="")))
    assert rows[0] == CSV_COLUMNS
    for row in rows[1:]:
        assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row)
    assert [csv_value(r[CSV_COLUMNS.index("text")]) for r in rows[1:]] == VALUES
    assert {csv_value(r[CSV_COLUMNS.index("author_name")]) for r in rows[1:]} == {"=Evil"}
    assert all(line.startswith('"') for line in written.split("\r\n") if line)  # every cell quoted
