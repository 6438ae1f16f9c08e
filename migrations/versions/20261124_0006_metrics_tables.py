"""metrics tables: emission factors and subsidy rates (histories: edits are new rows)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 02:50:35.947162
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import webapp.models._types

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "emission_factor",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("material_id", sa.Integer(), nullable=False),
        sa.Column("kg_co2e_per_t", sa.Integer(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("source_url", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
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
    with op.batch_alter_table("emission_factor", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_emission_factor_material_id"), ["material_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_emission_factor_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_emission_factor_valid_from"), ["valid_from"], unique=False)

    op.create_table(
        "subsidy_rate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column(
            "kind",
            sa.Enum("low_value_tonne", "new_outlet", name="ratekind", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("material_id", sa.Integer(), nullable=True),
        sa.Column("fen", sa.Integer(), nullable=False),
        sa.Column("basis", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("source_url", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
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
    with op.batch_alter_table("subsidy_rate", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_subsidy_rate_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_subsidy_rate_material_id"), ["material_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_subsidy_rate_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_subsidy_rate_valid_from"), ["valid_from"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("subsidy_rate", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_subsidy_rate_valid_from"))
        batch_op.drop_index(batch_op.f("ix_subsidy_rate_org_id"))
        batch_op.drop_index(batch_op.f("ix_subsidy_rate_material_id"))
        batch_op.drop_index(batch_op.f("ix_subsidy_rate_kind"))

    op.drop_table("subsidy_rate")
    with op.batch_alter_table("emission_factor", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_emission_factor_valid_from"))
        batch_op.drop_index(batch_op.f("ix_emission_factor_org_id"))
        batch_op.drop_index(batch_op.f("ix_emission_factor_material_id"))

    op.drop_table("emission_factor")
