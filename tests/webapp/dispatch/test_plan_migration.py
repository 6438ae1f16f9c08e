"""Migration 0012: a plan's JSON copy of its routes gives way to the rows, keeping the search figures."""

from __future__ import annotations

import json
import os

import sqlalchemy as sa
from alembic import command

from webapp.db import alembic_config, scratch_postgres, upgrade

SEARCH = {"seed": 3, "time_limit_s": 30.0, "solution_limit": None, "solutions": 9, "wall_s": 1.5,
          "stopped_by": "time_limit", "objective": 1234, "engine": "ortools"}  # fmt: skip


def _json(value):
    return value if isinstance(value, dict) else json.loads(value)


def _check(url: str) -> None:
    upgrade(url, "0011")
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO facility (code, name, kind, address, lon, lat, opens, closes,"
            " unload_minutes, is_depot)"
            " VALUES ('D1', 'depot', 'depot', '', 114.0, 22.5, '07:00:00', '19:00:00', 10, true)"
        )
        depot = conn.exec_driver_sql("SELECT id FROM facility").scalar_one()
        conn.execute(
            sa.text(
                "INSERT INTO collection_plan (day, depot_id, status, created_at, time_limit_s, seed,"
                " distance_m, duration_s, stops_served, collected_g, unassigned_count,"
                " plan, stops, unassigned)"
                " VALUES ('2026-12-05', :depot, 'proposed', '2026-12-04 08:00:00', 30, 3, 0, 0, 0, 0, 0,"
                " :plan, '{}', '[]')"
            ).bindparams(sa.bindparam("plan", type_=sa.JSON)),
            {"depot": depot, "plan": {"routes": [], "unassigned": [], "search": SEARCH}},
        )
    upgrade(url, "0012")
    with engine.connect() as conn:
        row = conn.execute(sa.text("SELECT * FROM collection_plan")).mappings().one()
    assert "plan" not in row and _json(row["search"]) == SEARCH
    command.downgrade(alembic_config(url), "0011")
    with engine.connect() as conn:
        plan = conn.execute(sa.text("SELECT plan FROM collection_plan")).scalar_one()
    assert _json(plan)["search"] == SEARCH and _json(plan)["routes"] == []
    engine.dispose()


def test_the_search_figures_move_out_of_the_plan_json_and_back(tmp_path) -> None:
    """Upgrading keeps the solver's search figures in ``search``; downgrading rebuilds ``plan``."""
    server = os.environ.get("DATABASE_URL", "")
    if server.startswith("postgresql"):
        with scratch_postgres(server, prefix="reloop_mig", migrate=False) as url:
            _check(url)
    else:
        _check(f"sqlite:///{tmp_path / 'migrate.db'}")
