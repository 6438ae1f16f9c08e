"""Residents' prices, the points ledger, smart kiosks and their deposits, redemptions.

Money and points are records, never counters: a resident's balance is the sum of the
rows of :class:`PointsEntry` (credits positive, redemptions negative, a reversal the
opposite of the row it reverses), and a reward's stock is the sum of its
:class:`RewardStockMove` rows. Every table here except the kiosk registry and the
catalogue is append-only in the database (triggers of
:mod:`webapp.models.append_only`, installed by migration 0019): a held deposit is
approved or rejected by a new :class:`DepositReview` row, never by editing it.

``PointsEntry.seq`` numbers each resident's rows 1, 2, 3, ...; the unique
``(resident_id, seq)`` pair makes two concurrent writers of one resident's ledger
collide in the database, so a balance can never be spent twice.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from webapp.models._types import UTCDateTime, str_enum, utcnow


class ResidentPrice(SQLModel, table=True):
    """What a resident gets for a kilogram of a material from ``valid_from`` on.

    ``fen_per_kg`` is the cash value (integer fen), ``points_per_kg`` the points credited.
    An edit is a new row; the row in force on a day is the latest ``valid_from`` not after it.
    """

    __tablename__ = "resident_price"

    id: int | None = Field(default=None, primary_key=True)
    org_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    material_id: int = Field(foreign_key="material.id", index=True)
    fen_per_kg: int = Field(ge=0)
    points_per_kg: int = Field(ge=0)
    valid_from: date = Field(index=True)
    note: str = Field(default="", max_length=255)
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class EntryKind(StrEnum):
    """What a row of the points ledger records."""

    CREDIT = "credit"
    REDEMPTION = "redemption"
    REVERSAL = "reversal"

    @property
    def label(self) -> str:
        return str(
            {
                EntryKind.CREDIT: _l("Points credited"),
                EntryKind.REDEMPTION: _l("Points redeemed"),
                EntryKind.REVERSAL: _l("Reversal"),
            }[self]
        )


class PointsEntry(SQLModel, table=True):
    """One movement of a resident's points; the balance is the sum of ``points``.

    ``key`` makes every write idempotent: crediting the same collection or deposit
    again finds the rows it wrote the first time. ``source_ref`` names what caused the
    row ("collection:12", "deposit:K1-0001", "redemption:3").
    """

    __tablename__ = "points_entry"
    __table_args__ = (UniqueConstraint("resident_id", "seq"),)

    id: int | None = Field(default=None, primary_key=True)
    org_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    resident_id: int = Field(foreign_key="resident_account.id", index=True)
    seq: int = Field(ge=1)
    kind: EntryKind = Field(sa_type=str_enum(EntryKind), index=True)
    points: int
    key: str = Field(max_length=160, unique=True, index=True)
    source_ref: str = Field(max_length=120, index=True)
    material_id: int | None = Field(default=None, foreign_key="material.id", index=True)
    grams: int | None = Field(default=None, ge=0)
    fen: int | None = None  # cash value at the price in force (credits) or paid out (cash-out)
    price_id: int | None = Field(default=None, foreign_key="resident_price.id")
    reverses_id: int | None = Field(default=None, foreign_key="points_entry.id", unique=True)
    note: str = Field(default="", max_length=255)
    at: datetime = Field(sa_type=UTCDateTime, index=True)
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Kiosk(SQLModel, table=True):
    """A smart recycling kiosk (智能回收箱): an outlet of kind kiosk and the token it posts with.

    ``daily_cap_g`` overrides the app's per-kiosk daily cap (None: the app's setting).
    """

    __tablename__ = "kiosk"

    id: int | None = Field(default=None, primary_key=True)
    org_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    outlet_id: int = Field(foreign_key="outlet.id", unique=True, index=True)
    serial: str = Field(max_length=40, unique=True, index=True)
    token_id: int | None = Field(default=None, foreign_key="api_token.id", unique=True)
    daily_cap_g: int | None = Field(default=None, gt=0)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class HoldReason(StrEnum):
    """Why a deposit waits for a reviewer instead of being credited."""

    OUTLIER = "outlier"
    PHOTO_REPEAT = "photo_repeat"
    RESIDENT_CAP = "resident_cap"
    KIOSK_CAP = "kiosk_cap"

    @property
    def label(self) -> str:
        return str(
            {
                HoldReason.OUTLIER: _l("Weight far above a normal deposit"),
                HoldReason.PHOTO_REPEAT: _l("Same photo as an earlier deposit"),
                HoldReason.RESIDENT_CAP: _l("Resident's daily cap reached"),
                HoldReason.KIOSK_CAP: _l("Kiosk's daily cap reached"),
            }[self]
        )


class KioskDeposit(SQLModel, table=True):
    """A deposit a kiosk posted, stored once per ``deposit_id``.

    ``hold_reason`` None: credited when stored; otherwise held until a
    :class:`DepositReview` approves (credit) or rejects it.
    """

    __tablename__ = "kiosk_deposit"

    id: int | None = Field(default=None, primary_key=True)
    org_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    deposit_id: str = Field(max_length=64, unique=True, index=True)
    kiosk_id: int = Field(foreign_key="kiosk.id", index=True)
    resident_id: int = Field(foreign_key="resident_account.id", index=True)
    material_id: int = Field(foreign_key="material.id", index=True)
    grams: int = Field(gt=0)
    kiosk_time: datetime = Field(sa_type=UTCDateTime, index=True)
    photo_sha256: str = Field(default="", max_length=64, index=True)
    body_sha256: str = Field(max_length=64)
    hold_reason: HoldReason | None = Field(default=None, sa_type=str_enum(HoldReason), index=True)
    token_id: int | None = Field(default=None, foreign_key="api_token.id")
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class DepositReview(SQLModel, table=True):
    """A reviewer's decision on a held deposit: approved (credited) or rejected, once."""

    __tablename__ = "deposit_review"

    id: int | None = Field(default=None, primary_key=True)
    deposit_id: int = Field(foreign_key="kiosk_deposit.id", unique=True, index=True)
    approved: bool
    reason: str = Field(default="", max_length=255)
    reviewer_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class RewardItem(SQLModel, table=True):
    """A good residents may exchange points for (the small catalogue)."""

    __tablename__ = "reward_item"

    id: int | None = Field(default=None, primary_key=True)
    org_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    code: str = Field(max_length=32, unique=True, index=True)
    name_zh: str = Field(max_length=60)
    name_en: str = Field(max_length=80)
    points: int = Field(gt=0)
    # How many one resident may take in a calendar month (Shenzhen time); None: no limit.
    monthly_limit: int | None = Field(default=None, gt=0)
    active: bool = True

    def name(self, locale: str) -> str:
        """The name in the reader's language."""
        return self.name_en if locale.startswith("en") else self.name_zh


class RewardStockMove(SQLModel, table=True):
    """Stock in (positive) or out (negative) of a reward; stock is the sum."""

    __tablename__ = "reward_stock_move"

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="reward_item.id", index=True)
    quantity: int
    redemption_id: int | None = Field(default=None, foreign_key="redemption.id", index=True)
    note: str = Field(default="", max_length=255)
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class RedemptionKind(StrEnum):
    """Cash paid out by finance, or goods from the catalogue."""

    CASH = "cash"
    GOODS = "goods"

    @property
    def label(self) -> str:
        return str({RedemptionKind.CASH: _l("Cash-out"), RedemptionKind.GOODS: _l("Goods")}[self])


class Redemption(SQLModel, table=True):
    """A resident's redemption of points; its ledger row is the negative entry ``entry_id``."""

    __tablename__ = "redemption"

    id: int | None = Field(default=None, primary_key=True)
    org_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    resident_id: int = Field(foreign_key="resident_account.id", index=True)
    kind: RedemptionKind = Field(sa_type=str_enum(RedemptionKind), index=True)
    points: int = Field(gt=0)
    item_id: int | None = Field(default=None, foreign_key="reward_item.id", index=True)
    quantity: int = Field(default=1, gt=0)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


class Payable(SQLModel, table=True):
    """Money finance owes a resident for a cash-out; paid outside the platform."""

    __tablename__ = "payable"

    id: int | None = Field(default=None, primary_key=True)
    org_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    redemption_id: int = Field(foreign_key="redemption.id", unique=True, index=True)
    resident_id: int = Field(foreign_key="resident_account.id", index=True)
    fen: int = Field(gt=0)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


class RewardVersion(SQLModel, table=True):
    """The terms of a catalogue good from ``valid_from`` on (append-only: an edit is a new
    version; the newest one begun is in force, and past redemptions keep their points)."""

    __tablename__ = "reward_version"

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="reward_item.id", index=True)
    name_zh: str = Field(max_length=60)
    name_en: str = Field(max_length=80)
    points: int = Field(gt=0)
    monthly_limit: int | None = Field(default=None, gt=0)
    active: bool = True
    valid_from: datetime = Field(sa_type=UTCDateTime, index=True)
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PayablePayment(SQLModel, table=True):
    """Finance paid a cash-out payable (append-only; a payable is paid at most once)."""

    __tablename__ = "payable_payment"

    id: int | None = Field(default=None, primary_key=True)
    payable_id: int = Field(foreign_key="payable.id", unique=True, index=True)
    reference: str = Field(max_length=64)
    paid_on: date
    note: str = Field(default="", max_length=255)
    recorded_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
