"""sensors over MQTT: device health, calibration, message ids (issue 16)

``sensor_device`` registers a fill sensor in an outlet's container with the calibration
its raw distance is converted with, and the health it last reported; ``sensor_reading``
keeps the sensor's side of each fill reading (message id, raw distance, battery,
signal, material); ``sensor_tally`` counts the bridge's accepted, duplicate and refused
messages per device and Shenzhen day.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import webapp.models._types

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

_TIME = webapp.models._types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "sensor_tally",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("device_code", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column(
            "outcome",
            sa.Enum("accepted", "duplicate", "bad", name="messageoutcome", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "device_code", "outcome"),
    )
    op.create_table(
        "sensor_device",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("outlet_id", sa.Integer(), nullable=False),
        sa.Column("material_id", sa.Integer(), nullable=True),
        sa.Column("sensor_height_mm", sa.Integer(), nullable=True),
        sa.Column("container_depth_mm", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("updated_at", _TIME, nullable=False),
        sa.Column("last_seen_at", _TIME, nullable=True),
        sa.Column("last_measured_at", _TIME, nullable=True),
        sa.Column("last_fill_pct", sa.Float(), nullable=True),
        sa.Column("battery_pct", sa.Integer(), nullable=True),
        sa.Column("signal_dbm", sa.Integer(), nullable=True),
        sa.Column("last_problem", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("last_problem_at", _TIME, nullable=True),
        sa.ForeignKeyConstraint(["material_id"], ["material.id"]),
        sa.ForeignKeyConstraint(["org_id"], ["organisation.id"]),
        sa.ForeignKeyConstraint(["outlet_id"], ["outlet.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("sensor_device", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sensor_device_code"), ["code"], unique=True)
        batch_op.create_index(batch_op.f("ix_sensor_device_last_seen_at"), ["last_seen_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_sensor_device_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_sensor_device_outlet_id"), ["outlet_id"], unique=False)

    op.create_table(
        "sensor_reading",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fill_reading_id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("distance_mm", sa.Integer(), nullable=True),
        sa.Column("reported_fill_pct", sa.Float(), nullable=True),
        sa.Column("battery_pct", sa.Integer(), nullable=True),
        sa.Column("signal_dbm", sa.Integer(), nullable=True),
        sa.Column("material_id", sa.Integer(), nullable=True),
        sa.Column("received_at", _TIME, nullable=False),
        sa.ForeignKeyConstraint(["device_id"], ["sensor_device.id"]),
        sa.ForeignKeyConstraint(["fill_reading_id"], ["fill_reading.id"]),
        sa.ForeignKeyConstraint(["material_id"], ["material.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("fill_reading_id"),
    )
    with op.batch_alter_table("sensor_reading", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sensor_reading_device_id"), ["device_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("sensor_reading", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sensor_reading_device_id"))
    op.drop_table("sensor_reading")
    with op.batch_alter_table("sensor_device", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sensor_device_outlet_id"))
        batch_op.drop_index(batch_op.f("ix_sensor_device_org_id"))
        batch_op.drop_index(batch_op.f("ix_sensor_device_last_seen_at"))
        batch_op.drop_index(batch_op.f("ix_sensor_device_code"))
    op.drop_table("sensor_device")
    op.drop_table("sensor_tally")
