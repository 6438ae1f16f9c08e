"""Redemptions: cash-outs recorded as payables for finance, and goods from the catalogue.

Both take the resident's ledger lock before reading the balance (and the goods' stock
and the month's count), so two redemptions of the same points, or of the last item,
cannot both pass. Nothing commits here; no payment network is called: finance pays the
exported payables outside the platform.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func
from sqlmodel import Session, col, select

from traceability.deadlines import CHINA_TZ
from webapp.changelog import record
from webapp.db import lock_for_write
from webapp.kiosk import ledger
from webapp.kiosk.ledger import LedgerError
from webapp.kiosk.operations import Limits
from webapp.models.points import (
    Payable,
    PayablePayment,
    Redemption,
    RedemptionKind,
    RewardItem,
    RewardStockMove,
)
from webapp.models.residents import ResidentAccount


def cash_out(
    session: Session, resident: ResidentAccount, points: int, *, limits: Limits, actor_id: int | None = None
) -> Payable:
    """Turn ``points`` into a payable of ``points x fen_per_point`` fen (no commit)."""
    if not isinstance(points, int) or isinstance(points, bool) or points < limits.min_cash_out_points:
        raise LedgerError("points", _("cash out at least %(n)s points", n=limits.min_cash_out_points))
    ledger.lock_resident(session, resident.id)  # type: ignore[arg-type]
    redemption = _redemption(session, resident, RedemptionKind.CASH, points, limits)
    fen = points * limits.fen_per_point
    ledger.debit(
        session,
        resident.id,  # type: ignore[arg-type]
        points,
        key=f"redemption:{redemption.id}",
        source_ref=f"redemption:{redemption.id}",
        fen=fen,
        org_id=resident.org_id,
        actor_id=actor_id,
    )
    payable = Payable(org_id=resident.org_id, redemption_id=redemption.id, resident_id=resident.id, fen=fen)  # type: ignore[arg-type]
    session.add(payable)
    session.flush()
    record(session, "cash_out", payable, after={"points": points, "fen": fen}, user_id=actor_id)
    return payable


def stock(session: Session, item_id: int) -> int:
    """A reward's stock: the sum of its movements."""
    return int(
        session.exec(
            select(func.coalesce(func.sum(RewardStockMove.quantity), 0)).where(
                RewardStockMove.item_id == item_id
            )
        ).one()
    )


def taken_this_month(session: Session, resident_id: int, item_id: int, now: datetime) -> int:
    """How many of a reward the resident took in the Shenzhen calendar month of ``now``."""
    local = now.astimezone(CHINA_TZ)
    start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return int(
        session.exec(
            select(func.coalesce(func.sum(Redemption.quantity), 0)).where(
                Redemption.resident_id == resident_id,
                Redemption.item_id == item_id,
                col(Redemption.created_at) >= start,
            )
        ).one()
    )


def exchange(
    session: Session,
    resident: ResidentAccount,
    item_code: str,
    quantity: int = 1,
    *,
    limits: Limits,
    actor_id: int | None = None,
) -> Redemption:
    """Exchange points for ``quantity`` of a catalogue item, within stock and the monthly limit."""
    from webapp.kiosk.office import terms

    item = session.exec(select(RewardItem).where(RewardItem.code == item_code)).first()
    offer = terms(session, item) if item is not None else None
    if item is None or offer is None or not offer.active:
        raise LedgerError("item", f"no reward {item_code!r} in the catalogue")
    if not isinstance(quantity, int) or isinstance(quantity, bool) or not 1 <= quantity <= 100:
        raise LedgerError("quantity", "must be a whole number from 1 to 100")
    ledger.lock_resident(session, resident.id)  # type: ignore[arg-type]
    # Stock is shared by every resident: the goods' own lock keeps two residents off the last one.
    _lock_item(session, item.id)  # type: ignore[arg-type]
    if stock(session, item.id) < quantity:  # type: ignore[arg-type]
        raise LedgerError("quantity", _("only %(n)s left", n=stock(session, item.id)))  # type: ignore[arg-type]
    now = datetime.now(CHINA_TZ)
    # The terms in force now (a catalogue edit is a new version; earlier redemptions keep theirs).
    if offer.monthly_limit is not None:
        taken = taken_this_month(session, resident.id, item.id, now)  # type: ignore[arg-type]
        if taken + quantity > offer.monthly_limit:
            raise LedgerError(
                "quantity",
                _(
                    "at most %(limit)s a month; %(taken)s taken already",
                    limit=offer.monthly_limit,
                    taken=taken,
                ),
            )
    points = offer.points * quantity
    redemption = _redemption(
        session, resident, RedemptionKind.GOODS, points, limits, item=item, quantity=quantity
    )
    ledger.debit(
        session,
        resident.id,  # type: ignore[arg-type]
        points,
        key=f"redemption:{redemption.id}",
        source_ref=f"redemption:{redemption.id}",
        org_id=resident.org_id,
        actor_id=actor_id,
    )
    session.add(
        RewardStockMove(
            item_id=item.id, quantity=-quantity, redemption_id=redemption.id, created_by_id=actor_id
        )
    )  # type: ignore[arg-type]
    session.flush()
    return redemption


def _redemption(
    session: Session,
    resident: ResidentAccount,
    kind: RedemptionKind,
    points: int,
    limits: Limits,
    *,
    item: RewardItem | None = None,
    quantity: int = 1,
) -> Redemption:
    held = ledger.balance(session, resident.id)  # type: ignore[arg-type]
    if points > held:
        raise ledger.InsufficientPointsError(
            "points", _("%(asked)s points asked, the balance is %(held)s", asked=points, held=held)
        )
    row = Redemption(
        org_id=resident.org_id,
        resident_id=resident.id,  # type: ignore[arg-type]
        kind=kind,
        points=points,
        item_id=item.id if item else None,
        quantity=quantity,
    )
    session.add(row)
    session.flush()
    return row


def _lock_item(session: Session, item_id: int) -> None:
    # On SQLite the resident's lock already took the database's write lock: a no-op there.
    lock_for_write(session, ledger.LOCK_CLASS + 1, item_id)


def add_stock(
    session: Session, item_code: str, quantity: int, *, note: str = "", actor_id: int | None = None
) -> int:
    """Receive ``quantity`` of a reward into stock (no commit); returns the new stock."""
    item = session.exec(select(RewardItem).where(RewardItem.code == item_code)).first()
    if item is None:
        raise LedgerError("item", f"no reward {item_code!r} in the catalogue")
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity == 0:
        raise LedgerError("quantity", "must be a whole number other than 0")
    session.add(RewardStockMove(item_id=item.id, quantity=quantity, note=note[:255], created_by_id=actor_id))  # type: ignore[arg-type]
    session.flush()
    return stock(session, item.id)  # type: ignore[arg-type]


PAYABLE_COLUMNS = ("payable_id", "created_at", "resident_card", "fen", "yuan", "paid_on", "payment_reference")


def payables(session: Session) -> list[tuple[Payable, ResidentAccount]]:
    """Every payable with its resident, oldest first."""
    return list(
        session.exec(
            select(Payable, ResidentAccount)
            .join(ResidentAccount, ResidentAccount.id == Payable.resident_id)  # type: ignore[arg-type]
            .order_by(col(Payable.created_at), col(Payable.id))
        ).all()
    )


def payments(session: Session) -> dict[int, PayablePayment]:
    """Each paid payable's payment row, by payable id (finance marks them on the office page)."""
    return {p.payable_id: p for p in session.exec(select(PayablePayment)).all()}


def payable_rows(
    rows: Sequence[tuple[Payable, ResidentAccount]], paid: Mapping[int, PayablePayment] | None = None
) -> list[list[str | int]]:
    """Payables as export rows: id, Shenzhen time, card number (no phone: PIPL), fen, yuan,
    and, once finance has paid, the payment day and reference (blank while unpaid)."""
    paid = paid or {}
    out: list[list[str | int]] = []
    for p, r in rows:
        payment = paid.get(p.id) if p.id is not None else None
        out.append(
            [
                p.id,  # type: ignore[list-item]
                p.created_at.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M"),
                r.card_no,
                p.fen,
                f"{p.fen // 100}.{p.fen % 100:02d}",
                payment.paid_on.isoformat() if payment else "",
                payment.reference if payment else "",
            ]
        )
    return out


def payables_csv(
    rows: Sequence[tuple[Payable, ResidentAccount]], paid: Mapping[int, PayablePayment] | None = None
) -> bytes:
    """The payables as UTF-8 CSV (with a BOM, for Excel), every cell made safe."""
    from webapp.sheets import writer

    out = io.StringIO()
    sheet = writer(out)
    sheet.writerow(PAYABLE_COLUMNS)
    sheet.writerows(payable_rows(rows, paid))
    return ("\ufeff" + out.getvalue()).encode()


def payables_xlsx(
    rows: Sequence[tuple[Payable, ResidentAccount]], paid: Mapping[int, PayablePayment] | None = None
) -> bytes:
    """The payables as an XLSX workbook, every cell made safe."""
    from openpyxl import Workbook

    from webapp.sheets import safe_row

    book = Workbook()
    sheet = book.active
    sheet.title = "payables"  # type: ignore[union-attr]
    sheet.append(list(PAYABLE_COLUMNS))  # type: ignore[union-attr]
    for row in payable_rows(rows, paid):
        sheet.append(safe_row(row))  # type: ignore[union-attr]
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
