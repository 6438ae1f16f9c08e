"""integrity under concurrency: one first record per stop, enforced by the database

Twenty phones posting a first record for one stop at the same moment each passed the
"nothing recorded yet" check and stored several records in force. A partial unique
index on ``collection (stop_id) WHERE supersedes_id IS NULL`` lets one first record
per stop in; with the unique ``supersedes_id`` (a record is corrected at most once)
each stop's records form one chain with one record in force.

A database that already holds such duplicates is refused with the stops named:
collections carry subsidy money and are never edited, so a person decides which of
the racing records stands, not a migration.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

INDEX = "uq_collection_first_record_per_stop"
FIRST = "supersedes_id IS NULL"


def upgrade() -> None:
    duplicated = (
        op.get_bind()
        .execute(
            sa.text(
                "SELECT stop_id FROM collection WHERE supersedes_id IS NULL "
                "GROUP BY stop_id HAVING COUNT(*) > 1 ORDER BY stop_id"
            )
        )
        .scalars()
        .all()
    )
    if duplicated:
        shown = ", ".join(str(s) for s in duplicated[:20]) + (" ..." if len(duplicated) > 20 else "")
        raise RuntimeError(
            f"{len(duplicated)} stop(s) have more than one first collection record (stop ids {shown}); "
            "they were stored by phones racing on the same stop. Decide which record stands for each "
            "stop before upgrading: nothing was changed."
        )
    op.create_index(
        INDEX,
        "collection",
        ["stop_id"],
        unique=True,
        sqlite_where=sa.text(FIRST),
        postgresql_where=sa.text(FIRST),
    )


def downgrade() -> None:
    op.drop_index(INDEX, table_name="collection")
