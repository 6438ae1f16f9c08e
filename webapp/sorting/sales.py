"""Buyers (licensed processors), their price lists and the sales that ship graded stock.

A sale is refused, naming the field, when the buyer's licence in force on the sale's
day (:mod:`webapp.sorting.licences`) has expired by then or does not cover the grade's
material, when no price is in force, when
the facility holds less of the grade than is sold, or when the outbound weighbridge
ticket is not an outbound ticket in force. The stock check and the insert run under
the facility's stock lock (:func:`webapp.sorting.stock.lock_stock`), so of two sales
of the last tonne at once one is refused. A sale may weigh the truck out itself:
the outbound ticket is then numbered and stored in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlmodel import Session, col, select

from traceability import china_today
from webapp.models import Material
from webapp.models.sorting import (
    Buyer,
    BuyerPrice,
    MaterialGrade,
    MovementKind,
    Sale,
    SaleDelivery,
    SaleInvoice,
    StockMovement,
)
from webapp.models.weighbridge import TicketDirection, WeighTicket
from webapp.sorting import licences
from webapp.sorting.stock import MAX_BATCH_G, SortingError, fail, lock_stock, on_hand
from webapp.weighbridge import tickets as wb_tickets

MAX_FEN_PER_T = 100_000_000  # 1,000,000 yuan a tonne: beyond any recyclable


def add_buyer(
    session: Session,
    *,
    name: str,
    licence_no: str,
    licence_expiry: date | None,
    materials: Sequence[str],
    valid_from: date | None = None,
    org_id: int | None = None,
    actor_id: int | None = None,
) -> Buyer:
    """Register a licensed buyer and its first licence (the material codes it covers), in
    force from ``valid_from`` (today when not given); commits."""
    errors: list[dict[str, str]] = []
    if not name.strip():
        errors.append({"field": "name", "message": _("Give the buyer's name.")})
    if not licence_no.strip():
        errors.append({"field": "licence_no", "message": _("Give the licence number.")})
    if licence_expiry is None:
        errors.append({"field": "licence_expiry", "message": _("Give the licence's expiry date.")})
    ids = dict(session.exec(select(Material.code, Material.id)).all())
    unknown = [m for m in materials if m not in ids]
    if unknown or not materials:
        errors.append({"field": "materials", "message": _("Choose the materials the licence covers.")})
    if errors:
        raise SortingError(errors)
    assert licence_expiry is not None  # nosec B101 # narrows the type: checked above
    try:
        buyer = Buyer(
            org_id=org_id,
            name=name.strip()[:120],
            licence_no=licence_no.strip()[:64],
            licence_expiry=licence_expiry,
        )
        session.add(buyer)
        session.flush()
        licences.record_licence(
            session,
            buyer,
            licence_no=licence_no,
            licence_expiry=licence_expiry,
            materials=materials,
            material_ids=ids,
            valid_from=valid_from or china_today(),
            actor_id=actor_id,
        )
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return buyer


def set_price(
    session: Session,
    *,
    buyer_id: int | None,
    grade: str,
    fen_per_t: Any,
    valid_from: date | None,
    actor_id: int | None = None,
    org_id: int | None = None,
) -> BuyerPrice:
    """A new price of a grade for a buyer from ``valid_from`` on (the old rows stay); commits."""
    errors: list[dict[str, str]] = []
    if not buyer_id or session.get(Buyer, buyer_id) is None:
        errors.append({"field": "buyer_id", "message": _("Choose a buyer.")})
    row = session.exec(select(MaterialGrade).where(MaterialGrade.code == grade)).first()
    if row is None:
        errors.append({"field": "grade", "message": _("No grade with code %(code)s.", code=grade)})
    if not isinstance(fen_per_t, int) or isinstance(fen_per_t, bool) or fen_per_t < 0:
        errors.append({"field": "fen_per_t", "message": _("The price must be a whole, non-negative amount.")})
    elif fen_per_t > MAX_FEN_PER_T:
        errors.append({"field": "fen_per_t", "message": _("The price is above any recyclable's.")})
    if valid_from is None:
        errors.append({"field": "valid_from", "message": _("Give the day the price applies from.")})
    if errors:
        raise SortingError(errors)
    price = BuyerPrice(
        org_id=org_id,
        buyer_id=buyer_id,  # type: ignore[arg-type]
        grade_id=row.id,  # type: ignore[union-attr]
        fen_per_t=fen_per_t,
        valid_from=valid_from,  # type: ignore[arg-type]
        created_by_id=actor_id,
    )
    session.add(price)
    session.commit()
    return price


def price_on(session: Session, buyer_id: int, grade_id: int, day: date) -> BuyerPrice | None:
    """The buyer's price for the grade in force on ``day``: the latest from on or before it."""
    return session.exec(
        select(BuyerPrice)
        .where(
            BuyerPrice.buyer_id == buyer_id,
            BuyerPrice.grade_id == grade_id,
            col(BuyerPrice.valid_from) <= day,
        )
        .order_by(col(BuyerPrice.valid_from).desc(), col(BuyerPrice.id).desc())
    ).first()


def _check_licence(session: Session, buyer: Buyer, material_id: int | None, day: date, refuse: Any) -> None:
    """Refuse a sale on ``day`` the buyer's licence in force that day does not allow."""
    licence = licences.in_force(session, buyer.id, day)  # type: ignore[arg-type]
    if licence is None:
        refuse("buyer_id", _("%(name)s had no licence on %(day)s.", name=buyer.name, day=day.isoformat()))
        return
    if licence.licence_expiry < day:
        refuse(
            "buyer_id",
            _(
                "%(name)s's licence expired on %(day)s.",
                name=buyer.name,
                day=licence.licence_expiry.isoformat(),
            ),
        )
    code = session.exec(select(Material.code).where(Material.id == material_id)).first()
    if material_id is not None and code not in licence.materials:
        refuse("grade", _("%(name)s's licence does not cover this material.", name=buyer.name))


def amount_fen(grams: int, fen_per_t: int) -> int:
    """Grams at a price per tonne, rounded half up to the fen."""
    return (grams * fen_per_t + 500_000) // 1_000_000


def record_sale(
    session: Session,
    *,
    buyer_id: int | None,
    facility_id: int | None,
    grade: str,
    day: date | None,
    grams: int | None = None,
    ticket_number: str = "",
    weigh_out: dict[str, Any] | None = None,
    actor_id: int | None = None,
    org_id: int | None = None,
) -> Sale:
    """Ship graded stock to a buyer; commits the sale, its stock movement (and ticket).

    The weight is the outbound ticket's net when a ticket is named (``ticket_number``)
    or weighed now (``weigh_out``: the fields of :func:`webapp.weighbridge.tickets.record_ticket`
    other than facility and direction), else ``grams``.
    """
    try:
        if facility_id:
            lock_stock(session, facility_id)
        sale = _sale(
            session, buyer_id, facility_id, grade, day, grams, ticket_number, weigh_out, actor_id, org_id
        )
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return sale


def _sale(
    session: Session,
    buyer_id: int | None,
    facility_id: int | None,
    grade: str,
    day: date | None,
    grams: int | None,
    ticket_number: str,
    weigh_out: dict[str, Any] | None,
    actor_id: int | None,
    org_id: int | None,
) -> Sale:
    errors: list[dict[str, str]] = []

    def refuse(field: str, message: str) -> None:
        errors.append({"field": field, "message": message})

    buyer = session.get(Buyer, buyer_id) if buyer_id else None
    if buyer is None or not buyer.active:
        refuse("buyer_id", _("Choose a buyer."))
    row = session.exec(select(MaterialGrade).where(MaterialGrade.code == grade)).first()
    if row is None:
        refuse("grade", _("No grade with code %(code)s.", code=grade))
    if not facility_id:
        refuse("facility_id", _("Choose a facility."))
    if day is None:
        refuse("day", _("Give the day of the sale."))
    if buyer is not None and day is not None:
        _check_licence(session, buyer, row.material_id if row is not None else None, day, refuse)
    price = price_on(session, buyer.id, row.id, day) if buyer and row and day else None  # type: ignore[arg-type]
    if buyer is not None and row is not None and day is not None and price is None:
        refuse("grade", _("No price of this grade for this buyer on that day: enter one first."))
    ticket = _ticket(session, facility_id, ticket_number, weigh_out, row, refuse) if not errors else None
    if ticket is not None:
        if grams and grams != ticket.net_g:
            refuse("grams", _("The ticket's net weight is %(g)s g.", g=ticket.net_g))
        grams = ticket.net_g
    if not isinstance(grams, int) or isinstance(grams, bool) or not 0 < grams <= MAX_BATCH_G:
        refuse("grams", _("Give the weight sold in whole grams above 0."))
    elif row is not None and facility_id and not errors:
        have = on_hand(session, facility_id, row.id)  # type: ignore[arg-type]
        if grams > have:
            refuse("grams", _("Only %(kg)s kg of this grade are in stock there.", kg=f"{have / 1000:,.1f}"))
    if errors:
        raise SortingError(errors)
    assert price is not None and row is not None and facility_id and day and isinstance(grams, int)  # nosec B101 # narrows the type: validated above
    sale = Sale(
        org_id=org_id,
        buyer_id=buyer_id,  # type: ignore[arg-type]
        facility_id=facility_id,
        grade_id=row.id,  # type: ignore[arg-type]
        grams=grams,
        price_id=price.id,
        fen_per_t=price.fen_per_t,
        amount_fen=amount_fen(grams, price.fen_per_t),
        day=day,
        ticket_id=ticket.id if ticket else None,
        created_by_id=actor_id,
    )
    session.add(sale)
    session.flush()
    session.add(
        StockMovement(
            org_id=org_id,
            facility_id=facility_id,
            grade_id=row.id,  # type: ignore[arg-type]
            grams=-grams,
            kind=MovementKind.SALE,
            day=day,
            sale_id=sale.id,
        )
    )
    return sale


def _ticket(
    session: Session,
    facility_id: int | None,
    number: str,
    weigh_out: dict[str, Any] | None,
    grade: MaterialGrade | None,
    refuse: Any,
) -> WeighTicket | None:
    """The sale's outbound ticket: named by number, or weighed now in this transaction."""
    if weigh_out:
        wb_tickets.lock_numbering(session, facility_id)  # type: ignore[arg-type]
        fields = {"material_id": grade.material_id if grade else None, **weigh_out}
        operator_id = fields.pop("operator_id", None)
        try:
            data = wb_tickets.TicketInput(facility_id=facility_id, direction=TicketDirection.OUT, **fields)  # type: ignore[arg-type]
            return wb_tickets.add_ticket(session, data, operator_id=operator_id)
        except wb_tickets.TicketError as exc:
            for e in exc.errors:
                refuse(e["field"], e["message"])
            return None
    if not number.strip():
        return None
    ticket = wb_tickets.find_by_number(session, facility_id, number)
    if ticket is None or ticket.direction != TicketDirection.OUT:
        refuse("ticket_number", _("No outbound ticket %(number)s at this facility.", number=number.strip()))
    elif wb_tickets.voided_by(session, ticket.id) is not None:  # type: ignore[arg-type]
        refuse("ticket_number", _("Ticket %(number)s is voided.", number=ticket.number))
    elif session.exec(select(Sale.id).where(Sale.ticket_id == ticket.id)).first() is not None:
        refuse("ticket_number", _("Ticket %(number)s already belongs to a sale.", number=ticket.number))
    else:
        return ticket
    return None


def record_delivery(
    session: Session, *, sale_id: int, delivered_on: date | None, note: str = "", actor_id: int | None = None
) -> SaleDelivery:
    """The buyer received the sale's shipment; commits."""
    if session.get(Sale, sale_id) is None:
        raise fail("sale_id", _("No such sale."))
    if delivered_on is None:
        raise fail("delivered_on", _("Give the day of delivery."))
    if session.exec(select(SaleDelivery.id).where(SaleDelivery.sale_id == sale_id)).first():
        raise fail("sale_id", _("This sale's delivery is recorded already."))
    row = SaleDelivery(
        sale_id=sale_id, delivered_on=delivered_on, note=note.strip()[:200], created_by_id=actor_id
    )
    session.add(row)
    session.commit()
    return row


def record_invoice(
    session: Session,
    *,
    sale_id: int,
    invoice_no: str,
    amount_fen: Any,
    issued_on: date | None,
    actor_id: int | None = None,
) -> SaleInvoice:
    """The invoice (发票) of a sale, its number and amount in fen; commits."""
    errors: list[dict[str, str]] = []
    if session.get(Sale, sale_id) is None:
        errors.append({"field": "sale_id", "message": _("No such sale.")})
    elif session.exec(select(SaleInvoice.id).where(SaleInvoice.sale_id == sale_id)).first():
        errors.append({"field": "sale_id", "message": _("This sale is invoiced already.")})
    number = invoice_no.strip()
    if not number or len(number) > 40:
        errors.append({"field": "invoice_no", "message": _("Give the invoice number (up to 40 characters).")})
    elif session.exec(select(SaleInvoice.id).where(SaleInvoice.invoice_no == number)).first():
        errors.append({"field": "invoice_no", "message": _("Invoice %(no)s is recorded already.", no=number)})
    if not isinstance(amount_fen, int) or isinstance(amount_fen, bool) or not 0 <= amount_fen <= 10**12:
        errors.append(
            {"field": "amount_fen", "message": _("The amount must be a whole, non-negative amount.")}
        )
    if issued_on is None:
        errors.append({"field": "issued_on", "message": _("Give the invoice's date.")})
    if errors:
        raise SortingError(errors)
    row = SaleInvoice(
        sale_id=sale_id,
        invoice_no=number,
        amount_fen=amount_fen,
        issued_on=issued_on,
        created_by_id=actor_id,  # type: ignore[arg-type]
    )
    session.add(row)
    session.commit()
    return row
