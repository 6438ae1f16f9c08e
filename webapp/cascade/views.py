"""The cascade side of the workshop: specs, regrouping, products, labels, orders, shipping.

Technicians (and admins) build and ship; dispatchers see stock and orders and take
orders. Every refusal is a 422 page naming the unit or field, with nothing written.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlmodel import col, func, select

from traceability import china_today
from webapp.access import role_required
from webapp.audit import deadlines
from webapp.cascade import engine, health, labels, operations, shipping, stock
from webapp.cascade.operations import CascadeError, EndOfLineTest
from webapp.db import db_session
from webapp.models import Battery, Role
from webapp.models.cascade import (
    CascadeProduct,
    CustomerOrder,
    ProductSpec,
    ProductUnit,
    RegroupProposal,
    Shipment,
    TakeBack,
)
from webapp.trace.settings import trace_settings
from webapp.workshop.applications import APPLICATIONS, E_BIKE_REASON_ZH, label_zh

bp = Blueprint("cascade", __name__, url_prefix="/cascade")
BUILDERS = (Role.TECHNICIAN, Role.ADMIN)
VIEWERS = (Role.TECHNICIAN, Role.ADMIN, Role.DISPATCHER)
REASONS = {
    "chemistry": _l("other chemistry than the product's"),
    "below_target": _l("capacity below what the product's rated capacity needs"),
    "capacity": _l("would break the capacity spread"),
    "resistance": _l("would break the resistance spread"),
    "ocv": _l("would break the OCV spread"),
    "not_enough": _l("not enough matching units for another product"),
    "not_examined": _l("not examined before the time limit"),
    "swapped_out": _l("swapped out by hand"),
}


def reason_label(reason: str) -> str:
    """A leftover reason in words."""
    return str(REASONS.get(reason.split(".")[-1].lower(), reason))


def _actor() -> dict[str, Any]:
    return {"actor_id": current_user.id, "org_id": current_user.org_id}


def _decimal(form: Any, name: str, scale: int, errors: list[tuple[str, str]]) -> int:
    """A decimal form value times ``scale``, as a whole number."""
    raw = str(form.get(name, "")).strip().replace(",", ".")
    try:
        value = Decimal(raw)
    except InvalidOperation:
        errors.append((name, _("must be a number")))
        return 0
    if not value.is_finite() or value < 0:
        errors.append((name, _("must be a number not below 0")))
        return 0
    return int((value * scale).to_integral_value())


def _specs() -> list[ProductSpec]:
    return list(db_session().exec(select(ProductSpec).order_by(col(ProductSpec.name))).all())


@bp.get("/")
@role_required(*VIEWERS)
def index() -> ResponseReturnValue:
    """Stock by grade and by product spec, the open proposals and the latest products."""
    session = db_session()
    units = stock.graded_stock(session)
    by_grade: dict[tuple[str, str], int] = {}
    for unit in units:
        by_grade[(unit.chemistry, unit.grade)] = by_grade.get((unit.chemistry, unit.grade), 0) + 1
    in_stock = session.exec(
        select(CascadeProduct.spec_id, func.count())
        .join(Battery, col(Battery.code) == col(CascadeProduct.code))
        .where(Battery.status == "at_enterprise")
        .group_by(col(CascadeProduct.spec_id))
    ).all()
    specs = {s.id: s for s in _specs()}
    proposals = session.exec(
        select(RegroupProposal)
        .where(RegroupProposal.status == "proposed")
        .order_by(col(RegroupProposal.id).desc())
    ).all()
    return render_template(
        "cascade/index.html",
        by_grade=sorted(by_grade.items()),
        in_stock=[(specs.get(i), n) for i, n in in_stock],
        specs=list(specs.values()),
        proposals=proposals,
        unit_count=len(units),
    )


# --- specs ---------------------------------------------------------------------------------


@bp.get("/specs")
@role_required(*VIEWERS)
def specs() -> ResponseReturnValue:
    """The product specs and a form for a new one."""
    return render_template("cascade/specs.html", specs=_specs(), errors=[], form={})


@bp.post("/specs")
@role_required(*BUILDERS)
def add_spec() -> ResponseReturnValue:
    """Add a product spec; capacity in Ah, spreads in %, voltage in V."""
    form, errors = request.form, []
    data: dict[str, Any] = {k: form.get(k, "") for k in ("name", "product_type", "chemistry")}
    data["series_count"], data["parallel_count"] = form.get("series_count"), form.get("parallel_count") or 1
    data["warranty_months"] = form.get("warranty_months") or 36
    data["max_ocv_spread_mv"] = _decimal(form, "max_ocv_spread_mv", 1, errors)
    data["target_capacity_mah"] = _decimal(form, "target_capacity_ah", 1000, errors)
    data["nominal_voltage_mv"] = _decimal(form, "nominal_voltage_v", 1000, errors)
    data["max_capacity_spread_bp"] = _decimal(form, "max_capacity_spread_pct", 100, errors)
    data["max_resistance_spread_bp"] = _decimal(form, "max_resistance_spread_pct", 100, errors)
    try:
        shipping.save_spec(db_session(), data, errors=errors, org_id=current_user.org_id)
    except CascadeError as exc:
        named = _form_names(exc.errors)
        return render_template("cascade/specs.html", specs=_specs(), errors=named, form=form), 422
    flash(_("Product spec saved."))
    return redirect(url_for("cascade.specs"))


_FORM_NAMES = {
    "target_capacity_mah": "target_capacity_ah",
    "nominal_voltage_mv": "nominal_voltage_v",
    "max_capacity_spread_bp": "max_capacity_spread_pct",
    "max_resistance_spread_bp": "max_resistance_spread_pct",
}


def _form_names(errors: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Errors named by the form's fields, one per field."""
    named: dict[str, str] = {}
    for field, message in errors:
        named.setdefault(_FORM_NAMES.get(field, field), message)
    return list(named.items())


# --- regrouping ----------------------------------------------------------------------------


@bp.post("/regroup")
@role_required(*BUILDERS)
def regroup() -> ResponseReturnValue:
    """Run the engine for a spec on the graded stock and show its proposal."""
    session = db_session()
    spec = session.get(ProductSpec, request.form.get("spec_id", type=int) or 0)
    if spec is None:
        return render_template("cascade/error.html", errors=[("spec_id", _("choose a product spec"))]), 422
    limit = min(max(request.form.get("time_limit_s", type=float) or 10.0, 1.0), 60.0)
    proposal = operations.run_proposal(session, spec, **_actor(), time_limit_s=limit)
    return redirect(url_for("cascade.proposal", proposal_id=proposal.id))


def _proposal_page(proposal: RegroupProposal, errors: list[tuple[str, str]] | None = None) -> str:
    session = db_session()
    spec = session.get(ProductSpec, proposal.spec_id)
    units = operations.proposal_units(session, proposal)
    groups = []
    for codes in proposal.groups:
        members = [units[c] for c in codes if c in units]
        groups.append(
            {
                "units": members,
                "spreads": engine.spreads(members) if members else None,
                "problems": engine.group_problems(spec, members) if spec and members else [],
                "capacity_ah": _estimate(spec, members),
            }
        )
    return render_template(
        "cascade/proposal.html",
        proposal=proposal,
        spec=spec,
        groups=groups,
        leftover=[(item, units.get(item["code"])) for item in proposal.leftover],
        reason_label=reason_label,
        errors=errors or [],
    )


def _estimate(spec: ProductSpec | None, members: list[stock.StockUnit]) -> float:
    """Rated capacity a group should reach: the weakest unit times the strings in parallel."""
    if not spec or not members:
        return 0.0
    return min(u.capacity_mah or 0 for u in members) * spec.parallel_count / 1000


@bp.get("/proposals/<int:proposal_id>")
@role_required(*BUILDERS)
def proposal(proposal_id: int) -> ResponseReturnValue:
    """A proposal: each group with its units and spreads, swaps, confirmation."""
    found = db_session().get(RegroupProposal, proposal_id) or abort(404)
    return _proposal_page(found)


@bp.post("/proposals/<int:proposal_id>/swap")
@role_required(*BUILDERS)
def swap(proposal_id: int) -> ResponseReturnValue:
    """Swap one unit of a group for another; the group is checked again."""
    session = db_session()
    found = session.get(RegroupProposal, proposal_id) or abort(404)
    group = (request.form.get("group", type=int) or 1) - 1
    try:
        operations.swap(
            session,
            found,
            group,
            request.form.get("out_code", "").strip(),
            request.form.get("in_code", "").strip(),
        )
    except CascadeError as exc:
        session.rollback()
        return _proposal_page(found, exc.errors), 422
    flash(_("Units swapped; the group meets every limit."))
    return redirect(url_for("cascade.proposal", proposal_id=proposal_id))


@bp.post("/proposals/<int:proposal_id>/confirm")
@role_required(*BUILDERS)
def confirm(proposal_id: int) -> ResponseReturnValue:
    """Build the ticked groups into products with their end-of-line tests."""
    session = db_session()
    found = session.get(RegroupProposal, proposal_id) or abort(404)
    errors: list[tuple[str, str]] = []
    tests = {}
    for index in request.form.getlist("build", type=int):
        i = index - 1
        tests[i] = EndOfLineTest(
            capacity_mah=_decimal(request.form, f"capacity_ah_{index}", 1000, errors),
            energy_wh=_decimal(request.form, f"energy_kwh_{index}", 1000, errors),
            equipment=request.form.get(f"equipment_{index}", "").strip()[:120],
        )
    try:
        if errors:
            raise CascadeError(errors)
        products = operations.confirm(session, found, tests, **_actor())
    except CascadeError as exc:
        found = session.get(RegroupProposal, proposal_id) or abort(404)
        return _proposal_page(found, exc.errors), 422
    flash(_("%(n)s cascade products built.", n=len(products)))
    return redirect(url_for("cascade.products"))


# --- products ------------------------------------------------------------------------------


@bp.get("/products")
@role_required(*VIEWERS)
def products() -> ResponseReturnValue:
    """Every cascade product with its status."""
    session = db_session()
    rows = session.exec(select(CascadeProduct).order_by(col(CascadeProduct.id).desc())).all()
    status = dict(
        session.exec(
            select(Battery.code, Battery.status).where(col(Battery.code).in_([p.code for p in rows]))
        ).all()
    )
    return render_template(
        "cascade/products.html", products=rows, status=status, specs={s.id: s for s in _specs()}
    )


def _product(code: str) -> CascadeProduct:
    found = (
        db_session().exec(select(CascadeProduct).where(CascadeProduct.code == code.strip().upper())).first()
    )
    return found or abort(404)


@bp.get("/products/<code>")
@role_required(*VIEWERS)
def product(code: str) -> ResponseReturnValue:
    """One product: source units with their test values, spreads, shipment, health, take-back."""
    session = db_session()
    found = _product(code)
    units = session.exec(
        select(ProductUnit).where(ProductUnit.product_id == found.id).order_by(col(ProductUnit.position))
    ).all()
    battery = session.exec(select(Battery).where(Battery.code == found.code)).first()
    return render_template(
        "cascade/product.html",
        product=found,
        spec=session.get(ProductSpec, found.spec_id),
        units=units,
        battery=battery,
        shipment=session.exec(select(Shipment).where(Shipment.product_id == found.id)).first(),
        take_back=session.exec(select(TakeBack).where(TakeBack.product_id == found.id)).first(),
        readings=health.readings(session, found.code),
        errors=[],
    )


@bp.get("/products/<code>/label")
@role_required(*VIEWERS)
def label(code: str) -> ResponseReturnValue:
    """Print preview of the product's label (梯次利用产品标识)."""
    found = _product(code)
    url = url_for("audit.passport_view", code=found.code, _external=True)
    return render_template(
        "cascade/label.html",
        product=found,
        qr=labels.qr_svg(url),
        url=url,
        name=labels.name,
        mark=labels.MARK,
    )


@bp.post("/products/<code>/take-back")
@role_required(*BUILDERS)
def take_back(code: str) -> ResponseReturnValue:
    """Take a product back at the end of its second life and recycle it."""
    session = db_session()
    found = _product(code)
    try:
        shipping.take_back(session, found, request.form, recycler=found.producer, **_actor())
    except CascadeError as exc:
        session.rollback()
        return render_template("cascade/error.html", errors=exc.errors), 422
    flash(_("Product taken back and recycled."))
    return redirect(url_for("cascade.product", code=found.code))


# --- orders and shipping -------------------------------------------------------------------


def _orders_page(errors: list[tuple[str, str]], form: Any) -> str:
    session = db_session()
    orders = session.exec(select(CustomerOrder).order_by(col(CustomerOrder.id).desc())).all()
    shipped = {o.id: shipping.shipped_count(session, o) for o in orders}
    return render_template(
        "cascade/orders.html",
        orders=orders,
        shipped=shipped,
        specs=_specs(),
        applications=APPLICATIONS,
        e_bike_reason=E_BIKE_REASON_ZH,
        application_label=label_zh,
        errors=errors,
        form=form,
    )


@bp.get("/orders")
@role_required(*VIEWERS)
def orders() -> ResponseReturnValue:
    """Customer orders and a form for a new one."""
    return _orders_page([], {})


@bp.post("/orders")
@role_required(*VIEWERS)
def add_order() -> ResponseReturnValue:
    """Record an order; an e-bike application is refused with its reason."""
    try:
        order = shipping.create_order(db_session(), request.form, **_actor())
    except CascadeError as exc:
        return _orders_page(exc.errors, request.form), 422
    return redirect(url_for("cascade.order", order_id=order.id))


def _order_page(order: CustomerOrder, errors: list[tuple[str, str]]) -> str:
    session = db_session()
    query = (
        select(CascadeProduct)
        .join(Battery, col(Battery.code) == col(CascadeProduct.code))
        .where(Battery.status == "at_enterprise")
        .order_by(col(CascadeProduct.id))
    )
    if order.spec_id:
        query = query.where(CascadeProduct.spec_id == order.spec_id)
    shipments = session.exec(select(Shipment).where(Shipment.order_id == order.id)).all()
    codes = {p.id: p.code for p in session.exec(select(CascadeProduct))}
    settings = trace_settings()
    duties = deadlines.obligations(
        session,
        today=china_today(),
        rules=settings.rules,
        holidays_path=settings.holidays_path,
        codes=[codes[s.product_id] for s in shipments],
    )
    due = {d.deadline.event_id: d.deadline for d in duties}
    return render_template(
        "cascade/order.html",
        order=order,
        available=session.exec(query).all(),
        shipments=shipments,
        codes=codes,
        due=due,
        application_label=label_zh,
        errors=errors,
    )


@bp.get("/orders/<int:order_id>")
@role_required(*VIEWERS)
def order(order_id: int) -> ResponseReturnValue:
    """One order: products shipped on it and the products in stock that could go."""
    return _order_page(db_session().get(CustomerOrder, order_id) or abort(404), [])


@bp.post("/orders/<int:order_id>/ship")
@role_required(*BUILDERS)
def ship(order_id: int) -> ResponseReturnValue:
    """Ship (出库) the chosen products on the order to its deployment site."""
    session = db_session()
    found = session.get(CustomerOrder, order_id) or abort(404)
    try:
        shipping.ship(
            session, found, request.form.getlist("codes"), site=request.form.get("site", ""), **_actor()
        )
    except CascadeError as exc:
        found = session.get(CustomerOrder, order_id) or abort(404)
        return _order_page(found, exc.errors), 422
    flash(_("Shipped."))
    return redirect(url_for("cascade.order", order_id=order_id))
