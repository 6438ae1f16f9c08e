"""The sorting centre after the weighbridge: grades, sorting batches, graded stock and
its movements, buyers, their price lists and the sales that ship stock to them.

Stock is never stored as a number: the stock of a grade at a facility is the sum of
its ``stock_movement`` rows (sorting adds, a transfer moves, a sale takes). Movements,
batches, transfers, prices, sales, deliveries and invoices are append-only (database
triggers from :mod:`webapp.models.append_only`); a correction is a new row. Weights are
integer grams and money integer fen throughout.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, UniqueConstraint
from sqlmodel import Field, SQLModel

from webapp.models._types import UTCDateTime, str_enum, utcnow

#: Append-only tables of this module (triggers installed by migration 0017).
APPEND_ONLY = (
    "sorting_batch",
    "stock_transfer",
    "buyer_price",
    "sale",
    "stock_movement",
    "sale_delivery",
    "sale_invoice",
)


class MaterialGrade(SQLModel, table=True):
    """A graded output of sorting (PET bottles, OCC cardboard...) under its parent material.

    An editable list seeded by ``reloop seed reference``; stock and prices are per grade.
    """

    __tablename__ = "material_grade"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True, index=True)
    material_id: int = Field(foreign_key="material.id", index=True)
    name_zh: str = Field(max_length=40)
    name_en: str = Field(max_length=60)
    sort_order: int = 0
    active: bool = True

    def name(self, locale: str) -> str:
        """The name in the reader's language."""
        return self.name_en if locale.startswith("en") else self.name_zh


class SortingBatch(SQLModel, table=True):
    """Mixed inbound material of one kind sorted on one day at a facility.

    ``input_g`` went onto the line; its graded outputs are the batch's ``sorted``
    stock movements and ``residue_g`` left for disposal. Outputs plus residue equal
    the input within the configured tolerance (checked before the batch is written).
    """

    __tablename__ = "sorting_batch"

    id: int | None = Field(default=None, primary_key=True)
    org_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    facility_id: int = Field(foreign_key="facility.id", index=True)
    material_id: int = Field(foreign_key="material.id", index=True)
    day: date = Field(index=True)
    input_g: int = Field(gt=0)
    residue_g: int = Field(ge=0)
    note: str = Field(default="", max_length=200)
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class StockTransfer(SQLModel, table=True):
    """Graded stock moved from one facility to another (two movements, out and in)."""

    __tablename__ = "stock_transfer"

    id: int | None = Field(default=None, primary_key=True)
    org_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    from_facility_id: int = Field(foreign_key="facility.id")
    to_facility_id: int = Field(foreign_key="facility.id")
    grade_id: int = Field(foreign_key="material_grade.id")
    grams: int = Field(gt=0)
    day: date = Field(index=True)
    note: str = Field(default="", max_length=200)
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Buyer(SQLModel, table=True):
    """A licensed processor the sorted material is sold to."""

    id: int | None = Field(default=None, primary_key=True)
    org_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    name: str = Field(max_length=120)
    licence_no: str = Field(max_length=64)
    licence_expiry: date
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class BuyerLicence(SQLModel, table=True):
    """A buyer's licence from ``valid_from`` on: number, expiry and the material codes it
    covers (every grade of them).

    A history (append-only, migration 0028): a renewal or correction is a new row, so a
    sale is checked against the licence in force on the sale's day. The buyer row's
    ``licence_no``, ``licence_expiry`` and ``buyer_material`` links repeat the newest
    licence for lists; :func:`webapp.sorting.licences.record_licence` writes both.
    """

    __tablename__ = "buyer_licence"

    id: int | None = Field(default=None, primary_key=True)
    org_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    buyer_id: int = Field(foreign_key="buyer.id", index=True)
    licence_no: str = Field(max_length=64)
    licence_expiry: date
    materials: list[str] = Field(default_factory=list, sa_type=JSON)
    valid_from: date = Field(index=True)
    note: str = Field(default="", max_length=200)
    recorded_by_id: int | None = Field(default=None, foreign_key="user.id")
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class BuyerMaterial(SQLModel, table=True):
    """A material the buyer's newest licence covers (every grade of it)."""

    __tablename__ = "buyer_material"
    __table_args__ = (UniqueConstraint("buyer_id", "material_id"),)

    id: int | None = Field(default=None, primary_key=True)
    buyer_id: int = Field(foreign_key="buyer.id", index=True)
    material_id: int = Field(foreign_key="material.id")


class BuyerPrice(SQLModel, table=True):
    """What a buyer pays for a grade, in fen per tonne, from ``valid_from`` on.

    A history: a new price is a new row, so a sale keeps the price in force on its day.
    """

    __tablename__ = "buyer_price"

    id: int | None = Field(default=None, primary_key=True)
    org_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    buyer_id: int = Field(foreign_key="buyer.id", index=True)
    grade_id: int = Field(foreign_key="material_grade.id", index=True)
    fen_per_t: int = Field(ge=0)
    valid_from: date = Field(index=True)
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Sale(SQLModel, table=True):
    """Graded stock shipped to a buyer from a facility: the order and its shipment.

    ``ticket_id`` is the outbound weighbridge ticket the truck left on (when weighed);
    ``amount_fen`` is ``grams`` x the price in force, rounded to the fen.
    """

    id: int | None = Field(default=None, primary_key=True)
    org_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    buyer_id: int = Field(foreign_key="buyer.id", index=True)
    facility_id: int = Field(foreign_key="facility.id")
    grade_id: int = Field(foreign_key="material_grade.id", index=True)
    grams: int = Field(gt=0)
    price_id: int | None = Field(default=None, foreign_key="buyer_price.id")
    fen_per_t: int = Field(ge=0)
    amount_fen: int = Field(ge=0)
    day: date = Field(index=True)
    ticket_id: int | None = Field(default=None, foreign_key="weigh_ticket.id", index=True)
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class MovementKind(StrEnum):
    """Why graded stock moved."""

    SORTED = "sorted"
    TRANSFER = "transfer"
    SALE = "sale"

    @property
    def label(self) -> str:
        return str(
            {
                MovementKind.SORTED: _l("Sorted"),
                MovementKind.TRANSFER: _l("Transfer"),
                MovementKind.SALE: _l("Sale"),
            }[self]
        )


class StockMovement(SQLModel, table=True):
    """Grams of a grade into (positive) or out of (negative) a facility's stock."""

    __tablename__ = "stock_movement"

    id: int | None = Field(default=None, primary_key=True)
    org_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    facility_id: int = Field(foreign_key="facility.id", index=True)
    grade_id: int = Field(foreign_key="material_grade.id", index=True)
    grams: int
    kind: MovementKind = Field(sa_type=str_enum(MovementKind))
    day: date = Field(index=True)
    batch_id: int | None = Field(default=None, foreign_key="sorting_batch.id", index=True)
    transfer_id: int | None = Field(default=None, foreign_key="stock_transfer.id")
    sale_id: int | None = Field(default=None, foreign_key="sale.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SaleDelivery(SQLModel, table=True):
    """The buyer received the shipment."""

    __tablename__ = "sale_delivery"

    id: int | None = Field(default=None, primary_key=True)
    sale_id: int = Field(foreign_key="sale.id", unique=True)
    delivered_on: date
    note: str = Field(default="", max_length=200)
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SaleInvoice(SQLModel, table=True):
    """The invoice (发票) for a sale: its number and amount in fen."""

    __tablename__ = "sale_invoice"

    id: int | None = Field(default=None, primary_key=True)
    sale_id: int = Field(foreign_key="sale.id", unique=True)
    invoice_no: str = Field(max_length=40, unique=True)
    amount_fen: int = Field(ge=0)
    issued_on: date
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
