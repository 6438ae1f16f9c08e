"""booking stops on routes

A doorstep pickup booking becomes a stop of a day's route: ``planned_stop`` gains a
nullable ``booking_id`` (its ``kind`` is then "booking"), and a collection made at a
booking stop has no outlet, so ``collection.outlet_id`` becomes nullable.

``collection`` is append-only: on SQLite the column change copies the table, so its
triggers and its partial unique index (one first record per stop) are dropped before
and made again after; on PostgreSQL the ALTER keeps them, and they are left alone.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from webapp.models import append_only

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

INDEX = "uq_collection_first_record_per_stop"
FIRST = "supersedes_id IS NULL"


def upgrade() -> None:
    with op.batch_alter_table("planned_stop", schema=None) as batch_op:
        batch_op.add_column(sa.Column("booking_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_planned_stop_booking_id"), ["booking_id"], unique=False)
        batch_op.create_foreign_key("fk_planned_stop_booking_id_booking", "booking", ["booking_id"], ["id"])
    _alter_collection_outlet(nullable=True)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT COUNT(*) FROM collection WHERE outlet_id IS NULL")).scalar():
        raise RuntimeError(
            "collections of booking stops have no outlet; they cannot be kept by revision 0019: "
            "nothing was changed."
        )
    _alter_collection_outlet(nullable=False)
    with op.batch_alter_table("planned_stop", schema=None) as batch_op:
        batch_op.drop_constraint("fk_planned_stop_booking_id_booking", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_planned_stop_booking_id"))
        batch_op.drop_column("booking_id")


def _alter_collection_outlet(*, nullable: bool) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        op.alter_column("collection", "outlet_id", existing_type=sa.Integer(), nullable=nullable)
        return
    append_only.drop(bind, ("collection",))
    op.drop_index(INDEX, table_name="collection")
    with op.batch_alter_table("collection", schema=None, recreate="always") as batch_op:
        batch_op.alter_column("outlet_id", existing_type=sa.Integer(), nullable=nullable)
    op.create_index(
        INDEX,
        "collection",
        ["stop_id"],
        unique=True,
        sqlite_where=sa.text(FIRST),
        postgresql_where=sa.text(FIRST),
    )
    append_only.create(bind, ("collection",))
