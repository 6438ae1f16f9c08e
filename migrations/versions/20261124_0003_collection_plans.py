"""collection plans

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 00:22:41.170590
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import webapp.models._types

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "collection_plan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("depot_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("proposed", "accepted", "superseded", name="planstatus", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", webapp.models._types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("accepted_by_id", sa.Integer(), nullable=True),
        sa.Column("accepted_at", webapp.models._types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("time_limit_s", sa.Integer(), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("distance_m", sa.Integer(), nullable=False),
        sa.Column("duration_s", sa.Integer(), nullable=False),
        sa.Column("stops_served", sa.Integer(), nullable=False),
        sa.Column("collected_g", sa.Integer(), nullable=False),
        sa.Column("unassigned_count", sa.Integer(), nullable=False),
        sa.Column("plan", sa.JSON(), nullable=False),
        sa.Column("stops", sa.JSON(), nullable=False),
        sa.Column("unassigned", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["accepted_by_id"],
            ["user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["depot_id"],
            ["facility.id"],
        ),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["job.id"],
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("collection_plan", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_collection_plan_day"), ["day"], unique=False)
        batch_op.create_index(batch_op.f("ix_collection_plan_depot_id"), ["depot_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_collection_plan_org_id"), ["org_id"], unique=False)

    op.create_table(
        "planned_route",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("vehicle_id", sa.Integer(), nullable=False),
        sa.Column("driver_id", sa.Integer(), nullable=True),
        sa.Column("colour", sqlmodel.sql.sqltypes.AutoString(length=9), nullable=False),
        sa.Column("distance_m", sa.Integer(), nullable=False),
        sa.Column("duration_s", sa.Integer(), nullable=False),
        sa.Column("start_s", sa.Integer(), nullable=False),
        sa.Column("end_s", sa.Integer(), nullable=False),
        sa.Column("collected_g", sa.Integer(), nullable=False),
        sa.Column("stop_count", sa.Integer(), nullable=False),
        sa.Column("geometry", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["driver_id"],
            ["driver.id"],
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["collection_plan.id"],
        ),
        sa.ForeignKeyConstraint(
            ["vehicle_id"],
            ["vehicle.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("planned_route", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_planned_route_driver_id"), ["driver_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_planned_route_plan_id"), ["plan_id"], unique=False)

    op.create_table(
        "planned_stop",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("route_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("outlet_id", sa.Integer(), nullable=True),
        sa.Column("facility_id", sa.Integer(), nullable=True),
        sa.Column("arrival_s", sa.Integer(), nullable=False),
        sa.Column("departure_s", sa.Integer(), nullable=False),
        sa.Column("expected_g", sa.Integer(), nullable=False),
        sa.Column("load_after_g", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["facility_id"],
            ["facility.id"],
        ),
        sa.ForeignKeyConstraint(
            ["outlet_id"],
            ["outlet.id"],
        ),
        sa.ForeignKeyConstraint(
            ["route_id"],
            ["planned_route.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("planned_stop", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_planned_stop_outlet_id"), ["outlet_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_planned_stop_route_id"), ["route_id"], unique=False)

    with op.batch_alter_table("material", schema=None) as batch_op:
        batch_op.add_column(sa.Column("price_fen_per_kg", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("material", schema=None) as batch_op:
        batch_op.drop_column("price_fen_per_kg")

    with op.batch_alter_table("planned_stop", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_planned_stop_route_id"))
        batch_op.drop_index(batch_op.f("ix_planned_stop_outlet_id"))

    op.drop_table("planned_stop")
    with op.batch_alter_table("planned_route", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_planned_route_plan_id"))
        batch_op.drop_index(batch_op.f("ix_planned_route_driver_id"))

    op.drop_table("planned_route")
    with op.batch_alter_table("collection_plan", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_collection_plan_org_id"))
        batch_op.drop_index(batch_op.f("ix_collection_plan_depot_id"))
        batch_op.drop_index(batch_op.f("ix_collection_plan_day"))

    op.drop_table("collection_plan")
