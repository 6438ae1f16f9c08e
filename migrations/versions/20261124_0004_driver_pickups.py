"""driver pickups: collections with per-material grams, skip reasons, evidence files

Photos and signatures are kept as bytes in evidence_file (content-hashed, at most
3 MB each) so they are backed up and restored with the weights they prove.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 00:47:22.262951
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import webapp.models._types

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "skip_reason",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("name_zh", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("name_en", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("requires_photo", sa.Boolean(), nullable=False),
        sa.Column("requires_note", sa.Boolean(), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("skip_reason", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_skip_reason_code"), ["code"], unique=True)
        batch_op.create_index(batch_op.f("ix_skip_reason_org_id"), ["org_id"], unique=False)

    op.create_table(
        "evidence_file",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("media_type", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", webapp.models._types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"],
            ["user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("evidence_file", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_evidence_file_sha256"), ["sha256"], unique=True)

    op.create_table(
        "collection",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("client_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("stop_id", sa.Integer(), nullable=False),
        sa.Column("route_id", sa.Integer(), nullable=False),
        sa.Column("outlet_id", sa.Integer(), nullable=False),
        sa.Column("driver_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("token_id", sa.Integer(), nullable=True),
        sa.Column(
            "outcome",
            sa.Enum("collected", "skipped", name="collectionoutcome", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("total_g", sa.Integer(), nullable=False),
        sa.Column("skip_reason_id", sa.Integer(), nullable=True),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("photo_id", sa.Integer(), nullable=True),
        sa.Column("signature_id", sa.Integer(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("accuracy_m", sa.Float(), nullable=True),
        sa.Column("arrived_at", webapp.models._types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("recorded_at", webapp.models._types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("received_at", webapp.models._types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("supersedes_id", sa.Integer(), nullable=True),
        sa.Column("correction_reason", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("out_of_order", sa.Boolean(), nullable=False),
        sa.Column("body_sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["driver_id"],
            ["driver.id"],
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
        ),
        sa.ForeignKeyConstraint(
            ["outlet_id"],
            ["outlet.id"],
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
            ["signature_id"],
            ["evidence_file.id"],
        ),
        sa.ForeignKeyConstraint(
            ["skip_reason_id"],
            ["skip_reason.id"],
        ),
        sa.ForeignKeyConstraint(
            ["stop_id"],
            ["planned_stop.id"],
        ),
        sa.ForeignKeyConstraint(
            ["supersedes_id"],
            ["collection.id"],
        ),
        sa.ForeignKeyConstraint(
            ["token_id"],
            ["api_token.id"],
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("supersedes_id"),
    )
    with op.batch_alter_table("collection", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_collection_client_id"), ["client_id"], unique=True)
        batch_op.create_index(batch_op.f("ix_collection_driver_id"), ["driver_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_collection_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_collection_outlet_id"), ["outlet_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_collection_recorded_at"), ["recorded_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_collection_route_id"), ["route_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_collection_stop_id"), ["stop_id"], unique=False)

    op.create_table(
        "collection_weight",
        sa.Column("collection_id", sa.Integer(), nullable=False),
        sa.Column("material_id", sa.Integer(), nullable=False),
        sa.Column("grams", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["collection_id"],
            ["collection.id"],
        ),
        sa.ForeignKeyConstraint(
            ["material_id"],
            ["material.id"],
        ),
        sa.PrimaryKeyConstraint("collection_id", "material_id"),
    )


def downgrade() -> None:
    op.drop_table("collection_weight")
    with op.batch_alter_table("collection", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_collection_stop_id"))
        batch_op.drop_index(batch_op.f("ix_collection_route_id"))
        batch_op.drop_index(batch_op.f("ix_collection_recorded_at"))
        batch_op.drop_index(batch_op.f("ix_collection_outlet_id"))
        batch_op.drop_index(batch_op.f("ix_collection_org_id"))
        batch_op.drop_index(batch_op.f("ix_collection_driver_id"))
        batch_op.drop_index(batch_op.f("ix_collection_client_id"))

    op.drop_table("collection")
    with op.batch_alter_table("evidence_file", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evidence_file_sha256"))

    op.drop_table("evidence_file")
    with op.batch_alter_table("skip_reason", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_skip_reason_org_id"))
        batch_op.drop_index(batch_op.f("ix_skip_reason_code"))

    op.drop_table("skip_reason")
