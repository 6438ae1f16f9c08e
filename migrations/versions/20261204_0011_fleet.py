"""fleet: driver licences and home depot, vehicle body and tare, shifts, vehicles out of service

Drivers may exist before their login (``user_id`` nullable); every existing user with
the driver role gets the profile that dispatch needs to list them.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import webapp.models._types

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("vehicle", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "kind",
                sa.Enum(
                    "compactor",
                    "box_truck",
                    "flatbed",
                    "hooklift",
                    "van",
                    name="vehiclekind",
                    native_enum=False,
                    length=32,
                ),
                nullable=False,
                server_default="box_truck",
            )
        )
        batch_op.add_column(sa.Column("tare_g", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("driver", schema=None) as batch_op:
        batch_op.alter_column("user_id", existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(
            sa.Column(
                "licence_no", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False, server_default=""
            )
        )
        batch_op.add_column(
            sa.Column(
                "licence_class", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False, server_default=""
            )
        )
        batch_op.add_column(sa.Column("licence_expiry", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("depot_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_driver_depot_id_facility", "facility", ["depot_id"], ["id"])
    op.create_table(
        "shift",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("driver_id", sa.Integer(), nullable=False),
        sa.Column("depot_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("start", sa.Time(), nullable=False),
        sa.Column("end", sa.Time(), nullable=False),
        sa.Column("created_at", webapp.models._types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["depot_id"], ["facility.id"]),
        sa.ForeignKeyConstraint(["driver_id"], ["driver.id"]),
        sa.ForeignKeyConstraint(["org_id"], ["organisation.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("driver_id", "day"),
    )
    with op.batch_alter_table("shift", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_shift_day"), ["day"], unique=False)
        batch_op.create_index(batch_op.f("ix_shift_driver_id"), ["driver_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_shift_org_id"), ["org_id"], unique=False)
    op.create_table(
        "vehicle_out_of_service",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("vehicle_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("created_at", webapp.models._types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["organisation.id"]),
        sa.ForeignKeyConstraint(["vehicle_id"], ["vehicle.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("vehicle_id", "day"),
    )
    with op.batch_alter_table("vehicle_out_of_service", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_vehicle_out_of_service_day"), ["day"], unique=False)
        batch_op.create_index(batch_op.f("ix_vehicle_out_of_service_org_id"), ["org_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_vehicle_out_of_service_vehicle_id"), ["vehicle_id"], unique=False
        )
    # Users made with the driver role before this release had no profile, so dispatch
    # never listed them: give each one now.
    op.execute(
        sa.text(
            "INSERT INTO driver (org_id, user_id, name, phone, licence_no, licence_class, active) "
            "SELECT u.org_id, u.id, substr(u.display_name, 1, 60), '', '', '', u.active FROM \"user\" u "
            "WHERE u.role = 'driver' AND NOT EXISTS (SELECT 1 FROM driver d WHERE d.user_id = u.id)"
        )
    )


def downgrade() -> None:
    op.drop_table("vehicle_out_of_service")
    op.drop_table("shift")
    op.execute(sa.text("DELETE FROM driver WHERE user_id IS NULL"))
    with op.batch_alter_table("driver", schema=None) as batch_op:
        batch_op.drop_constraint("fk_driver_depot_id_facility", type_="foreignkey")
        batch_op.drop_column("depot_id")
        batch_op.drop_column("licence_expiry")
        batch_op.drop_column("licence_class")
        batch_op.drop_column("licence_no")
        batch_op.alter_column("user_id", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("vehicle", schema=None) as batch_op:
        batch_op.drop_column("tare_g")
        batch_op.drop_column("kind")
