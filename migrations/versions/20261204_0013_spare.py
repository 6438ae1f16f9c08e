"""anomaly follow-up trail and factor and rate provenance

The regulator's acknowledgements of anomalies get their own append-only table
(``anomaly_follow_up``: who, when, note, status; never edited). Emission factors get
a Chinese note beside the English one and an "example, to be confirmed" flag;
subsidy rates get the notice's title (文件名称) and number (文号) and the same flag,
so reports can print where each figure comes from. Rows that exist at the upgrade
keep their values and get empty provenance, not invented provenance.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import webapp.models._types
from webapp.models import append_only

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_STATUSES = ("pending", "confirmed", "following_up", "closed")


def upgrade() -> None:
    op.create_table(
        "anomaly_follow_up",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("anomaly_key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("battery_code", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column(
            "status",
            sa.Enum(*_STATUSES, name="followupstatus", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("at", webapp.models._types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_anomaly_follow_up_anomaly_key"), "anomaly_follow_up", ["anomaly_key"])
    op.create_index(op.f("ix_anomaly_follow_up_battery_code"), "anomaly_follow_up", ["battery_code"])
    op.create_index(op.f("ix_anomaly_follow_up_at"), "anomaly_follow_up", ["at"])
    # Plain ADD COLUMN on both backends: no table rebuild, so the append-only
    # triggers of these two tables stay in place.
    text = sqlmodel.sql.sqltypes.AutoString
    op.add_column(
        "emission_factor", sa.Column("note_zh", text(length=500), nullable=False, server_default="")
    )
    op.add_column(
        "emission_factor", sa.Column("example", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.add_column(
        "subsidy_rate", sa.Column("document_title", text(length=255), nullable=False, server_default="")
    )
    op.add_column(
        "subsidy_rate", sa.Column("document_number", text(length=100), nullable=False, server_default="")
    )
    op.add_column(
        "subsidy_rate", sa.Column("example", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    append_only.create(op.get_bind(), ("anomaly_follow_up",))


def downgrade() -> None:
    bind = op.get_bind()
    append_only.drop(bind, ("anomaly_follow_up", "emission_factor", "subsidy_rate"))
    with op.batch_alter_table("subsidy_rate", schema=None) as batch_op:
        batch_op.drop_column("example")
        batch_op.drop_column("document_number")
        batch_op.drop_column("document_title")
    with op.batch_alter_table("emission_factor", schema=None) as batch_op:
        batch_op.drop_column("example")
        batch_op.drop_column("note_zh")
    op.drop_index(op.f("ix_anomaly_follow_up_at"), table_name="anomaly_follow_up")
    op.drop_index(op.f("ix_anomaly_follow_up_battery_code"), table_name="anomaly_follow_up")
    op.drop_index(op.f("ix_anomaly_follow_up_anomaly_key"), table_name="anomaly_follow_up")
    op.drop_table("anomaly_follow_up")
    append_only.create(bind, ("emission_factor", "subsidy_rate"))
