"""sorting, stock and sales: material grades, sorting batches, graded stock movements,
transfers, buyers with their licensed materials and price history, sales, deliveries
and invoices

Stock is the sum of ``stock_movement`` rows; the records of custody and money are
append-only (triggers as in 0009).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import webapp.models._types
from webapp.models import append_only

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

# Frozen here: the model module's list may grow with later migrations.
APPEND_ONLY = (
    "sorting_batch",
    "stock_transfer",
    "buyer_price",
    "sale",
    "stock_movement",
    "sale_delivery",
    "sale_invoice",
)


def upgrade() -> None:
    op.create_table(
        "buyer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("licence_no", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("licence_expiry", sa.Date(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", webapp.models._types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("buyer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_buyer_org_id"), ["org_id"], unique=False)

    op.create_table(
        "buyer_material",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("buyer_id", sa.Integer(), nullable=False),
        sa.Column("material_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["buyer_id"],
            ["buyer.id"],
        ),
        sa.ForeignKeyConstraint(
            ["material_id"],
            ["material.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("buyer_id", "material_id"),
    )
    with op.batch_alter_table("buyer_material", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_buyer_material_buyer_id"), ["buyer_id"], unique=False)

    op.create_table(
        "material_grade",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("material_id", sa.Integer(), nullable=False),
        sa.Column("name_zh", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("name_en", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["material_id"],
            ["material.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("material_grade", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_material_grade_code"), ["code"], unique=True)
        batch_op.create_index(batch_op.f("ix_material_grade_material_id"), ["material_id"], unique=False)

    op.create_table(
        "sorting_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("material_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("input_g", sa.Integer(), nullable=False),
        sa.Column("residue_g", sa.Integer(), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", webapp.models._types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user.id"],
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
            ["org_id"],
            ["organisation.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("sorting_batch", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sorting_batch_day"), ["day"], unique=False)
        batch_op.create_index(batch_op.f("ix_sorting_batch_facility_id"), ["facility_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_sorting_batch_material_id"), ["material_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_sorting_batch_org_id"), ["org_id"], unique=False)

    op.create_table(
        "buyer_price",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("buyer_id", sa.Integer(), nullable=False),
        sa.Column("grade_id", sa.Integer(), nullable=False),
        sa.Column("fen_per_t", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", webapp.models._types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["buyer_id"],
            ["buyer.id"],
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["grade_id"],
            ["material_grade.id"],
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("buyer_price", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_buyer_price_buyer_id"), ["buyer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_buyer_price_grade_id"), ["grade_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_buyer_price_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_buyer_price_valid_from"), ["valid_from"], unique=False)

    op.create_table(
        "stock_transfer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("from_facility_id", sa.Integer(), nullable=False),
        sa.Column("to_facility_id", sa.Integer(), nullable=False),
        sa.Column("grade_id", sa.Integer(), nullable=False),
        sa.Column("grams", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", webapp.models._types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["from_facility_id"],
            ["facility.id"],
        ),
        sa.ForeignKeyConstraint(
            ["grade_id"],
            ["material_grade.id"],
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
        ),
        sa.ForeignKeyConstraint(
            ["to_facility_id"],
            ["facility.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("stock_transfer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_stock_transfer_day"), ["day"], unique=False)
        batch_op.create_index(batch_op.f("ix_stock_transfer_org_id"), ["org_id"], unique=False)

    op.create_table(
        "sale",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("buyer_id", sa.Integer(), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("grade_id", sa.Integer(), nullable=False),
        sa.Column("grams", sa.Integer(), nullable=False),
        sa.Column("price_id", sa.Integer(), nullable=True),
        sa.Column("fen_per_t", sa.Integer(), nullable=False),
        sa.Column("amount_fen", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", webapp.models._types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["buyer_id"],
            ["buyer.id"],
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["facility_id"],
            ["facility.id"],
        ),
        sa.ForeignKeyConstraint(
            ["grade_id"],
            ["material_grade.id"],
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
        ),
        sa.ForeignKeyConstraint(
            ["price_id"],
            ["buyer_price.id"],
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["weigh_ticket.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("sale", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sale_buyer_id"), ["buyer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_sale_day"), ["day"], unique=False)
        batch_op.create_index(batch_op.f("ix_sale_grade_id"), ["grade_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_sale_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_sale_ticket_id"), ["ticket_id"], unique=False)

    op.create_table(
        "sale_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sale_id", sa.Integer(), nullable=False),
        sa.Column("delivered_on", sa.Date(), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", webapp.models._types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["sale_id"],
            ["sale.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("sale_id"),
    )
    op.create_table(
        "sale_invoice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sale_id", sa.Integer(), nullable=False),
        sa.Column("invoice_no", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("amount_fen", sa.Integer(), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", webapp.models._types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["sale_id"],
            ["sale.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("invoice_no"),
        sa.UniqueConstraint("sale_id"),
    )
    op.create_table(
        "stock_movement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("grade_id", sa.Integer(), nullable=False),
        sa.Column("grams", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("sorted", "transfer", "sale", name="movementkind", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.Column("transfer_id", sa.Integer(), nullable=True),
        sa.Column("sale_id", sa.Integer(), nullable=True),
        sa.Column("created_at", webapp.models._types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["sorting_batch.id"],
        ),
        sa.ForeignKeyConstraint(
            ["facility_id"],
            ["facility.id"],
        ),
        sa.ForeignKeyConstraint(
            ["grade_id"],
            ["material_grade.id"],
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
        ),
        sa.ForeignKeyConstraint(
            ["sale_id"],
            ["sale.id"],
        ),
        sa.ForeignKeyConstraint(
            ["transfer_id"],
            ["stock_transfer.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("stock_movement", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_stock_movement_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_stock_movement_day"), ["day"], unique=False)
        batch_op.create_index(batch_op.f("ix_stock_movement_facility_id"), ["facility_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_stock_movement_grade_id"), ["grade_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_stock_movement_org_id"), ["org_id"], unique=False)

    append_only.create(op.get_bind(), APPEND_ONLY)


def downgrade() -> None:
    append_only.drop(op.get_bind(), APPEND_ONLY)
    with op.batch_alter_table("stock_movement", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stock_movement_org_id"))
        batch_op.drop_index(batch_op.f("ix_stock_movement_grade_id"))
        batch_op.drop_index(batch_op.f("ix_stock_movement_facility_id"))
        batch_op.drop_index(batch_op.f("ix_stock_movement_day"))
        batch_op.drop_index(batch_op.f("ix_stock_movement_batch_id"))

    op.drop_table("stock_movement")
    op.drop_table("sale_invoice")
    op.drop_table("sale_delivery")
    with op.batch_alter_table("sale", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sale_ticket_id"))
        batch_op.drop_index(batch_op.f("ix_sale_org_id"))
        batch_op.drop_index(batch_op.f("ix_sale_grade_id"))
        batch_op.drop_index(batch_op.f("ix_sale_day"))
        batch_op.drop_index(batch_op.f("ix_sale_buyer_id"))

    op.drop_table("sale")
    with op.batch_alter_table("stock_transfer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stock_transfer_org_id"))
        batch_op.drop_index(batch_op.f("ix_stock_transfer_day"))

    op.drop_table("stock_transfer")
    with op.batch_alter_table("buyer_price", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_buyer_price_valid_from"))
        batch_op.drop_index(batch_op.f("ix_buyer_price_org_id"))
        batch_op.drop_index(batch_op.f("ix_buyer_price_grade_id"))
        batch_op.drop_index(batch_op.f("ix_buyer_price_buyer_id"))

    op.drop_table("buyer_price")
    with op.batch_alter_table("sorting_batch", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sorting_batch_org_id"))
        batch_op.drop_index(batch_op.f("ix_sorting_batch_material_id"))
        batch_op.drop_index(batch_op.f("ix_sorting_batch_facility_id"))
        batch_op.drop_index(batch_op.f("ix_sorting_batch_day"))

    op.drop_table("sorting_batch")
    with op.batch_alter_table("material_grade", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_material_grade_material_id"))
        batch_op.drop_index(batch_op.f("ix_material_grade_code"))

    op.drop_table("material_grade")
    with op.batch_alter_table("buyer_material", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_buyer_material_buyer_id"))

    op.drop_table("buyer_material")
    with op.batch_alter_table("buyer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_buyer_org_id"))

    op.drop_table("buyer")
