"""device token expiry

Every bearer token gets an expiry, a revocation reason and, for a driver's phone, the
phone's own id and its model in short. Tokens that exist at the upgrade expire one
default lifetime of their kind after it (not after their creation: a year-old sensor
token would otherwise stop at the upgrade without warning).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
import sqlmodel
from alembic import op

import webapp.models._types

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# Frozen here: the settings' defaults may change later.
DAYS = {"device": 90, "sensor": 365, "partner": 365, "auditor": 365}


def upgrade() -> None:
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("expires_at", webapp.models._types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column(
                "revoke_reason",
                sa.Enum(
                    "admin",
                    "user_disabled",
                    "replaced",
                    "limit",
                    name="revokereason",
                    native_enum=False,
                    length=32,
                ),
                nullable=True,
            )
        )
        batch_op.add_column(
            sa.Column("device_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )
        batch_op.add_column(
            sa.Column(
                "device_label", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False, server_default=""
            )
        )
    token = sa.table(
        "api_token",
        sa.column("kind", sa.String),
        sa.column("expires_at", webapp.models._types.UTCDateTime(timezone=True)),
    )
    now = datetime.now(UTC)
    for kind, days in DAYS.items():
        op.execute(token.update().where(token.c.kind == kind).values(expires_at=now + timedelta(days=days)))
    op.execute(
        token.update().where(token.c.expires_at.is_(None)).values(expires_at=now + timedelta(days=365))
    )
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.alter_column(
            "expires_at", existing_type=webapp.models._types.UTCDateTime(timezone=True), nullable=False
        )
        batch_op.alter_column("device_label", server_default=None)
        batch_op.create_index(batch_op.f("ix_api_token_user_id"), ["user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_api_token_device_id"), ["device_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_token_device_id"))
        batch_op.drop_index(batch_op.f("ix_api_token_user_id"))
        batch_op.drop_column("device_label")
        batch_op.drop_column("device_id")
        batch_op.drop_column("revoke_reason")
        batch_op.drop_column("expires_at")
