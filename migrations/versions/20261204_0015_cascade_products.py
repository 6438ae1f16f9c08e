"""cascade products: specs, regrouping proposals, products and their source units,
customer orders, shipments, health readings in service and take-backs

Custody stays in the battery log; these tables hold the workshop's own records.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import webapp.models._types

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cascade_product_spec",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("product_type", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("chemistry", sqlmodel.sql.sqltypes.AutoString(length=1), nullable=False),
        sa.Column("series_count", sa.Integer(), nullable=False),
        sa.Column("parallel_count", sa.Integer(), nullable=False),
        sa.Column("target_capacity_mah", sa.Integer(), nullable=False),
        sa.Column("nominal_voltage_mv", sa.Integer(), nullable=False),
        sa.Column("max_capacity_spread_bp", sa.Integer(), nullable=False),
        sa.Column("max_resistance_spread_bp", sa.Integer(), nullable=False),
        sa.Column("max_ocv_spread_mv", sa.Integer(), nullable=False),
        sa.Column("warranty_months", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", webapp.models._types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "cascade_regroup_proposal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("spec_id", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("engine_status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("solve_ms", sa.Integer(), nullable=False),
        sa.Column("groups", sa.JSON(), nullable=False),
        sa.Column("leftover", sa.JSON(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", webapp.models._types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", webapp.models._types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["spec_id"],
            ["cascade_product_spec.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_cascade_regroup_proposal_spec_id"), "cascade_regroup_proposal", ["spec_id"], unique=False
    )
    op.create_table(
        "cascade_product",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column("short_code", sqlmodel.sql.sqltypes.AutoString(length=19), nullable=False),
        sa.Column("spec_id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=True),
        sa.Column("regroup_event_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("chemistry", sqlmodel.sql.sqltypes.AutoString(length=1), nullable=False),
        sa.Column("rated_capacity_mah", sa.Integer(), nullable=False),
        sa.Column("rated_energy_wh", sa.Integer(), nullable=False),
        sa.Column("nominal_voltage_mv", sa.Integer(), nullable=False),
        sa.Column("capacity_spread_bp", sa.Integer(), nullable=False),
        sa.Column("resistance_spread_bp", sa.Integer(), nullable=False),
        sa.Column("ocv_spread_mv", sa.Integer(), nullable=False),
        sa.Column("eol_equipment", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("eol_tested_at", webapp.models._types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("mass_g", sa.Integer(), nullable=False),
        sa.Column("warranty_months", sa.Integer(), nullable=False),
        sa.Column("producer", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("label", sa.JSON(), nullable=False),
        sa.Column("built_at", webapp.models._types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("built_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["built_by_id"],
            ["user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["cascade_regroup_proposal.id"],
        ),
        sa.ForeignKeyConstraint(
            ["spec_id"],
            ["cascade_product_spec.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_cascade_product_code"), "cascade_product", ["code"], unique=True)
    op.create_index(op.f("ix_cascade_product_short_code"), "cascade_product", ["short_code"], unique=True)
    op.create_index(op.f("ix_cascade_product_spec_id"), "cascade_product", ["spec_id"], unique=False)
    op.create_table(
        "cascade_product_unit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("unit_code", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("grade", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("capacity_mah", sa.Integer(), nullable=False),
        sa.Column("dcir_uohm", sa.Integer(), nullable=False),
        sa.Column("ocv_mv", sa.Integer(), nullable=False),
        sa.Column("soh_permille", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["cascade_product.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_cascade_product_unit_product_id"), "cascade_product_unit", ["product_id"], unique=False
    )
    op.create_index(
        op.f("ix_cascade_product_unit_unit_code"), "cascade_product_unit", ["unit_code"], unique=True
    )
    op.create_table(
        "cascade_order",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("application", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("spec_id", sa.Integer(), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("site", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", webapp.models._types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["spec_id"],
            ["cascade_product_spec.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_cascade_order_customer"), "cascade_order", ["customer"], unique=False)
    op.create_table(
        "cascade_shipment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("site", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("shipped_at", webapp.models._types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("warranty_until", sa.Date(), nullable=False),
        sa.Column("shipped_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["cascade_order.id"],
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["cascade_product.id"],
        ),
        sa.ForeignKeyConstraint(
            ["shipped_by_id"],
            ["user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("product_id"),
    )
    op.create_index(op.f("ix_cascade_shipment_order_id"), "cascade_shipment", ["order_id"], unique=False)
    op.create_table(
        "cascade_health_reading",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reading_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("product_code", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column("taken_at", webapp.models._types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("soh_permille", sa.Integer(), nullable=False),
        sa.Column("cycles", sa.Integer(), nullable=False),
        sa.Column("max_temperature_dc", sa.Integer(), nullable=False),
        sa.Column("alarms", sa.JSON(), nullable=False),
        sa.Column("body_sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("anomaly", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("token_id", sa.Integer(), nullable=True),
        sa.Column("received_at", webapp.models._types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["token_id"],
            ["api_token.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_cascade_health_reading_product_code"),
        "cascade_health_reading",
        ["product_code"],
        unique=False,
    )
    op.create_index(
        op.f("ix_cascade_health_reading_reading_id"), "cascade_health_reading", ["reading_id"], unique=True
    )
    op.create_index(
        op.f("ix_cascade_health_reading_taken_at"), "cascade_health_reading", ["taken_at"], unique=False
    )
    op.create_table(
        "cascade_take_back",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("retired_event_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("recycled_event_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("input_mass_g", sa.Integer(), nullable=False),
        sa.Column("outputs", sa.JSON(), nullable=False),
        sa.Column("taken_back_at", webapp.models._types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("taken_back_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["cascade_product.id"],
        ),
        sa.ForeignKeyConstraint(
            ["taken_back_by_id"],
            ["user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("product_id"),
    )


def downgrade() -> None:
    op.drop_table("cascade_take_back")
    op.drop_index(op.f("ix_cascade_health_reading_product_code"), table_name="cascade_health_reading")
    op.drop_index(op.f("ix_cascade_health_reading_reading_id"), table_name="cascade_health_reading")
    op.drop_index(op.f("ix_cascade_health_reading_taken_at"), table_name="cascade_health_reading")
    op.drop_table("cascade_health_reading")
    op.drop_index(op.f("ix_cascade_shipment_order_id"), table_name="cascade_shipment")
    op.drop_table("cascade_shipment")
    op.drop_index(op.f("ix_cascade_order_customer"), table_name="cascade_order")
    op.drop_table("cascade_order")
    op.drop_index(op.f("ix_cascade_product_unit_product_id"), table_name="cascade_product_unit")
    op.drop_index(op.f("ix_cascade_product_unit_unit_code"), table_name="cascade_product_unit")
    op.drop_table("cascade_product_unit")
    op.drop_index(op.f("ix_cascade_product_code"), table_name="cascade_product")
    op.drop_index(op.f("ix_cascade_product_short_code"), table_name="cascade_product")
    op.drop_index(op.f("ix_cascade_product_spec_id"), table_name="cascade_product")
    op.drop_table("cascade_product")
    op.drop_index(op.f("ix_cascade_regroup_proposal_spec_id"), table_name="cascade_regroup_proposal")
    op.drop_table("cascade_regroup_proposal")
    op.drop_table("cascade_product_spec")
