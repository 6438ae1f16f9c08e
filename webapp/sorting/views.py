"""The sorting centre's pages (weighbridge operator, dispatcher, admin): graded stock,
sorting batches, transfers, buyers and their prices, sales with delivery and invoice.

Forms are in kilograms and yuan as typed; the operations take integer grams and fen.
A refused form comes back with status 422 and each bad field named beside it.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlmodel import col, select

from traceability import china_today
from webapp.access import role_required
from webapp.boundary import BoundaryError, parse_day, parse_decimal, parse_id
from webapp.db import db_session
from webapp.models import Facility, Material, Role, Vehicle
from webapp.models.sorting import (
    Buyer,
    BuyerMaterial,
    BuyerPrice,
    MaterialGrade,
    Sale,
    SaleDelivery,
    SaleInvoice,
    SortingBatch,
)
from webapp.models.weighbridge import WeighTicket
from webapp.sorting import sales
from webapp.sorting.grades import grades
from webapp.sorting.stock import BatchInput, SortingError, record_batch, stock_levels, transfer

bp = Blueprint("sorting", __name__, url_prefix="/sorting")
ROLES = (Role.ADMIN, Role.DISPATCHER, Role.WEIGHBRIDGE)
MAX_KG = Decimal("200000")


class _Form:
    """Reads a posted form, collecting refused fields instead of stopping at the first."""

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}

    def grams(self, name: str, *, required: bool = True) -> int | None:
        """Kilograms as typed (up to 3 decimals) -> integer grams."""
        try:
            kg = parse_decimal(request.form.get(name), name, minimum=Decimal(0), maximum=MAX_KG, places=3)
        except BoundaryError as exc:
            self.errors[name] = exc.message
            return None
        if kg is None and required:
            self.errors[name] = _("Give the weight in kg.")
        return None if kg is None else int(kg * 1000)

    def fen(self, name: str) -> int | None:
        """Yuan as typed (up to 2 decimals) -> integer fen; a minus sign is kept for the check."""
        raw = (request.form.get(name) or "").strip()
        try:
            value = parse_decimal(raw, name, minimum=Decimal(-(10**9)), maximum=Decimal(10**9), places=2)
        except BoundaryError as exc:
            self.errors[name] = exc.message
            return None
        if value is None:
            self.errors[name] = _("Give the amount in yuan.")
            return None
        return int(value * 100)

    def id(self, name: str) -> int | None:
        try:
            return parse_id(request.form.get(name), name)
        except BoundaryError as exc:
            self.errors[name] = exc.message
            return None

    def day(self, name: str) -> date | None:
        try:
            return parse_day(request.form.get(name), name, default=china_today())
        except BoundaryError as exc:
            self.errors[name] = exc.message
            return None

    def add(self, exc: SortingError, rename: dict[str, str] | None = None) -> None:
        for e in exc.errors:
            field = (rename or {}).get(e["field"], e["field"])
            self.errors.setdefault(field, e["message"])


def _actor() -> dict[str, Any]:
    return {"actor_id": current_user.id, "org_id": current_user.org_id}


def _common() -> dict[str, Any]:
    session = db_session()
    return {
        "facilities": list(session.exec(select(Facility).order_by(col(Facility.id)))),
        "materials": list(session.exec(select(Material).order_by(col(Material.sort_order)))),
        "grades": grades(session),
        "today": china_today(),
        "kg": lambda g: f"{g / 1000:,.1f}",
        "yuan": lambda f: f"{f / 100:,.2f}",
    }


# --- stock and sorting -------------------------------------------------------------------


@bp.get("/")
@role_required(*ROLES)
def index() -> ResponseReturnValue:
    """Graded stock by facility, today's forms for a batch and a transfer, recent batches."""
    return _index_page({}, {})


def _index_page(errors: dict[str, str], form: Any, status: int = 200) -> ResponseReturnValue:
    session = db_session()
    context = _common()
    names = {g.id: g for g in context["grades"]}
    places = {f.id: f for f in context["facilities"]}
    levels = sorted(stock_levels(session).items(), key=lambda kv: (kv[0][0], names[kv[0][1]].sort_order))
    batches = session.exec(select(SortingBatch).order_by(col(SortingBatch.id).desc()).limit(20)).all()
    material_names = {m.id: m for m in context["materials"]}
    return render_template(
        "sorting/index.html",
        levels=[(places[f], names[g], grams) for (f, g), grams in levels if grams],
        batches=batches,
        material_names=material_names,
        places=places,
        errors=errors,
        form=form,
        **context,
    ), status


@bp.post("/batches")
@role_required(*ROLES)
def new_batch() -> ResponseReturnValue:
    """Record a sorting batch: the input, graded outputs and residue of one material."""
    session = db_session()
    form = _Form()
    material = request.form.get("material", "")
    outputs: dict[str, int] = {}
    for grade in grades(session):
        name = f"output-{grade.code}"
        if (request.form.get(name) or "").strip():
            grams = form.grams(name)
            if grams is not None:
                outputs[grade.code] = grams
    data = BatchInput(
        facility_id=form.id("facility_id"),
        material=material,
        day=form.day("day"),
        input_g=form.grams("input_kg"),
        outputs=outputs,
        residue_g=form.grams("residue_kg", required=False) or 0,
        note=request.form.get("note", ""),
    )
    if not form.errors:
        try:
            batch = record_batch(session, data, **_actor())
        except SortingError as exc:
            form.add(exc, {"input_g": "input_kg", "residue_g": "residue_kg"})
        else:
            flash(_("Batch %(id)s recorded: its outputs are in stock.", id=batch.id), "success")
            return redirect(url_for("sorting.index"))
    return _index_page(form.errors, request.form, 422)


@bp.post("/transfers")
@role_required(*ROLES)
def new_transfer() -> ResponseReturnValue:
    """Move graded stock to another facility."""
    form = _Form()
    fields = dict(
        from_facility_id=form.id("from_facility_id"),
        to_facility_id=form.id("to_facility_id"),
        grade=request.form.get("grade", ""),
        grams=form.grams("transfer_kg"),
        day=form.day("transfer_day"),
        note=request.form.get("note", ""),
    )
    if not form.errors:
        try:
            transfer(db_session(), **fields, **_actor())  # type: ignore[arg-type]
        except SortingError as exc:
            form.add(exc, {"grams": "transfer_kg", "day": "transfer_day", "grade": "transfer_grade"})
        else:
            flash(_("Stock transferred."), "success")
            return redirect(url_for("sorting.index"))
    return _index_page(form.errors, request.form, 422)


# --- buyers and prices -------------------------------------------------------------------


@bp.get("/buyers")
@role_required(*ROLES)
def buyers() -> ResponseReturnValue:
    """Licensed buyers, the materials they may take and their current prices."""
    return _buyers_page({}, {})


def _buyers_page(errors: dict[str, str], form: Any, status: int = 200) -> ResponseReturnValue:
    session = db_session()
    context = _common()
    rows = session.exec(select(Buyer).order_by(col(Buyer.name))).all()
    covered: dict[int, list[int]] = {}
    for link in session.exec(select(BuyerMaterial)):
        covered.setdefault(link.buyer_id, []).append(link.material_id)
    prices = session.exec(
        select(BuyerPrice).order_by(col(BuyerPrice.valid_from).desc(), col(BuyerPrice.id).desc())
    )
    return render_template(
        "sorting/buyers.html",
        buyers=rows,
        covered=covered,
        prices=list(prices),
        buyer_names={b.id: b.name for b in rows},
        grade_names={g.id: g for g in context["grades"]},
        material_names={m.id: m for m in context["materials"]},
        errors=errors,
        form=form,
        **context,
    ), status


@bp.post("/buyers")
@role_required(Role.ADMIN, Role.DISPATCHER)
def new_buyer() -> ResponseReturnValue:
    """Register a licensed processor."""
    form = _Form()
    expiry = form.day("licence_expiry") if (request.form.get("licence_expiry") or "").strip() else None
    if not form.errors:
        try:
            sales.add_buyer(
                db_session(),
                name=request.form.get("name", ""),
                licence_no=request.form.get("licence_no", ""),
                licence_expiry=expiry,
                materials=request.form.getlist("materials"),
                org_id=current_user.org_id,
                actor_id=current_user.id,
            )
        except SortingError as exc:
            form.add(exc)
        else:
            flash(_("Buyer registered."), "success")
            return redirect(url_for("sorting.buyers"))
    return _buyers_page(form.errors, request.form, 422)


@bp.post("/prices")
@role_required(Role.ADMIN, Role.DISPATCHER)
def new_price() -> ResponseReturnValue:
    """A new price of a grade for a buyer, in force from a day (the old one stays for the days before)."""
    form = _Form()
    fen = form.fen("yuan_per_t")
    fields = dict(
        buyer_id=form.id("buyer_id"), grade=request.form.get("grade", ""), valid_from=form.day("valid_from")
    )
    if not form.errors:
        try:
            sales.set_price(db_session(), fen_per_t=fen, **fields, **_actor())  # type: ignore[arg-type]
        except SortingError as exc:
            form.add(exc, {"fen_per_t": "yuan_per_t"})
        else:
            flash(_("Price recorded."), "success")
            return redirect(url_for("sorting.buyers"))
    return _buyers_page(form.errors, request.form, 422)


# --- sales -------------------------------------------------------------------------------


@bp.get("/sales")
@role_required(*ROLES)
def sales_list() -> ResponseReturnValue:
    """The sale form and the sales, newest first."""
    return _sales_page({}, {})


def _sales_page(errors: dict[str, str], form: Any, status: int = 200) -> ResponseReturnValue:
    session = db_session()
    context = _common()
    rows = session.exec(select(Sale).order_by(col(Sale.id).desc()).limit(50)).all()
    ids = [s.id for s in rows]
    invoices = {
        i.sale_id: i for i in session.exec(select(SaleInvoice).where(col(SaleInvoice.sale_id).in_(ids)))
    }
    tickets = {
        t.id: t
        for t in session.exec(select(WeighTicket).where(col(WeighTicket.id).in_([s.ticket_id for s in rows])))
    }
    return render_template(
        "sorting/sales.html",
        sales=rows,
        invoices=invoices,
        tickets=tickets,
        buyers=session.exec(select(Buyer).where(col(Buyer.active).is_(True)).order_by(col(Buyer.name))).all(),
        buyer_names={b.id: b.name for b in session.exec(select(Buyer))},
        grade_names={g.id: g for g in context["grades"]},
        vehicles=session.exec(select(Vehicle).order_by(col(Vehicle.plate))).all(),
        errors=errors,
        form=form,
        **context,
    ), status


@bp.post("/sales")
@role_required(*ROLES)
def new_sale() -> ResponseReturnValue:
    """Ship graded stock to a buyer, weighing the truck out here or naming its outbound ticket."""
    form = _Form()
    weigh_out = None
    if (request.form.get("gross_kg") or "").strip():
        tare = form.grams("tare_kg", required=False)
        weigh_out = {
            "vehicle_id": form.id("vehicle_id"),
            "plate": (request.form.get("plate") or "").strip()[:16],
            "gross_g": form.grams("gross_kg"),
            "tare_g": tare,
            "reference": request.form.get("reference", "")[:64],
            "operator_id": current_user.id,
        }
    fields = dict(
        buyer_id=form.id("buyer_id"),
        facility_id=form.id("facility_id"),
        grade=request.form.get("grade", ""),
        day=form.day("day"),
        grams=form.grams("sale_kg", required=False),
        ticket_number=request.form.get("ticket_number", ""),
        weigh_out=weigh_out,
    )
    if not form.errors:
        try:
            sale = sales.record_sale(db_session(), **fields, **_actor())  # type: ignore[arg-type]
        except SortingError as exc:
            form.add(exc, {"grams": "sale_kg", "gross_g": "gross_kg", "tare_g": "tare_kg"})
        else:
            flash(_("Sale %(id)s recorded: the stock is shipped.", id=sale.id), "success")
            return redirect(url_for("sorting.sale", sale_id=sale.id))
    return _sales_page(form.errors, request.form, 422)


@bp.get("/sales/<int:sale_id>")
@role_required(*ROLES)
def sale(sale_id: int) -> ResponseReturnValue:
    """One sale: buyer, grade, weight, price, its outbound ticket, delivery and invoice."""
    return _sale_page(sale_id, {}, {})


def _sale_page(sale_id: int, errors: dict[str, str], form: Any, status: int = 200) -> ResponseReturnValue:
    session = db_session()
    row = session.get(Sale, sale_id)
    if row is None:
        abort(404)
    return render_template(
        "sorting/sale.html",
        sale=row,
        buyer=session.get(Buyer, row.buyer_id),
        grade=session.get(MaterialGrade, row.grade_id),
        facility=session.get(Facility, row.facility_id),
        ticket=session.get(WeighTicket, row.ticket_id) if row.ticket_id else None,
        delivery=session.exec(select(SaleDelivery).where(SaleDelivery.sale_id == sale_id)).first(),
        invoice=session.exec(select(SaleInvoice).where(SaleInvoice.sale_id == sale_id)).first(),
        errors=errors,
        form=form,
        **_common(),
    ), status


@bp.post("/sales/<int:sale_id>/delivery")
@role_required(*ROLES)
def deliver(sale_id: int) -> ResponseReturnValue:
    """The buyer received the shipment."""
    form = _Form()
    day = form.day("delivered_on")
    if not form.errors:
        try:
            sales.record_delivery(
                db_session(),
                sale_id=sale_id,
                delivered_on=day,
                note=request.form.get("note", ""),
                actor_id=current_user.id,
            )
        except SortingError as exc:
            form.add(exc)
        else:
            flash(_("Delivery recorded."), "success")
            return redirect(url_for("sorting.sale", sale_id=sale_id))
    return _sale_page(sale_id, form.errors, request.form, 422)


@bp.post("/sales/<int:sale_id>/invoice")
@role_required(*ROLES)
def invoice(sale_id: int) -> ResponseReturnValue:
    """The sale's invoice number and amount."""
    form = _Form()
    fen = form.fen("invoice_yuan")
    day = form.day("issued_on")
    if not form.errors:
        try:
            sales.record_invoice(
                db_session(),
                sale_id=sale_id,
                invoice_no=request.form.get("invoice_no", ""),
                amount_fen=fen,
                issued_on=day,
                actor_id=current_user.id,
            )
        except SortingError as exc:
            form.add(exc, {"amount_fen": "invoice_yuan"})
        else:
            flash(_("Invoice recorded."), "success")
            return redirect(url_for("sorting.sale", sale_id=sale_id))
    return _sale_page(sale_id, form.errors, request.form, 422)
