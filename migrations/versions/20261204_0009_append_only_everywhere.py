"""append only everywhere

The append-only triggers of the battery log (0002) now also guard the records that
carry money or custody and the change log, and on SQLite refuse ``INSERT OR
REPLACE``, which deleted the row it replaced without firing the DELETE triggers.
They replace the ORM listeners that refused updates of collections, factors and rates.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op

from webapp.models import append_only

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# Frozen here: the module's lists may grow with later migrations.
LOG_TABLES = ("trace_event", "merkle_node", "tree_head", "trace_report")
TABLES = (*LOG_TABLES, "collection", "collection_weight", "emission_factor", "subsidy_rate", "audit_record")


def upgrade() -> None:
    bind = op.get_bind()
    append_only.drop(bind, LOG_TABLES)
    append_only.create(bind, TABLES)


def downgrade() -> None:
    bind = op.get_bind()
    append_only.drop(bind, TABLES)
    append_only.create(bind, LOG_TABLES)
