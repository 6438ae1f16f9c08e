"""trucks' GPS tracks from the driver app (issue 16)

``gps_point``: the positions a driver's phone sends while a route runs, stored once per
phone-made id, with a flag for a point the server doubts (outside China, too fast).

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from webapp.models._types import UTCDateTime

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "gps_point",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("route_id", sa.Integer(), nullable=False),
        sa.Column("driver_id", sa.Integer(), nullable=False),
        sa.Column("token_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("received_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("accuracy_m", sa.Float(), nullable=True),
        sa.Column("speed_mps", sa.Float(), nullable=True),
        sa.Column("heading_deg", sa.Float(), nullable=True),
        sa.Column("flag", sa.String(length=32), nullable=False),
        sa.Column("body_sha256", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["token_id"], ["api_token.id"]),
        sa.ForeignKeyConstraint(["driver_id"], ["driver.id"]),
        sa.ForeignKeyConstraint(["org_id"], ["organisation.id"]),
        sa.ForeignKeyConstraint(["route_id"], ["planned_route.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("client_id"),
    )
    with op.batch_alter_table("gps_point", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_gps_point_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_gps_point_driver_id"), ["driver_id"], unique=False)
        batch_op.create_index("ix_gps_point_route_time", ["route_id", "recorded_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("gps_point", schema=None) as batch_op:
        batch_op.drop_index("ix_gps_point_route_time")
        batch_op.drop_index(batch_op.f("ix_gps_point_driver_id"))
        batch_op.drop_index(batch_op.f("ix_gps_point_org_id"))
    op.drop_table("gps_point")
