"""saved and accepted week plans (issue 16)

A week plan, its days, each day's routes and their visits with the predicted fill
and its band (webapp.models.weekplans). Plans are proposals, not custody or money
records: no append-only triggers.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import webapp.models._types

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def _text(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def _when() -> webapp.models._types.UTCDateTime:
    return webapp.models._types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "week_plan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), sa.ForeignKey("organisation.id"), nullable=True),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("depot_id", sa.Integer(), sa.ForeignKey("facility.id"), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column(
            "method",
            sa.Enum(
                "forecast",
                "due_threshold",
                name="weekmethod",
                native_enum=False,
                create_constraint=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "proposed",
                "accepted",
                name="weekplanstatus",
                native_enum=False,
                create_constraint=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("time_limit_s", sa.Integer(), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), sa.ForeignKey("job.id"), nullable=True),
        sa.Column("created_by_id", sa.Integer(), sa.ForeignKey("user.id"), nullable=True),
        sa.Column("created_at", _when(), nullable=False),
        sa.Column("baseline_id", sa.Integer(), sa.ForeignKey("week_plan.id"), nullable=True),
        sa.Column("replans_id", sa.Integer(), sa.ForeignKey("week_plan.id"), nullable=True),
        sa.Column("accepted_plan_id", sa.Integer(), sa.ForeignKey("collection_plan.id"), nullable=True),
        sa.Column("accepted_by_id", sa.Integer(), sa.ForeignKey("user.id"), nullable=True),
        sa.Column("accepted_at", _when(), nullable=True),
        sa.Column("cost_fen", sa.Integer(), nullable=False),
        sa.Column("labour_fen", sa.Integer(), nullable=False),
        sa.Column("distance_m", sa.Integer(), nullable=False),
        sa.Column("collected_g", sa.Integer(), nullable=False),
        sa.Column("truck_days", sa.Integer(), nullable=False),
        sa.Column("overflows", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("week_plan", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_week_plan_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_week_plan_first_day"), ["first_day"], unique=False)
        batch_op.create_index(batch_op.f("ix_week_plan_depot_id"), ["depot_id"], unique=False)

    op.create_table(
        "week_plan_day",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("week_plan_id", sa.Integer(), sa.ForeignKey("week_plan.id"), nullable=False),
        sa.Column("index", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("cost_fen", sa.Integer(), nullable=False),
        sa.Column("labour_fen", sa.Integer(), nullable=False),
        sa.Column("distance_m", sa.Integer(), nullable=False),
        sa.Column("duration_s", sa.Integer(), nullable=False),
        sa.Column("collected_g", sa.Integer(), nullable=False),
        sa.Column("trucks", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("week_plan_day", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_week_plan_day_week_plan_id"), ["week_plan_id"], unique=False)

    op.create_table(
        "week_route",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("week_day_id", sa.Integer(), sa.ForeignKey("week_plan_day.id"), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("vehicle_id", sa.Integer(), sa.ForeignKey("vehicle.id"), nullable=False),
        sa.Column("colour", _text(9), nullable=False),
        sa.Column("distance_m", sa.Integer(), nullable=False),
        sa.Column("start_s", sa.Integer(), nullable=False),
        sa.Column("end_s", sa.Integer(), nullable=False),
        sa.Column("collected_g", sa.Integer(), nullable=False),
        sa.Column("cost_fen", sa.Integer(), nullable=False),
        sa.Column("stop_count", sa.Integer(), nullable=False),
        sa.Column("kept", sa.Boolean(), nullable=False),
        sa.Column("geometry", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("week_route", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_week_route_week_day_id"), ["week_day_id"], unique=False)

    op.create_table(
        "week_visit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("week_route_id", sa.Integer(), sa.ForeignKey("week_route.id"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", _text(16), nullable=False),
        sa.Column("outlet_id", sa.Integer(), sa.ForeignKey("outlet.id"), nullable=True),
        sa.Column("facility_id", sa.Integer(), sa.ForeignKey("facility.id"), nullable=True),
        sa.Column("arrival_s", sa.Integer(), nullable=False),
        sa.Column("departure_s", sa.Integer(), nullable=False),
        sa.Column("expected_g", sa.Integer(), nullable=False),
        sa.Column("load_after_g", sa.Integer(), nullable=False),
        sa.Column("fill_pct", sa.Float(), nullable=True),
        sa.Column("fill_low_pct", sa.Float(), nullable=True),
        sa.Column("fill_high_pct", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("week_visit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_week_visit_week_route_id"), ["week_route_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_week_visit_outlet_id"), ["outlet_id"], unique=False)


def downgrade() -> None:
    op.drop_table("week_visit")
    op.drop_table("week_route")
    op.drop_table("week_plan_day")
    op.drop_table("week_plan")
