"""Back-office operations of the points channel: registering kiosks from a page, the
rewards catalogue as history, and marking cash-out payables as paid.

A catalogue good's terms (names, points, monthly limit, offered or not) change by a new
:class:`RewardVersion` from a moment on, never by editing: a redemption made before
keeps the points it took. A payable is paid by one :class:`PayablePayment` row with the
payment reference; the row is never edited and a payable cannot be paid twice.
Nothing here commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlmodel import Session, col, select

from webapp.api.tokens import issue
from webapp.changelog import record
from webapp.kiosk.ledger import LedgerError
from webapp.kiosk.operations import register_kiosk
from webapp.models import Outlet, OutletKind, TokenKind
from webapp.models._types import utcnow
from webapp.models.points import Kiosk, Payable, PayablePayment, RewardItem, RewardStockMove, RewardVersion


@dataclass(frozen=True)
class Terms:
    """A catalogue good as offered at a moment: its item's code and stock key, the terms in force."""

    id: int
    code: str
    name_zh: str
    name_en: str
    points: int
    monthly_limit: int | None
    active: bool
    version_id: int | None  # None: the item's first terms, on the item row itself

    def name(self, locale: str) -> str:
        """The name in the reader's language."""
        return self.name_en if locale.startswith("en") else self.name_zh


def terms(session: Session, item: RewardItem, at: datetime | None = None) -> Terms:
    """The terms of ``item`` in force at ``at`` (now): the newest version begun by then."""
    version = session.exec(
        select(RewardVersion)
        .where(RewardVersion.item_id == item.id, col(RewardVersion.valid_from) <= (at or utcnow()))
        .order_by(col(RewardVersion.valid_from).desc(), col(RewardVersion.id).desc())
    ).first()
    source = version or item
    return Terms(
        item.id,  # type: ignore[arg-type]
        item.code,
        source.name_zh,
        source.name_en,
        source.points,
        source.monthly_limit,
        source.active,
        version.id if version else None,
    )


def catalogue(session: Session, *, offered_only: bool = False, at: datetime | None = None) -> list[Terms]:
    """Every good with its terms in force (only those offered when asked), by points."""
    found = [terms(session, item, at) for item in session.exec(select(RewardItem).order_by(RewardItem.code))]
    return sorted((t for t in found if t.active or not offered_only), key=lambda t: (t.points, t.code))


def versions(session: Session) -> list[tuple[RewardVersion, RewardItem]]:
    """Every version of every good, newest first (the catalogue's history)."""
    return list(
        session.exec(
            select(RewardVersion, RewardItem)
            .join(RewardItem, col(RewardItem.id) == RewardVersion.item_id)
            .order_by(col(RewardVersion.valid_from).desc(), col(RewardVersion.id).desc())
        ).all()
    )


@dataclass(frozen=True)
class TermsIn:
    """The form's terms of a good (checked by :func:`add_version`)."""

    name_zh: str
    name_en: str
    points: int
    monthly_limit: int | None
    active: bool


def _check(terms_in: TermsIn) -> None:
    if not terms_in.name_zh.strip():
        raise LedgerError("name_zh", _("give the good's Chinese name"))
    if not 1 <= terms_in.points <= 10_000_000:
        raise LedgerError("points", _("must be a whole number from 1 to 10,000,000"))
    if terms_in.monthly_limit is not None and not 1 <= terms_in.monthly_limit <= 1000:
        raise LedgerError("monthly_limit", _("must be empty or a whole number from 1 to 1,000"))


def add_good(
    session: Session, *, code: str, terms_in: TermsIn, stock: int, actor_id: int | None, org_id: int | None
) -> RewardItem:
    """A new good in the catalogue with its first terms and opening stock."""
    code = code.strip().lower()
    if not code or len(code) > 32 or not code.replace("_", "").replace("-", "").isalnum():
        raise LedgerError("code", _("letters, digits, - and _ only, at most 32"))
    if session.exec(select(RewardItem.id).where(RewardItem.code == code)).first() is not None:
        raise LedgerError("code", _("a good with this code exists: add a version of it instead"))
    _check(terms_in)
    if not 0 <= stock <= 100_000:
        raise LedgerError("stock", _("must be a whole number from 0 to 100,000"))
    item = RewardItem(
        org_id=org_id,
        code=code,
        name_zh=terms_in.name_zh.strip()[:60],
        name_en=terms_in.name_en.strip()[:80] or code,
        points=terms_in.points,
        monthly_limit=terms_in.monthly_limit,
        active=terms_in.active,
    )
    session.add(item)
    session.flush()
    if stock:
        session.add(
            RewardStockMove(item_id=item.id, quantity=stock, note="opening stock", created_by_id=actor_id)
        )  # type: ignore[arg-type]
    record(session, "create", item, after={"code": code, "points": item.points}, user_id=actor_id)
    return item


def add_version(
    session: Session, *, item_code: str, terms_in: TermsIn, valid_from: datetime, actor_id: int | None
) -> RewardVersion:
    """New terms of a good from ``valid_from`` on (not in the past: credits never move)."""
    item = session.exec(select(RewardItem).where(RewardItem.code == item_code)).first()
    if item is None:
        raise LedgerError("item", _("no good %(code)s in the catalogue", code=item_code))
    _check(terms_in)
    now = utcnow()
    # A form filled a few minutes ago still means "now"; earlier would rewrite the past.
    if valid_from < now - timedelta(minutes=5):
        raise LedgerError("valid_from", _("a new version starts now or later, never in the past"))
    valid_from = max(valid_from, now)
    version = RewardVersion(
        item_id=item.id,  # type: ignore[arg-type]
        name_zh=terms_in.name_zh.strip()[:60],
        name_en=terms_in.name_en.strip()[:80] or item.code,
        points=terms_in.points,
        monthly_limit=terms_in.monthly_limit,
        active=terms_in.active,
        valid_from=valid_from,
        created_by_id=actor_id,
    )
    session.add(version)
    session.flush()
    return version


def register(session: Session, *, outlet_id: int, serial: str, daily_cap_g: int | None) -> tuple[Kiosk, str]:
    """Register a kiosk outlet with a new kiosk token; the token's text is returned once."""
    outlet = session.get(Outlet, outlet_id)
    if outlet is None or outlet.kind != OutletKind.KIOSK:
        raise LedgerError("outlet", _("pick a kiosk outlet"))
    if session.exec(select(Kiosk.id).where(Kiosk.outlet_id == outlet_id)).first() is not None:
        raise LedgerError("outlet", _("this outlet has a kiosk registered already"))
    if session.exec(select(Kiosk.id).where(Kiosk.serial == serial.strip())).first() is not None:
        raise LedgerError("serial", _("a kiosk with this serial is registered already"))
    token, plain = issue(
        session, name=f"kiosk {serial.strip()[:40]}", kind=TokenKind.KIOSK, org_id=outlet.org_id
    )
    kiosk = register_kiosk(session, outlet=outlet, serial=serial, token_id=token.id, daily_cap_g=daily_cap_g)
    return kiosk, plain


def unregistered_kiosk_outlets(session: Session) -> list[Outlet]:
    """Kiosk outlets with no kiosk in the registry yet."""
    taken = select(Kiosk.outlet_id)
    return list(
        session.exec(
            select(Outlet)
            .where(Outlet.kind == OutletKind.KIOSK, col(Outlet.id).not_in(taken))
            .order_by(Outlet.code)
        ).all()
    )


def mark_paid(
    session: Session, payable_id: int, *, reference: str, paid_on: date, actor_id: int | None
) -> PayablePayment:
    """Record that finance paid the payable (once), with the payment's reference."""
    payable = session.get(Payable, payable_id)
    if payable is None:
        raise LedgerError("payable", _("no payable %(id)s", id=payable_id))
    if not reference.strip():
        raise LedgerError("reference", _("give the payment's reference (bank or transfer number)"))
    if session.exec(select(PayablePayment.id).where(PayablePayment.payable_id == payable_id)).first():
        raise LedgerError("payable", _("payable %(id)s is paid already", id=payable_id))
    if paid_on < payable.created_at.date() or paid_on > utcnow().date() + timedelta(days=1):
        raise LedgerError("paid_on", _("the payment day is before the cash-out or in the future"))
    payment = PayablePayment(
        payable_id=payable_id, reference=reference.strip()[:64], paid_on=paid_on, recorded_by_id=actor_id
    )
    session.add(payment)
    session.flush()
    return payment


def payments(session: Session) -> dict[int, PayablePayment]:
    """Payments by payable id."""
    return {p.payable_id: p for p in session.exec(select(PayablePayment))}
