"""weighbridge: weigh-ins, tickets (磅单) numbered per facility and year, and the drivers' unload visits

Both tables are append-only (the triggers of :mod:`webapp.models.append_only`): a
correction is a new ticket voiding the old one, with a reason.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import webapp.models._types
from webapp.models import append_only

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

TABLES = ("weigh_in", "weigh_ticket", "unload_visit")


def upgrade() -> None:
    op.create_table(
        "unload_visit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("client_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("stop_id", sa.Integer(), nullable=False),
        sa.Column("route_id", sa.Integer(), nullable=False),
        sa.Column("driver_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("arrived_at", webapp.models._types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ticket_number", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("recorded_at", webapp.models._types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["driver_id"],
            ["driver.id"],
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
        ),
        sa.ForeignKeyConstraint(
            ["route_id"],
            ["planned_route.id"],
        ),
        sa.ForeignKeyConstraint(
            ["stop_id"],
            ["planned_stop.id"],
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("client_id"),
    )
    with op.batch_alter_table("unload_visit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_unload_visit_driver_id"), ["driver_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_unload_visit_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_unload_visit_route_id"), ["route_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_unload_visit_stop_id"), ["stop_id"], unique=False)

    op.create_table(
        "weigh_in",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column(
            "direction",
            sa.Enum("in", "out", name="ticketdirection", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("vehicle_id", sa.Integer(), nullable=True),
        sa.Column("plate", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("stop_id", sa.Integer(), nullable=True),
        sa.Column("gross_g", sa.Integer(), nullable=False),
        sa.Column("weighed_at", webapp.models._types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=True),
        sa.Column("client_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("created_at", webapp.models._types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["facility_id"],
            ["facility.id"],
        ),
        sa.ForeignKeyConstraint(
            ["operator_id"],
            ["user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
        ),
        sa.ForeignKeyConstraint(
            ["stop_id"],
            ["planned_stop.id"],
        ),
        sa.ForeignKeyConstraint(
            ["vehicle_id"],
            ["vehicle.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("client_id"),
    )
    with op.batch_alter_table("weigh_in", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_weigh_in_facility_id"), ["facility_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_weigh_in_org_id"), ["org_id"], unique=False)

    op.create_table(
        "weigh_ticket",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("number", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column(
            "direction",
            sa.Enum("in", "out", name="ticketdirection", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("vehicle_id", sa.Integer(), nullable=True),
        sa.Column("plate", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("route_id", sa.Integer(), nullable=True),
        sa.Column("stop_id", sa.Integer(), nullable=True),
        sa.Column("driver_id", sa.Integer(), nullable=True),
        sa.Column("material_id", sa.Integer(), nullable=True),
        sa.Column("gross_g", sa.Integer(), nullable=False),
        sa.Column("tare_g", sa.Integer(), nullable=False),
        sa.Column("net_g", sa.Integer(), nullable=False),
        sa.Column(
            "tare_source",
            sa.Enum("weighed", "registered", name="taresource", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("weighed_at", webapp.models._types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("tare_at", webapp.models._types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("photo_id", sa.Integer(), nullable=True),
        sa.Column("operator_id", sa.Integer(), nullable=True),
        sa.Column(
            "source",
            sa.Enum("manual", "import", name="ticketsource", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("scale_ticket_no", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("client_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("reference", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("weigh_in_id", sa.Integer(), nullable=True),
        sa.Column("voids_id", sa.Integer(), nullable=True),
        sa.Column("void_reason", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("created_at", webapp.models._types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["driver_id"],
            ["driver.id"],
        ),
        sa.ForeignKeyConstraint(
            ["facility_id"],
            ["facility.id"],
        ),
        sa.ForeignKeyConstraint(
            ["material_id"],
            ["material.id"],
        ),
        sa.ForeignKeyConstraint(
            ["operator_id"],
            ["user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
        ),
        sa.ForeignKeyConstraint(
            ["photo_id"],
            ["evidence_file.id"],
        ),
        sa.ForeignKeyConstraint(
            ["route_id"],
            ["planned_route.id"],
        ),
        sa.ForeignKeyConstraint(
            ["stop_id"],
            ["planned_stop.id"],
        ),
        sa.ForeignKeyConstraint(
            ["vehicle_id"],
            ["vehicle.id"],
        ),
        sa.ForeignKeyConstraint(
            ["voids_id"],
            ["weigh_ticket.id"],
        ),
        sa.ForeignKeyConstraint(
            ["weigh_in_id"],
            ["weigh_in.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("client_id"),
        sa.UniqueConstraint("facility_id", "scale_ticket_no"),
        sa.UniqueConstraint("facility_id", "year", "seq"),
        sa.UniqueConstraint("voids_id"),
        sa.UniqueConstraint("weigh_in_id"),
    )
    with op.batch_alter_table("weigh_ticket", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_weigh_ticket_driver_id"), ["driver_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_weigh_ticket_facility_id"), ["facility_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_weigh_ticket_number"), ["number"], unique=False)
        batch_op.create_index(batch_op.f("ix_weigh_ticket_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_weigh_ticket_route_id"), ["route_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_weigh_ticket_stop_id"), ["stop_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_weigh_ticket_vehicle_id"), ["vehicle_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_weigh_ticket_weighed_at"), ["weighed_at"], unique=False)

    append_only.create(op.get_bind(), TABLES)


def downgrade() -> None:
    append_only.drop(op.get_bind(), TABLES)
    with op.batch_alter_table("weigh_ticket", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_weigh_ticket_weighed_at"))
        batch_op.drop_index(batch_op.f("ix_weigh_ticket_vehicle_id"))
        batch_op.drop_index(batch_op.f("ix_weigh_ticket_stop_id"))
        batch_op.drop_index(batch_op.f("ix_weigh_ticket_route_id"))
        batch_op.drop_index(batch_op.f("ix_weigh_ticket_org_id"))
        batch_op.drop_index(batch_op.f("ix_weigh_ticket_number"))
        batch_op.drop_index(batch_op.f("ix_weigh_ticket_facility_id"))
        batch_op.drop_index(batch_op.f("ix_weigh_ticket_driver_id"))

    op.drop_table("weigh_ticket")
    with op.batch_alter_table("weigh_in", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_weigh_in_org_id"))
        batch_op.drop_index(batch_op.f("ix_weigh_in_facility_id"))

    op.drop_table("weigh_in")
    with op.batch_alter_table("unload_visit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_unload_visit_stop_id"))
        batch_op.drop_index(batch_op.f("ix_unload_visit_route_id"))
        batch_op.drop_index(batch_op.f("ix_unload_visit_org_id"))
        batch_op.drop_index(batch_op.f("ix_unload_visit_driver_id"))

    op.drop_table("unload_visit")
