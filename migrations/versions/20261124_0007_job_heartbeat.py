"""job heartbeat: running jobs prove their worker is alive

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 02:52:58.259308
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import webapp.models._types

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("heartbeat_at", webapp.models._types.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.drop_column("heartbeat_at")
