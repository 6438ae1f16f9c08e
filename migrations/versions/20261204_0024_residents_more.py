"""residents' channel additions (issue 15): residential compounds to pick an address
from, catalogue goods' terms as versions, and cash-out payments

The two money/terms tables are append-only (triggers of :mod:`webapp.models.append_only`):
a catalogue edit is a new version, a payment is a new row and is never edited.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import webapp.models._types
from webapp.models import append_only

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

# Frozen here: the module's lists may grow with later migrations.
APPEND_ONLY = ("reward_version", "payable_payment")


def upgrade() -> None:
    op.create_table(
        "residential_compound",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("district", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("households", sa.Integer(), nullable=True),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("created_at", webapp.models._types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["organisation.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name", "district"),
    )
    with op.batch_alter_table("residential_compound", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_residential_compound_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_residential_compound_name"), ["name"], unique=False)
        batch_op.create_index(batch_op.f("ix_residential_compound_district"), ["district"], unique=False)

    op.create_table(
        "reward_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("name_zh", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("name_en", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("monthly_limit", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("valid_from", webapp.models._types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", webapp.models._types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["reward_item.id"]),
        sa.ForeignKeyConstraint(["created_by_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("reward_version", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reward_version_item_id"), ["item_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_reward_version_valid_from"), ["valid_from"], unique=False)

    op.create_table(
        "payable_payment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("payable_id", sa.Integer(), nullable=False),
        sa.Column("reference", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", webapp.models._types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["payable_id"], ["payable.id"]),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("payable_payment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payable_payment_payable_id"), ["payable_id"], unique=True)

    append_only.create(op.get_bind(), APPEND_ONLY)


def downgrade() -> None:
    append_only.drop(op.get_bind(), APPEND_ONLY)
    # dropping the tables takes their indexes with them
    op.drop_table("payable_payment")
    op.drop_table("reward_version")
    op.drop_table("residential_compound")
