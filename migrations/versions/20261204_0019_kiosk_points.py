"""kiosk points: residents' prices, the points ledger, smart kiosks and their deposits,
held-deposit reviews, the rewards catalogue and its stock, redemptions and payables

Every record of points, money or custody is append-only: the triggers of
:mod:`webapp.models.append_only` go on them here.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import webapp.models._types
from webapp.models import append_only

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

# Frozen here: the module's lists may grow with later migrations.
APPEND_ONLY = (
    "resident_price",
    "points_entry",
    "kiosk_deposit",
    "deposit_review",
    "reward_stock_move",
    "redemption",
    "payable",
)


def upgrade() -> None:
    op.create_table(
        "reward_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("name_zh", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("name_en", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("monthly_limit", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("reward_item", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reward_item_code"), ["code"], unique=True)
        batch_op.create_index(batch_op.f("ix_reward_item_org_id"), ["org_id"], unique=False)

    op.create_table(
        "resident_price",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("material_id", sa.Integer(), nullable=False),
        sa.Column("fen_per_kg", sa.Integer(), nullable=False),
        sa.Column("points_per_kg", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", webapp.models._types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user.id"],
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
    with op.batch_alter_table("resident_price", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_resident_price_material_id"), ["material_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_resident_price_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_resident_price_valid_from"), ["valid_from"], unique=False)

    op.create_table(
        "kiosk",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("outlet_id", sa.Integer(), nullable=False),
        sa.Column("serial", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("token_id", sa.Integer(), nullable=True),
        sa.Column("daily_cap_g", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", webapp.models._types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
        ),
        sa.ForeignKeyConstraint(
            ["outlet_id"],
            ["outlet.id"],
        ),
        sa.ForeignKeyConstraint(
            ["token_id"],
            ["api_token.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_id"),
    )
    with op.batch_alter_table("kiosk", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_kiosk_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_kiosk_outlet_id"), ["outlet_id"], unique=True)
        batch_op.create_index(batch_op.f("ix_kiosk_serial"), ["serial"], unique=True)

    op.create_table(
        "points_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("credit", "redemption", "reversal", name="entrykind", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=160), nullable=False),
        sa.Column("source_ref", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("material_id", sa.Integer(), nullable=True),
        sa.Column("grams", sa.Integer(), nullable=True),
        sa.Column("fen", sa.Integer(), nullable=True),
        sa.Column("price_id", sa.Integer(), nullable=True),
        sa.Column("reverses_id", sa.Integer(), nullable=True),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("at", webapp.models._types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", webapp.models._types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["material_id"],
            ["material.id"],
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
        ),
        sa.ForeignKeyConstraint(
            ["price_id"],
            ["resident_price.id"],
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"],
            ["resident_account.id"],
        ),
        sa.ForeignKeyConstraint(
            ["reverses_id"],
            ["points_entry.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("resident_id", "seq"),
        sa.UniqueConstraint("reverses_id"),
    )
    with op.batch_alter_table("points_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_points_entry_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_points_entry_key"), ["key"], unique=True)
        batch_op.create_index(batch_op.f("ix_points_entry_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_points_entry_material_id"), ["material_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_points_entry_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_points_entry_resident_id"), ["resident_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_points_entry_source_ref"), ["source_ref"], unique=False)

    op.create_table(
        "redemption",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("cash", "goods", name="redemptionkind", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("created_at", webapp.models._types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["reward_item.id"],
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"],
            ["resident_account.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("redemption", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_redemption_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_redemption_item_id"), ["item_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_redemption_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_redemption_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_redemption_resident_id"), ["resident_id"], unique=False)

    op.create_table(
        "kiosk_deposit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("deposit_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("kiosk_id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("material_id", sa.Integer(), nullable=False),
        sa.Column("grams", sa.Integer(), nullable=False),
        sa.Column("kiosk_time", webapp.models._types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("photo_sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("body_sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column(
            "hold_reason",
            sa.Enum(
                "outlier",
                "photo_repeat",
                "resident_cap",
                "kiosk_cap",
                name="holdreason",
                native_enum=False,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("token_id", sa.Integer(), nullable=True),
        sa.Column("received_at", webapp.models._types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["kiosk_id"],
            ["kiosk.id"],
        ),
        sa.ForeignKeyConstraint(
            ["material_id"],
            ["material.id"],
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"],
            ["resident_account.id"],
        ),
        sa.ForeignKeyConstraint(
            ["token_id"],
            ["api_token.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("kiosk_deposit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_kiosk_deposit_deposit_id"), ["deposit_id"], unique=True)
        batch_op.create_index(batch_op.f("ix_kiosk_deposit_hold_reason"), ["hold_reason"], unique=False)
        batch_op.create_index(batch_op.f("ix_kiosk_deposit_kiosk_id"), ["kiosk_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_kiosk_deposit_kiosk_time"), ["kiosk_time"], unique=False)
        batch_op.create_index(batch_op.f("ix_kiosk_deposit_material_id"), ["material_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_kiosk_deposit_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_kiosk_deposit_photo_sha256"), ["photo_sha256"], unique=False)
        batch_op.create_index(batch_op.f("ix_kiosk_deposit_resident_id"), ["resident_id"], unique=False)

    op.create_table(
        "payable",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("redemption_id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("fen", sa.Integer(), nullable=False),
        sa.Column("created_at", webapp.models._types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
        ),
        sa.ForeignKeyConstraint(
            ["redemption_id"],
            ["redemption.id"],
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"],
            ["resident_account.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("payable", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payable_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_payable_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_payable_redemption_id"), ["redemption_id"], unique=True)
        batch_op.create_index(batch_op.f("ix_payable_resident_id"), ["resident_id"], unique=False)

    op.create_table(
        "reward_stock_move",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("redemption_id", sa.Integer(), nullable=True),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", webapp.models._types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["reward_item.id"],
        ),
        sa.ForeignKeyConstraint(
            ["redemption_id"],
            ["redemption.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("reward_stock_move", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reward_stock_move_item_id"), ["item_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_reward_stock_move_redemption_id"), ["redemption_id"], unique=False
        )

    op.create_table(
        "deposit_review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deposit_id", sa.Integer(), nullable=False),
        sa.Column("approved", sa.Boolean(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=True),
        sa.Column("created_at", webapp.models._types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["deposit_id"],
            ["kiosk_deposit.id"],
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_id"],
            ["user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("deposit_review", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_deposit_review_deposit_id"), ["deposit_id"], unique=True)

    append_only.create(op.get_bind(), APPEND_ONLY)


def downgrade() -> None:
    bind = op.get_bind()
    append_only.drop(bind, APPEND_ONLY)
    # dropping the tables takes their indexes with them
    op.drop_table("deposit_review")
    op.drop_table("reward_stock_move")
    op.drop_table("payable")
    op.drop_table("kiosk_deposit")
    op.drop_table("redemption")
    op.drop_table("points_entry")
    op.drop_table("kiosk")
    op.drop_table("resident_price")
    op.drop_table("reward_item")
