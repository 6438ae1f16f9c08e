"""workshop: intake checklist, inspections, tests, grade rules and grades, disassemblies,
battery collection points' compliance profile

The records (inspections, tests, grade rule versions, grades, disassemblies) are
append-only: the triggers of :mod:`webapp.models.append_only` refuse UPDATE and DELETE.
The checklist items and the collection points' profiles are settings, edited in place.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import webapp.models._types
from webapp.models import append_only

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

# Frozen here: the module's lists may grow with later migrations.
APPEND_ONLY = (
    "inspection",
    "test_record",
    "grade_rule_set",
    "grade_rule",
    "unit_grade",
    "disassembly",
    "disassembly_part",
)


def upgrade() -> None:
    op.create_table(
        "inspection_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("section", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("label_zh", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("label_en", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("visual", "measured", name="itemkind", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("unit", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("min_value", sa.Float(), nullable=True),
        sa.Column("max_value", sa.Float(), nullable=True),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", webapp.models._types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_inspection_item_code"), "inspection_item", ["code"], unique=True)
    op.create_index(op.f("ix_inspection_item_org_id"), "inspection_item", ["org_id"], unique=False)
    op.create_table(
        "battery_point_profile",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("outlet_id", sa.Integer(), nullable=False),
        sa.Column(
            "point_type",
            sa.Enum("collection", "central_storage", name="pointtype", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("storage_area_m2", sa.Integer(), nullable=False),
        sa.Column("rated_storage_kg", sa.Integer(), nullable=False),
        sa.Column("discharge_facility", sa.Boolean(), nullable=False),
        sa.Column("thermal_monitoring", sa.Boolean(), nullable=False),
        sa.Column("max_days", sa.Integer(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", webapp.models._types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["outlet_id"],
            ["outlet.id"],
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_battery_point_profile_outlet_id"), "battery_point_profile", ["outlet_id"], unique=True
    )
    op.create_table(
        "disassembly",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("battery_code", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column("event_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("input_mass_g", sa.Integer(), nullable=False),
        sa.Column("scrap_mass_g", sa.Integer(), nullable=False),
        sa.Column("tolerance_permille", sa.Integer(), nullable=False),
        sa.Column("disassembled_at", webapp.models._types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", webapp.models._types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_disassembly_battery_code"), "disassembly", ["battery_code"], unique=False)
    op.create_index(op.f("ix_disassembly_event_id"), "disassembly", ["event_id"], unique=False)
    op.create_index(op.f("ix_disassembly_org_id"), "disassembly", ["org_id"], unique=False)
    op.create_table(
        "grade_rule_set",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", webapp.models._types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_grade_rule_set_org_id"), "grade_rule_set", ["org_id"], unique=False)
    op.create_index(op.f("ix_grade_rule_set_valid_from"), "grade_rule_set", ["valid_from"], unique=False)
    op.create_index(op.f("ix_grade_rule_set_version"), "grade_rule_set", ["version"], unique=False)
    op.create_table(
        "inspection",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("battery_code", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column("safe", sa.Boolean(), nullable=False),
        sa.Column("results", sa.JSON(), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("inspector", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("inspected_at", webapp.models._types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", webapp.models._types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_inspection_battery_code"), "inspection", ["battery_code"], unique=False)
    op.create_index(op.f("ix_inspection_inspected_at"), "inspection", ["inspected_at"], unique=False)
    op.create_index(op.f("ix_inspection_org_id"), "inspection", ["org_id"], unique=False)
    op.create_table(
        "test_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("battery_code", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column(
            "level",
            sa.Enum("pack", "module", "cell", name="unitlevel", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("method", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("equipment", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("operator", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("ambient_dc", sa.Integer(), nullable=False),
        sa.Column("capacity_mah", sa.Integer(), nullable=False),
        sa.Column("energy_mwh", sa.Integer(), nullable=False),
        sa.Column("soh_permille", sa.Integer(), nullable=False),
        sa.Column("dcir_uohm", sa.Integer(), nullable=False),
        sa.Column("self_discharge_permille", sa.Integer(), nullable=False),
        sa.Column("ocv_mv", sa.Integer(), nullable=False),
        sa.Column("tested_at", webapp.models._types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("event_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", webapp.models._types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_test_record_battery_code"), "test_record", ["battery_code"], unique=False)
    op.create_index(op.f("ix_test_record_event_id"), "test_record", ["event_id"], unique=False)
    op.create_index(op.f("ix_test_record_org_id"), "test_record", ["org_id"], unique=False)
    op.create_index(op.f("ix_test_record_tested_at"), "test_record", ["tested_at"], unique=False)
    op.create_table(
        "disassembly_part",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("disassembly_id", sa.Integer(), nullable=False),
        sa.Column("part_code", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column("mass_g", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["disassembly_id"],
            ["disassembly.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_disassembly_part_disassembly_id"), "disassembly_part", ["disassembly_id"], unique=False
    )
    op.create_index(op.f("ix_disassembly_part_part_code"), "disassembly_part", ["part_code"], unique=False)
    op.create_table(
        "grade_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rule_set_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("grade", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("chemistry", sqlmodel.sql.sqltypes.AutoString(length=1), nullable=False),
        sa.Column("min_soh_permille", sa.Integer(), nullable=False),
        sa.Column("max_soh_permille", sa.Integer(), nullable=False),
        sa.Column("max_dcir_uohm", sa.Integer(), nullable=True),
        sa.Column("max_self_discharge_permille", sa.Integer(), nullable=True),
        sa.Column("applications", sa.JSON(), nullable=False),
        sa.Column("recycling_only", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["rule_set_id"],
            ["grade_rule_set.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_grade_rule_rule_set_id"), "grade_rule", ["rule_set_id"], unique=False)
    op.create_table(
        "unit_grade",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("battery_code", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column("test_record_id", sa.Integer(), nullable=True),
        sa.Column("rule_set_id", sa.Integer(), nullable=True),
        sa.Column("rule_version", sa.Integer(), nullable=True),
        sa.Column("grade", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("applications", sa.JSON(), nullable=False),
        sa.Column("recycling_only", sa.Boolean(), nullable=False),
        sa.Column("unsafe", sa.Boolean(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("graded_at", webapp.models._types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("graded_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["graded_by_id"],
            ["user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
        ),
        sa.ForeignKeyConstraint(
            ["rule_set_id"],
            ["grade_rule_set.id"],
        ),
        sa.ForeignKeyConstraint(
            ["test_record_id"],
            ["test_record.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_unit_grade_battery_code"), "unit_grade", ["battery_code"], unique=False)
    op.create_index(op.f("ix_unit_grade_graded_at"), "unit_grade", ["graded_at"], unique=False)
    op.create_index(op.f("ix_unit_grade_org_id"), "unit_grade", ["org_id"], unique=False)
    append_only.create(op.get_bind(), APPEND_ONLY)


def downgrade() -> None:
    append_only.drop(op.get_bind(), APPEND_ONLY)
    op.drop_index(op.f("ix_unit_grade_battery_code"), table_name="unit_grade")
    op.drop_index(op.f("ix_unit_grade_graded_at"), table_name="unit_grade")
    op.drop_index(op.f("ix_unit_grade_org_id"), table_name="unit_grade")
    op.drop_table("unit_grade")
    op.drop_index(op.f("ix_grade_rule_rule_set_id"), table_name="grade_rule")
    op.drop_table("grade_rule")
    op.drop_index(op.f("ix_disassembly_part_disassembly_id"), table_name="disassembly_part")
    op.drop_index(op.f("ix_disassembly_part_part_code"), table_name="disassembly_part")
    op.drop_table("disassembly_part")
    op.drop_index(op.f("ix_test_record_battery_code"), table_name="test_record")
    op.drop_index(op.f("ix_test_record_event_id"), table_name="test_record")
    op.drop_index(op.f("ix_test_record_org_id"), table_name="test_record")
    op.drop_index(op.f("ix_test_record_tested_at"), table_name="test_record")
    op.drop_table("test_record")
    op.drop_index(op.f("ix_inspection_battery_code"), table_name="inspection")
    op.drop_index(op.f("ix_inspection_inspected_at"), table_name="inspection")
    op.drop_index(op.f("ix_inspection_org_id"), table_name="inspection")
    op.drop_table("inspection")
    op.drop_index(op.f("ix_grade_rule_set_org_id"), table_name="grade_rule_set")
    op.drop_index(op.f("ix_grade_rule_set_valid_from"), table_name="grade_rule_set")
    op.drop_index(op.f("ix_grade_rule_set_version"), table_name="grade_rule_set")
    op.drop_table("grade_rule_set")
    op.drop_index(op.f("ix_disassembly_battery_code"), table_name="disassembly")
    op.drop_index(op.f("ix_disassembly_event_id"), table_name="disassembly")
    op.drop_index(op.f("ix_disassembly_org_id"), table_name="disassembly")
    op.drop_table("disassembly")
    op.drop_index(op.f("ix_battery_point_profile_outlet_id"), table_name="battery_point_profile")
    op.drop_table("battery_point_profile")
    op.drop_index(op.f("ix_inspection_item_code"), table_name="inspection_item")
    op.drop_index(op.f("ix_inspection_item_org_id"), table_name="inspection_item")
    op.drop_table("inspection_item")
