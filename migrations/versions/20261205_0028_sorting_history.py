"""buyers' licences as history (issue 14): a renewal is a new row, sales check the day's licence

``buyer_licence`` holds each licence a buyer has had from ``valid_from`` on (number,
expiry, the material codes covered), append-only. The licence each buyer has now is
copied in as its first row, in force from the earliest day any record of that buyer
names (its registration, first price or first sale), since no earlier licence is known.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-05
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op

import webapp.models._types
from webapp.models import append_only

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None

TABLES = ("buyer_licence",)


def upgrade() -> None:
    op.create_table(
        "buyer_licence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("buyer_id", sa.Integer(), nullable=False),
        sa.Column("licence_no", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("licence_expiry", sa.Date(), nullable=False),
        sa.Column("materials", sa.JSON(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", webapp.models._types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["buyer_id"], ["buyer.id"]),
        sa.ForeignKeyConstraint(["org_id"], ["organisation.id"]),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("buyer_licence", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_buyer_licence_buyer_id"), ["buyer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_buyer_licence_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_buyer_licence_valid_from"), ["valid_from"], unique=False)
    _copy_current_licences()
    append_only.create(op.get_bind(), TABLES)


def _copy_current_licences() -> None:
    """Each buyer's licence as it is now becomes its first history row."""
    bind = op.get_bind()
    stamp = webapp.models._types.UTCDateTime()
    buyer = sa.table(
        "buyer",
        sa.column("id"),
        sa.column("org_id"),
        sa.column("licence_no"),
        sa.column("licence_expiry", sa.Date()),
        sa.column("created_at", stamp),
    )
    link = sa.table("buyer_material", sa.column("buyer_id"), sa.column("material_id"))
    material = sa.table("material", sa.column("id"), sa.column("code"))
    price = sa.table("buyer_price", sa.column("buyer_id"), sa.column("valid_from", sa.Date()))
    sale = sa.table("sale", sa.column("buyer_id"), sa.column("day", sa.Date()))
    licence = sa.table(
        "buyer_licence",
        *(sa.column(name) for name in ("org_id", "buyer_id", "licence_no", "note", "recorded_by_id")),
        sa.column("licence_expiry", sa.Date()),
        sa.column("valid_from", sa.Date()),
        sa.column("materials", sa.JSON()),
        sa.column("recorded_at", stamp),
    )
    codes: dict[int, list[str]] = {}
    for buyer_id, code in bind.execute(
        sa.select(link.c.buyer_id, material.c.code)
        .join(material, material.c.id == link.c.material_id)
        .order_by(material.c.code)
    ):
        codes.setdefault(buyer_id, []).append(code)
    earliest: dict[int, date] = {}
    for table, column in ((price, price.c.valid_from), (sale, sale.c.day)):
        query = sa.select(table.c.buyer_id, sa.func.min(column).label("first")).group_by(table.c.buyer_id)
        for buyer_id, first in bind.execute(query):
            first = first if isinstance(first, date) else date.fromisoformat(str(first)[:10])
            earliest[buyer_id] = min(first, earliest.get(buyer_id, first))
    rows = []
    now = datetime.now(UTC)
    for row in bind.execute(sa.select(buyer).order_by(buyer.c.id)):
        registered = row.created_at.date() if row.created_at is not None else now.date()
        rows.append(
            {
                "org_id": row.org_id,
                "buyer_id": row.id,
                "licence_no": row.licence_no,
                "licence_expiry": row.licence_expiry,
                "materials": codes.get(row.id, []),
                "valid_from": min(registered, earliest.get(row.id, registered)),
                "note": "",
                "recorded_by_id": None,
                "recorded_at": now,
            }
        )
    if rows:
        bind.execute(sa.insert(licence), rows)


def downgrade() -> None:
    append_only.drop(op.get_bind(), TABLES)
    with op.batch_alter_table("buyer_licence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_buyer_licence_valid_from"))
        batch_op.drop_index(batch_op.f("ix_buyer_licence_org_id"))
        batch_op.drop_index(batch_op.f("ix_buyer_licence_buyer_id"))
    op.drop_table("buyer_licence")
