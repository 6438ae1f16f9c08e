"""battery traceability log

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 00:18:37.156043
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import webapp.models._types
from webapp.models import append_only

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "battery_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("parent_code", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column("child_code", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("since_seq", sa.Integer(), nullable=False),
        sa.Column("until_seq", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("battery_link", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_battery_link_child_code"), ["child_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_battery_link_parent_code"), ["parent_code"], unique=False)

    op.create_table(
        "merkle_node",
        sa.Column("level", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("idx", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("digest", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.PrimaryKeyConstraint("level", "idx"),
    )
    op.create_table(
        "tree_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("log_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("tree_size", sa.Integer(), nullable=False),
        sa.Column("timestamp_ms", sa.BigInteger(), nullable=False),
        sa.Column("root_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("key_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("signature", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("created_at", webapp.models._types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("tree_head", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tree_head_tree_size"), ["tree_size"], unique=False)

    op.create_table(
        "battery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column("product_type", sqlmodel.sql.sqltypes.AutoString(length=1), nullable=False),
        sa.Column("chemistry", sqlmodel.sql.sqltypes.AutoString(length=1), nullable=False),
        sa.Column("manufacturer_code", sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
        sa.Column("rated_energy_wh", sa.Integer(), nullable=True),
        sa.Column("mass_g", sa.Integer(), nullable=True),
        sa.Column("is_cascade_product", sa.Boolean(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("holder", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("location", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("parent_code", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=True),
        sa.Column("last_event_at", webapp.models._types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", webapp.models._types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("battery", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_battery_code"), ["code"], unique=True)
        batch_op.create_index(batch_op.f("ix_battery_manufacturer_code"), ["manufacturer_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_battery_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_battery_parent_code"), ["parent_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_battery_status"), ["status"], unique=False)

    op.create_table(
        "trace_event",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("event_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("battery_code", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("actor_role", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("location", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("occurred_at", webapp.models._types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", webapp.models._types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("corrects", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("correction_reason", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column("prev_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("leaf_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("line", sa.Text(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["user.id"],
        ),
        sa.PrimaryKeyConstraint("seq"),
    )
    with op.batch_alter_table("trace_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_trace_event_battery_code"), ["battery_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_trace_event_corrects"), ["corrects"], unique=False)
        batch_op.create_index(batch_op.f("ix_trace_event_event_id"), ["event_id"], unique=True)
        batch_op.create_index(batch_op.f("ix_trace_event_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_trace_event_leaf_hash"), ["leaf_hash"], unique=False)
        batch_op.create_index(batch_op.f("ix_trace_event_occurred_at"), ["occurred_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_trace_event_org_id"), ["org_id"], unique=False)

    op.create_table(
        "trace_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("reported_at", webapp.models._types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reference", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("reported_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", webapp.models._types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["reported_by_id"],
            ["user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("trace_report", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_trace_report_event_id"), ["event_id"], unique=False)

    # The log refuses UPDATE and DELETE in the database itself.
    append_only.create(op.get_bind(), append_only.LOG_TABLES)


def downgrade() -> None:
    append_only.drop(op.get_bind(), append_only.LOG_TABLES)
    with op.batch_alter_table("trace_report", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trace_report_event_id"))

    op.drop_table("trace_report")
    with op.batch_alter_table("trace_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trace_event_org_id"))
        batch_op.drop_index(batch_op.f("ix_trace_event_occurred_at"))
        batch_op.drop_index(batch_op.f("ix_trace_event_leaf_hash"))
        batch_op.drop_index(batch_op.f("ix_trace_event_kind"))
        batch_op.drop_index(batch_op.f("ix_trace_event_event_id"))
        batch_op.drop_index(batch_op.f("ix_trace_event_corrects"))
        batch_op.drop_index(batch_op.f("ix_trace_event_battery_code"))

    op.drop_table("trace_event")
    with op.batch_alter_table("battery", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_battery_status"))
        batch_op.drop_index(batch_op.f("ix_battery_parent_code"))
        batch_op.drop_index(batch_op.f("ix_battery_org_id"))
        batch_op.drop_index(batch_op.f("ix_battery_manufacturer_code"))
        batch_op.drop_index(batch_op.f("ix_battery_code"))

    op.drop_table("battery")
    with op.batch_alter_table("tree_head", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tree_head_tree_size"))

    op.drop_table("tree_head")
    op.drop_table("merkle_node")
    with op.batch_alter_table("battery_link", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_battery_link_parent_code"))
        batch_op.drop_index(batch_op.f("ix_battery_link_child_code"))

    op.drop_table("battery_link")
