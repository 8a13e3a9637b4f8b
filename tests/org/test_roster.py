"""The HR roster read and checked before anything is written (no database: people already known are given)."""

from domain.org import roster
from storage.models import Person
from tests.support import csv_text


def read(text: str, known: dict[str, Person] | None = None) -> tuple[list[roster.Row], list[str]]:
    report = roster.ImportReport()
    rows = roster.parse(text, report)
    if report.ok:
        roster.check_rows(rows, known or {}, report)
    return rows, [str(error) for error in report.errors]


def test_a_good_file_reads_into_rows_with_emails_and_roles_lowered():
    rows, errors = read(
        csv_text(
            [
                ["Maria@Acme.test", "", "Platform", "Manager", "America/New_York"],
                ["ana@acme.test", "MARIA@acme.test", "Platform", "", ""],
            ]
        )
    )
    assert errors == []
    assert [(r.line, r.email, r.manager_email, r.role) for r in rows] == [
        (2, "maria@acme.test", "", "manager"),
        (3, "ana@acme.test", "maria@acme.test", ""),
    ]


def test_a_byte_order_mark_and_blank_lines_are_ignored():
    rows, errors = read("\ufeff" + csv_text([["a@x.test", "", "T", "", ""]]) + ",,,,\n")
    assert errors == [] and [r.email for r in rows] == ["a@x.test"]


def test_unknown_and_missing_columns_are_named():
    _, errors = read("email,boss,team,role\na@x.test,,T,\n")
    assert errors == ["line 1: unknown column(s): boss", "line 1: missing column(s): manager_email, timezone"]


def test_each_bad_row_is_reported_with_its_line_and_email():
    text = csv_text(
        [
            ["not-an-email", "", "T", "", ""],
            ["a@x.test", "", "T", "chief", ""],
            ["b@x.test", "", "T", "", "Mars/Olympus"],
            ["c@x.test", "nobody@x.test", "T", "", ""],
            ["a@x.test", "", "T", "", ""],
            ["d@x.test", "", "T" * 101, "", ""],
        ]
    )
    _, errors = read(text)
    assert errors == [
        "line 2 (not-an-email): email is missing or not an email address",
        "line 3 (a@x.test): unknown role 'chief' (use employee, manager or admin)",
        "line 4 (b@x.test): unknown time zone 'Mars/Olympus' (use an IANA name such as Europe/Paris)",
        "line 5 (c@x.test): unknown manager nobody@x.test",
        "line 6 (a@x.test): email appears twice (first on line 3)",
        "line 7 (d@x.test): team name is longer than 100 characters",
    ]


def test_a_row_with_more_fields_than_the_header_is_refused():
    _, errors = read("email,manager_email,team,role,timezone\na@x.test,,T,,,extra\n")
    assert errors == ["line 2: more fields than the header has"]


def test_a_cycle_in_the_management_chain_is_named_whole():
    _, errors = read(csv_text([["a@x.test", "b@x.test", "T", "", ""], ["b@x.test", "a@x.test", "T", "", ""]]))
    assert "line 2 (a@x.test): cycle in the management chain: a@x.test → b@x.test → a@x.test" in errors


def test_a_cycle_through_someone_already_known_is_found_too():
    known = {"boss@x.test": Person(id=1, email="boss@x.test", manager_id=None, slack_user_id="U1", name="B")}
    known["boss@x.test"].manager_id = 2
    known["ana@x.test"] = Person(id=2, email="ana@x.test", manager_id=None, slack_user_id="U2", name="A")
    _, errors = read(csv_text([["ana@x.test", "boss@x.test", "T", "", ""]]), known)
    assert any("cycle in the management chain: ana@x.test → boss@x.test → ana@x.test" in e for e in errors)


def test_a_manager_known_from_an_earlier_import_need_not_be_in_the_file():
    known = {"boss@x.test": Person(id=1, email="boss@x.test", slack_user_id="U1", name="B")}
    _, errors = read(csv_text([["ana@x.test", "boss@x.test", "T", "", ""]]), known)
    assert errors == []


def test_time_zones_are_iana_names_of_sane_length():
    assert roster.valid_timezone("Europe/Paris")
    assert not roster.valid_timezone("")
    assert not roster.valid_timezone("Europe/Nowhere")
    assert not roster.valid_timezone("A" * 500)
