"""`checkins db copy`: a working org's database copied into the other backend (SQLite to PostgreSQL and back),
every row and id kept, ids never reused on the target; targets that are not new and empty refused."""

import dataclasses
import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

from bot.app import build_services
from domain.performance_file import privacy
from storage import people
from storage.db import make_engine, upgrade
from storage.db_copy import LEFT, SEEDED, CopyError, copy_database, head
from tests.conftest import PG_SERVER_URL
from tests.goals.test_goals import agreed, result_goal
from tests.one_on_ones.test_one_on_ones import points, set_up
from tests.performance_file.test_export import build_anas_file
from tests.support import cli_env, csv_text, import_org, run_cli, slack_users, wait_for

COPIED = [t for t in SQLModel.metadata.sorted_tables if t.name not in LEFT]


@pytest.fixture
def other_url(backend, tmp_path, request):
    """A new database, not migrated, on the other backend: where the copy goes."""
    if backend == "postgresql":
        yield f"sqlite:///{tmp_path / 'target.db'}"
        return
    if "postgresql" not in request.config.checkins_backends:  # under CI the run fails before this
        pytest.skip("PostgreSQL is off (CHECKINS_TEST_POSTGRES=0)")
    name = f"checkins_copy_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_SERVER_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(PG_SERVER_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def contents(url: str) -> dict[str, list[dict]]:
    """Every copied table's rows, read through the app's column types (so both backends read alike)."""
    engine = make_engine(url, pooled=False)
    try:
        with engine.connect() as conn:
            return {
                t.name: [
                    dict(r._mapping) for r in conn.execute(sa.select(t).order_by(*t.primary_key.columns))
                ]
                for t in COPIED
            }
    finally:
        engine.dispose()


def a_working_org(world) -> int:
    """Check-ins, messages, feedback (one private), a look at a file, an agreed goal, a 1:1 with a point;
    and Zed, imported last and then deleted: the people table's newest id is gone. Returns Zed's id."""
    sb, ids = world.sb, world.ids
    build_anas_file(world)
    agreed(world, result_goal())
    set_up(world)
    sb.slash_command(ids["ana@acme.test"], "/checkins", "1on1 add Career path")
    wait_for(lambda: points(world.services))
    slack_users(sb, {"zed@acme.test": "UTC"})
    assert import_org(world.services, csv_text([["zed@acme.test", "", "Data", "", ""]])).ok
    with world.services.session() as session:
        zed = people.get_by_email(session, email="zed@acme.test").id
        privacy.erase(session, email="zed@acme.test")
    return zed


def test_a_working_org_moves_to_the_other_database_whole_and_goes_on_there(
    world, database_url, other_url, tmp_path
):
    zed = a_working_org(world)
    before = contents(database_url)
    assert all(
        before[t] for t in ("checkins", "goals", "feedback", "file_entries", "one_on_one_points", "jobs")
    )
    result = run_cli(["db", "copy", "--to", other_url], cli_env(world.sb, database_url), tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == len(COPIED) + 1
    assert (
        f"people {len(before['people'])} rows".split()
        == lines[[t.name for t in COPIED].index("people")].split()
    )
    total = sum(len(rows) for rows in before.values())
    assert lines[-1].startswith(f"{len(COPIED)} tables, {total} rows copied")
    assert contents(other_url) == before  # every row, ids and all, read back the same
    with make_engine(other_url, pooled=False).connect() as conn:
        assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == head()
    # The app works on the target, and a new person's id comes after every id given, Zed's included.
    services = build_services(dataclasses.replace(world.settings, database_url=other_url), migrate=False)
    slack_users(world.sb, {"yan@acme.test": "UTC"})
    assert import_org(services, csv_text([["yan@acme.test", "maria@acme.test", "Platform", "", ""]])).ok
    with services.session() as session:
        yan = people.get_by_email(session, email="yan@acme.test")
        assert yan.id > zed > max(p["id"] for p in before["people"])
    services.engine.dispose()
    # A second copy finds the target in use and changes nothing.
    again = run_cli(["db", "copy", "--to", other_url], cli_env(world.sb, database_url), tmp_path)
    assert again.returncode == 1 and again.stdout == ""
    assert again.stderr.startswith("Error: the target is not empty (") and "Traceback" not in again.stderr
    assert len(contents(other_url)["people"]) == len(before["people"]) + 1


def test_a_copy_in_small_batches_into_a_migrated_target_is_exact(world, database_url, tmp_path):
    a_working_org(world)
    target = f"sqlite:///{tmp_path / 'migrated.db'}"
    upgrade(target)
    told = []
    copied = copy_database(database_url, target, on_table=told.append, batch=2)
    assert told == copied and [c.table for c in copied] == [t.name for t in COPIED]
    before = contents(database_url)
    assert {c.table: c.rows for c in copied} == {t: len(rows) for t, rows in before.items()}
    assert contents(target) == before


def test_a_new_database_migrated_holds_only_the_rows_the_copy_expects_there(other_url):
    upgrade(other_url)
    engine = make_engine(other_url, pooled=False)
    with engine.connect() as conn:
        counts = {t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar() for t in COPIED}
        counts |= {name: conn.execute(sa.text(f"SELECT count(*) FROM {name}")).scalar() for name in LEFT}
    engine.dispose()
    assert {name: n for name, n in counts.items() if n and name != "alembic_version"} == SEEDED


def test_a_target_at_another_revision_or_the_current_database_itself_is_refused(database_url, tmp_path):
    older = f"sqlite:///{tmp_path / 'older.db'}"
    upgrade(older, "0013")
    with pytest.raises(CopyError, match="the target is at revision 0013, not"):
        copy_database(database_url, older)
    with pytest.raises(CopyError, match="the target is the current database"):
        copy_database(database_url, database_url)


def test_copy_mistakes_end_in_one_line_and_status_1(world, database_url, tmp_path):
    env = cli_env(world.sb, database_url)
    for target, message in [
        ("nonsense", "Error: the copy failed, nothing was copied: Could not parse"),
        (
            f"sqlite:///{tmp_path}/no/such/dir/x.db",
            "Error: the copy failed, nothing was copied: unable to open",
        ),
    ]:
        result = run_cli(["db", "copy", "--to", target], env, tmp_path)
        assert result.returncode == 1 and result.stdout == ""
        assert result.stderr.startswith(message) and len(result.stderr.splitlines()) == 1, result.stderr


def test_a_row_the_target_cannot_hold_stops_the_copy_naming_its_table_and_leaves_the_target_empty(
    world, database_url, other_url, tmp_path
):
    """SQLite does not hold a text to its column's length; PostgreSQL does."""
    if not database_url.startswith("sqlite"):
        pytest.skip("only SQLite keeps a text longer than its column")
    engine = make_engine(database_url, pooled=False)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE people SET team = :t WHERE email = 'bo@acme.test'"), {"t": "T" * 150})
    engine.dispose()
    result = run_cli(["db", "copy", "--to", other_url], cli_env(world.sb, database_url), tmp_path)
    assert result.returncode == 1 and len(result.stderr.splitlines()) == 1, result.stderr
    assert result.stderr.startswith("Error: people: value too long for type character varying(100)")
    assert "bo@acme.test" not in result.stderr
    assert {t: len(rows) for t, rows in contents(other_url).items() if rows} == {"checkin_templates": 1}
