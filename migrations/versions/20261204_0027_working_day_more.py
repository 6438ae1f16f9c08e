"""working-day additions (issue 17): a planned stop knows how late it is

A stop a dispatcher moves by hand between routes is re-timed on the road matrix;
``planned_stop.late_s`` holds how many seconds after its time window closes the truck
now arrives (0: within the window), so the plan page can flag it.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("planned_stop", sa.Column("late_s", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("planned_stop", schema=None) as batch_op:
        batch_op.drop_column("late_s")
