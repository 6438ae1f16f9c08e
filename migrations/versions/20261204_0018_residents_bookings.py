"""residents bookings: service areas, resident accounts and addresses, one-time codes, slots, bookings

A slot's ``booked`` counter is held within its capacity by a CHECK, and the booking
status history (``booking_event``) is append-only by the same triggers as the other
records (webapp.models.append_only).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import webapp.models._types
from webapp.models import append_only

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

# Frozen here: the module's list may grow with later migrations.
APPEND_ONLY = ("booking_event",)


def upgrade() -> None:
    op.create_table(
        "phone_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("phone", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("purpose", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("code_sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", webapp.models._types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", webapp.models._types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("used_at", webapp.models._types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("phone_code", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_phone_code_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_phone_code_phone"), ["phone"], unique=False)

    op.create_table(
        "service_area",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("district", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", webapp.models._types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("service_area", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_service_area_code"), ["code"], unique=True)
        batch_op.create_index(batch_op.f("ix_service_area_district"), ["district"], unique=False)
        batch_op.create_index(batch_op.f("ix_service_area_org_id"), ["org_id"], unique=False)

    op.create_table(
        "resident_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("phone", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("card_no", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("qr_secret", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("phone_verified_at", webapp.models._types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", webapp.models._types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_active_at", webapp.models._types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", webapp.models._types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("resident_account", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_resident_account_card_no"), ["card_no"], unique=True)
        batch_op.create_index(batch_op.f("ix_resident_account_closed_at"), ["closed_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_resident_account_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_resident_account_phone"), ["phone"], unique=True)
        batch_op.create_index(batch_op.f("ix_resident_account_qr_secret"), ["qr_secret"], unique=True)
        batch_op.create_index(batch_op.f("ix_resident_account_user_id"), ["user_id"], unique=True)

    op.create_table(
        "slot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("service_area_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("start", sa.Time(), nullable=False),
        sa.Column("end", sa.Time(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("booked", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", webapp.models._types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("booked >= 0 AND booked <= capacity", name="ck_slot_booked_within_capacity"),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
        ),
        sa.ForeignKeyConstraint(
            ["service_area_id"],
            ["service_area.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("service_area_id", "day", "start"),
    )
    with op.batch_alter_table("slot", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_slot_day"), ["day"], unique=False)
        batch_op.create_index(batch_op.f("ix_slot_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_slot_service_area_id"), ["service_area_id"], unique=False)

    op.create_table(
        "resident_address",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("service_area_id", sa.Integer(), nullable=False),
        sa.Column("label", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("detail", sqlmodel.sql.sqltypes.AutoString(length=160), nullable=False),
        sa.Column("district", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("created_at", webapp.models._types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("removed_at", webapp.models._types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"],
            ["resident_account.id"],
        ),
        sa.ForeignKeyConstraint(
            ["service_area_id"],
            ["service_area.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("resident_address", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_resident_address_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_resident_address_resident_id"), ["resident_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_resident_address_service_area_id"), ["service_area_id"], unique=False
        )

    op.create_table(
        "booking",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("address_id", sa.Integer(), nullable=False),
        sa.Column("slot_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "booked",
                "assigned",
                "on_the_way",
                "collected",
                "cancelled",
                "no_show",
                "unassigned",
                name="bookingstatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("code_used_at", webapp.models._types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("photo_id", sa.Integer(), nullable=True),
        sa.Column("eta", webapp.models._types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", webapp.models._types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", webapp.models._types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", webapp.models._types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("collected_at", webapp.models._types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["address_id"],
            ["resident_address.id"],
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
            ["resident_id"],
            ["resident_account.id"],
        ),
        sa.ForeignKeyConstraint(
            ["slot_id"],
            ["slot.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("booking", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_booking_address_id"), ["address_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_booking_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_booking_resident_id"), ["resident_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_booking_slot_id"), ["slot_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_booking_status"), ["status"], unique=False)

    op.create_table(
        "booking_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("booking_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "booked",
                "assigned",
                "on_the_way",
                "collected",
                "cancelled",
                "no_show",
                "unassigned",
                name="bookingstatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("slot_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("at", webapp.models._types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["booking.id"],
        ),
        sa.ForeignKeyConstraint(
            ["slot_id"],
            ["slot.id"],
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("booking_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_booking_event_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_booking_event_booking_id"), ["booking_id"], unique=False)

    op.create_table(
        "booking_item",
        sa.Column("booking_id", sa.Integer(), nullable=False),
        sa.Column("material_id", sa.Integer(), nullable=False),
        sa.Column("estimated_g", sa.Integer(), nullable=True),
        sa.Column("bags", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["booking.id"],
        ),
        sa.ForeignKeyConstraint(
            ["material_id"],
            ["material.id"],
        ),
        sa.PrimaryKeyConstraint("booking_id", "material_id"),
    )

    append_only.create(op.get_bind(), APPEND_ONLY)


def downgrade() -> None:
    append_only.drop(op.get_bind(), APPEND_ONLY)
    op.drop_table("booking_item")
    with op.batch_alter_table("booking_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_booking_event_booking_id"))
        batch_op.drop_index(batch_op.f("ix_booking_event_at"))

    op.drop_table("booking_event")
    with op.batch_alter_table("booking", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_booking_status"))
        batch_op.drop_index(batch_op.f("ix_booking_slot_id"))
        batch_op.drop_index(batch_op.f("ix_booking_resident_id"))
        batch_op.drop_index(batch_op.f("ix_booking_org_id"))
        batch_op.drop_index(batch_op.f("ix_booking_address_id"))

    op.drop_table("booking")
    with op.batch_alter_table("resident_address", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_resident_address_service_area_id"))
        batch_op.drop_index(batch_op.f("ix_resident_address_resident_id"))
        batch_op.drop_index(batch_op.f("ix_resident_address_org_id"))

    op.drop_table("resident_address")
    with op.batch_alter_table("slot", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_slot_service_area_id"))
        batch_op.drop_index(batch_op.f("ix_slot_org_id"))
        batch_op.drop_index(batch_op.f("ix_slot_day"))

    op.drop_table("slot")
    with op.batch_alter_table("resident_account", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_resident_account_user_id"))
        batch_op.drop_index(batch_op.f("ix_resident_account_qr_secret"))
        batch_op.drop_index(batch_op.f("ix_resident_account_phone"))
        batch_op.drop_index(batch_op.f("ix_resident_account_org_id"))
        batch_op.drop_index(batch_op.f("ix_resident_account_closed_at"))
        batch_op.drop_index(batch_op.f("ix_resident_account_card_no"))

    op.drop_table("resident_account")
    with op.batch_alter_table("service_area", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_service_area_org_id"))
        batch_op.drop_index(batch_op.f("ix_service_area_district"))
        batch_op.drop_index(batch_op.f("ix_service_area_code"))

    op.drop_table("service_area")
    with op.batch_alter_table("phone_code", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_phone_code_phone"))
        batch_op.drop_index(batch_op.f("ix_phone_code_created_at"))

    op.drop_table("phone_code")
