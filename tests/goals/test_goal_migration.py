"""Migration 0011 on a database holding goals: the kept progress filled in as it is computed, and the tables
still never reusing an id (SQLite AUTOINCREMENT, from 0008)."""

import pytest

from storage.db import make_engine, upgrade

GOAL = (
    "INSERT INTO goals (id, level, team, title, description, kind, metric, baseline, target, current, weight,"
    " period, starts_on, due_on, status, version, created_at, updated_at) VALUES"
    " ({id}, 'person', '', 'G{id}', '', '{kind}', '', {baseline}, {target}, {current}, 10, '2026-Q4',"
    " '2026-10-01', '2026-12-31', '{status}', 1, '2026-10-01', '2026-10-01')"
)


def test_existing_goals_get_their_progress_kept(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0008")
    engine = make_engine(url, pooled=False)
    rows = [
        dict(id=1, kind="result", baseline=100, target=150, current=125, status="active"),
        dict(id=2, kind="process", baseline="NULL", target="NULL", current=40, status="active"),
        dict(id=3, kind="objective", baseline="NULL", target="NULL", current="NULL", status="at_risk"),
        dict(id=4, kind="growth", baseline="NULL", target="NULL", current="NULL", status="done"),
    ]
    with engine.begin() as conn:
        for row in rows:
            conn.exec_driver_sql(GOAL.format(**row))
        conn.exec_driver_sql(
            "INSERT INTO key_results (goal_id, position, title, target, current) VALUES"
            " (3, 0, 'a', 10, 5), (3, 1, 'b', 4, 4)"
        )
    upgrade(url)
    with engine.connect() as conn:
        kept = dict(conn.exec_driver_sql("SELECT id, progress FROM goals ORDER BY id").fetchall())
        assert kept == pytest.approx({1: 0.5, 2: 0.4, 3: 0.75, 4: 1.0})
        assert conn.exec_driver_sql("SELECT baseline FROM key_results").scalars().all() == [0.0, 0.0]
        tables = dict(conn.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'table'").all())
        assert "AUTOINCREMENT" in tables["goals"] and "AUTOINCREMENT" in tables["key_results"]
    engine.dispose()
