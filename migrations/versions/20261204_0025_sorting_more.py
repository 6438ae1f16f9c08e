"""sorting-centre additions (issue 14): cancellations, tolerance per facility, scale readings

A mistaken weigh-in or ticket is cancelled by a new row with the reason (the ticket keeps
its number, so the numbering stays gap-free); a facility's reconciliation tolerance is a
history of rows from a day on; those three tables are append-only. The scale listener's
stable weights go to ``scale_reading`` (the ticket form's live weight).

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import webapp.models._types
from webapp.models import append_only

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

TABLES = ("weigh_in_cancel", "weigh_ticket_cancel", "facility_tolerance")


def _cancel_table(name: str, column: str, target: str) -> None:
    op.create_table(
        name,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(column, sa.Integer(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=True),
        sa.Column("created_at", webapp.models._types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint([column], [f"{target}.id"]),
        sa.ForeignKeyConstraint(["operator_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(column),
    )


def upgrade() -> None:
    _cancel_table("weigh_in_cancel", "weigh_in_id", "weigh_in")
    _cancel_table("weigh_ticket_cancel", "ticket_id", "weigh_ticket")
    op.create_table(
        "facility_tolerance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("tolerance_permille", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", webapp.models._types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["facility_id"], ["facility.id"]),
        sa.ForeignKeyConstraint(["created_by_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("facility_tolerance", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_facility_tolerance_facility_id"), ["facility_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_facility_tolerance_valid_from"), ["valid_from"], unique=False)
    op.create_table(
        "scale_reading",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("grams", sa.Integer(), nullable=False),
        sa.Column("frames", sa.Integer(), nullable=False),
        sa.Column("port", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("read_at", webapp.models._types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["facility_id"], ["facility.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("scale_reading", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_scale_reading_facility_id"), ["facility_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_scale_reading_read_at"), ["read_at"], unique=False)
    append_only.create(op.get_bind(), TABLES)


def downgrade() -> None:
    append_only.drop(op.get_bind(), TABLES)
    with op.batch_alter_table("scale_reading", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scale_reading_read_at"))
        batch_op.drop_index(batch_op.f("ix_scale_reading_facility_id"))
    op.drop_table("scale_reading")
    with op.batch_alter_table("facility_tolerance", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_facility_tolerance_valid_from"))
        batch_op.drop_index(batch_op.f("ix_facility_tolerance_facility_id"))
    op.drop_table("facility_tolerance")
    op.drop_table("weigh_ticket_cancel")
    op.drop_table("weigh_in_cancel")
