"""plan one copy: a plan's routes live in planned_route/planned_stop rows only

``collection_plan.plan`` held a second copy of the routes (``routing.Plan.to_dict()``)
that a dispatcher's move did not update. It becomes ``search``: the solver's search
figures, the one part of it no row holds. Downgrade rebuilds the old JSON from the rows.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_plan = sa.table(
    "collection_plan",
    sa.column("id", sa.Integer),
    sa.column("depot_id", sa.Integer),
    sa.column("plan", sa.JSON),
    sa.column("search", sa.JSON),
    sa.column("unassigned", sa.JSON),
)
_route = sa.table(
    "planned_route",
    *(sa.column(c, sa.Integer) for c in ("id", "plan_id", "number", "vehicle_id", "start_s", "end_s")),
    sa.column("distance_m", sa.Integer),
)
_stop = sa.table(
    "planned_stop",
    *(sa.column(c, sa.Integer) for c in ("id", "route_id", "position", "outlet_id", "facility_id")),
    *(sa.column(c, sa.Integer) for c in ("arrival_s", "departure_s", "expected_g", "load_after_g")),
    sa.column("kind", sa.String),
)


def upgrade() -> None:
    with op.batch_alter_table("collection_plan", schema=None) as batch_op:
        batch_op.add_column(sa.Column("search", sa.JSON(), nullable=True))
    conn = op.get_bind()
    for (plan_id,) in conn.execute(sa.select(_plan.c.id)).all():
        data = conn.execute(sa.select(_plan.c.plan).where(_plan.c.id == plan_id)).scalar_one() or {}
        search = data.get("search") or {}
        conn.execute(_plan.update().where(_plan.c.id == plan_id).values(search=search))
    with op.batch_alter_table("collection_plan", schema=None) as batch_op:
        batch_op.alter_column("search", existing_type=sa.JSON(), nullable=False)
        batch_op.drop_column("plan")


def downgrade() -> None:
    with op.batch_alter_table("collection_plan", schema=None) as batch_op:
        batch_op.add_column(sa.Column("plan", sa.JSON(), nullable=True))
    conn = op.get_bind()
    for plan_id, depot_id, search, unassigned in conn.execute(
        sa.select(_plan.c.id, _plan.c.depot_id, _plan.c.search, _plan.c.unassigned)
    ).all():
        data = {
            "routes": _routes(conn, plan_id, depot_id),
            "unassigned": [
                {"stop_id": u["stop"], "reason": u["reason"], "detail": u.get("detail", "")}
                for u in unassigned or []
            ],
            "search": search or None,
        }
        conn.execute(_plan.update().where(_plan.c.id == plan_id).values(plan=data))
    with op.batch_alter_table("collection_plan", schema=None) as batch_op:
        batch_op.alter_column("plan", existing_type=sa.JSON(), nullable=False)
        batch_op.drop_column("search")


def _routes(conn: Any, plan_id: int, depot_id: int) -> list[dict[str, Any]]:
    """``routing.Route`` dicts from the rows (locations, volumes and costs were never rows)."""
    routes = conn.execute(
        sa.select(_route).where(_route.c.plan_id == plan_id).order_by(_route.c.number)
    ).mappings()
    found = []
    for route in routes.all():
        stops = conn.execute(
            sa.select(_stop).where(_stop.c.route_id == route["id"]).order_by(_stop.c.position)
        ).mappings()
        visits = [
            {
                "kind": "stop" if s["kind"] == "outlet" else "unload",
                "id": f"o{s['outlet_id']}" if s["kind"] == "outlet" else f"f{s['facility_id']}",
                "location": -1,
                "arrival_s": s["arrival_s"],
                "departure_s": s["departure_s"],
                "load_kg": s["load_after_g"] / 1000,
                "load_m3": 0.0,
                "collected_kg": s["expected_g"] / 1000 if s["kind"] == "outlet" else 0.0,
            }
            for s in stops.all()
        ]
        found.append(
            {
                "vehicle_type_id": f"v{route['vehicle_id']}",
                "unit": 0,
                "start_depot": f"d{depot_id}",
                "end_depot": f"d{depot_id}",
                "start_s": route["start_s"],
                "end_s": route["end_s"],
                "visits": visits,
                "breaks": [],
                "distance_m": route["distance_m"],
                "cost_fen": 0,
            }
        )
    return found
