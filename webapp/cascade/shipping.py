"""Specs, customer orders, shipping (出库) and take-back of cascade products.

Shipping writes one ``cascade_shipped`` event per product (its reporting deadline
follows from the log, like every event's); take-back at the end of the second life
writes ``cascade_retired``, the enterprise's receipt and ``recycled`` with the
output masses, so the mass balance runs from the vehicle pack to recovered metal.
Each operation is one transaction: refused input names the field and writes nothing.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from sqlmodel import Session, col, select

from traceability import CHINA_TZ, DEFAULT_SPEC, ActorRole, BatteryStatus, EventKind
from webapp.cascade import stock
from webapp.cascade.operations import CascadeError
from webapp.models import Battery
from webapp.models._types import utcnow
from webapp.models.cascade import (
    CascadeProduct,
    CustomerOrder,
    ProductSpec,
    ProductUnit,
    Shipment,
    TakeBack,
)
from webapp.trace.inputs import EventInput
from webapp.trace.operations import RecordError, record_events
from webapp.workshop.applications import ApplicationError, check_application

METALS = ("li", "ni", "co", "mn", "electrode_powder")
_SPEC_INTS = {
    "series_count": (1, 1000),
    "parallel_count": (1, 100),
    "target_capacity_mah": (0, 10**9),
    "nominal_voltage_mv": (1, 10**7),
    "max_capacity_spread_bp": (1, 10_000),
    "max_resistance_spread_bp": (1, 10_000),
    "max_ocv_spread_mv": (1, 10_000),
    "warranty_months": (0, 240),
}


def _int(data: Mapping[str, Any], name: str, low: int, high: int, errors: list[tuple[str, str]]) -> int:
    raw = data.get(name)
    try:
        value = int(str(raw).strip())
    except (TypeError, ValueError):
        errors.append((name, _("must be a whole number")))
        return 0
    if not low <= value <= high:
        errors.append((name, _("must be between %(low)s and %(high)s", low=low, high=high)))
    return value


def _text(
    data: Mapping[str, Any], name: str, limit: int, errors: list[tuple[str, str]], *, required: bool = True
) -> str:
    value = str(data.get(name) or "").strip()
    if required and not value:
        errors.append((name, _("required")))
    elif len(value) > limit or "\x00" in value:
        errors.append((name, _("at most %(n)s characters", n=limit)))
    return value


def save_spec(
    session: Session,
    data: Mapping[str, Any],
    *,
    errors: list[tuple[str, str]] | None = None,
    org_id: int | None = None,
) -> ProductSpec:
    """Add a product spec; :class:`CascadeError` names every bad field (after ``errors``
    the caller found already)."""
    errors = list(errors or [])
    name = _text(data, "name", 80, errors)
    chemistry = _text(data, "chemistry", 1, errors).upper()
    if chemistry and chemistry not in DEFAULT_SPEC.chemistries:
        errors.append(("chemistry", _("not a GB/T 34014 battery type: %(c)s", c=chemistry)))
    values = {k: _int(data, k, lo, hi, errors) for k, (lo, hi) in _SPEC_INTS.items()}
    product_type = _text(data, "product_type", 80, errors, required=False)
    if name and session.exec(select(ProductSpec).where(ProductSpec.name == name)).first():
        errors.append(("name", _("a spec with this name exists")))
    if errors:
        raise CascadeError(errors)
    spec = ProductSpec(name=name, chemistry=chemistry, product_type=product_type, org_id=org_id, **values)
    session.add(spec)
    session.commit()
    return spec


def create_order(
    session: Session, data: Mapping[str, Any], *, actor_id: int | None, org_id: int | None = None
) -> CustomerOrder:
    """Record a customer's order; an e-bike application is refused with its reason."""
    errors: list[tuple[str, str]] = []
    customer = _text(data, "customer", 120, errors)
    application = _text(data, "application", 40, errors)
    if application:
        try:
            check_application(application)
        except ApplicationError as exc:
            errors.append(("application", str(exc)))
    quantity = _int(data, "quantity", 1, 10_000, errors)
    site = _text(data, "site", 120, errors)
    note = _text(data, "note", 500, errors, required=False)
    spec_id = None
    if str(data.get("spec_id") or "").strip():
        spec_id = _int(data, "spec_id", 1, 2**31 - 1, errors)
        if spec_id and session.get(ProductSpec, spec_id) is None:
            errors.append(("spec_id", _("no such product spec")))
    if errors:
        raise CascadeError(errors)
    order = CustomerOrder(
        customer=customer,
        application=application,
        spec_id=spec_id,
        quantity=quantity,
        site=site,
        note=note,
        created_by_id=actor_id,
        org_id=org_id,
    )
    session.add(order)
    session.commit()
    return order


def shipped_count(session: Session, order: CustomerOrder) -> int:
    """How many products were shipped on ``order``."""
    return len(session.exec(select(Shipment.id).where(Shipment.order_id == order.id)).all())


def ship(
    session: Session,
    order: CustomerOrder,
    codes: Sequence[str],
    *,
    site: str = "",
    actor_id: int | None,
    org_id: int | None = None,
    now: datetime | None = None,
) -> list[Shipment]:
    """Ship products on ``order`` to its deployment site (or ``site``); all or none."""
    errors: list[tuple[str, str]] = []
    site = (site or order.site).strip()[:120]
    wanted = list(dict.fromkeys(c.strip() for c in codes if c.strip()))
    if not wanted:
        errors.append(("codes", _("choose at least one product")))
    if shipped_count(session, order) + len(wanted) > order.quantity:
        errors.append(("codes", _("the order is for %(n)s products", n=order.quantity)))
    try:
        check_application(order.application)
    except ApplicationError as exc:
        errors.append(("application", str(exc)))
    products = {
        p.code: p for p in session.exec(select(CascadeProduct).where(col(CascadeProduct.code).in_(wanted)))
    }
    batteries = {b.code: b for b in session.exec(select(Battery).where(col(Battery.code).in_(wanted)))}
    for code in wanted:
        errors += [
            (code, m) for m in _ship_problems(session, code, products.get(code), batteries.get(code), order)
        ]
    if errors:
        raise CascadeError(errors)
    now = now or utcnow()
    shipments, events = [], []
    for code in wanted:
        product, battery = products[code], batteries[code]
        event_id = f"CAS-{code}-SH"
        shipments.append(
            Shipment(
                order_id=order.id or 0,
                product_id=product.id or 0,
                event_id=event_id,
                site=site,
                shipped_at=now,
                warranty_until=_add_months(now.astimezone(CHINA_TZ).date(), product.warranty_months),
                shipped_by_id=actor_id,
                org_id=org_id,
            )
        )
        payload = {"customer": order.customer, "application": order.application, "to_location": site}
        events.append(
            EventInput(
                event_id,
                EventKind.CASCADE_SHIPPED,
                code,
                battery.holder,
                ActorRole.CASCADE_USER,
                battery.location,
                now,
                payload,
            )
        )
    session.add_all(shipments)
    _record(session, events, actor_id, org_id, now)
    return shipments


def _ship_problems(
    session: Session, code: str, product: CascadeProduct | None, battery: Battery | None, order: CustomerOrder
) -> list[str]:
    if product is None or battery is None:
        return [_("%(code)s: not a cascade product", code=code)]
    if battery.status != BatteryStatus.AT_ENTERPRISE.value:
        return [_("%(code)s: not in stock", code=code)]
    if order.spec_id and product.spec_id != order.spec_id:
        return [_("%(code)s: built to another spec than the order's", code=code)]
    sources = session.exec(select(ProductUnit.unit_code).where(ProductUnit.product_id == product.id)).all()
    refused = [
        u.code
        for u in stock.units(session, sources).values()
        if u.applications and order.application not in u.applications
    ]
    if refused:
        return [
            _(
                "%(code)s: source %(unit)s is not graded for this application",
                code=code,
                unit=refused[0],
            )
        ]
    return []


def _add_months(day: date, months: int) -> date:
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _record(
    session: Session, events: list[EventInput], actor_id: int | None, org_id: int | None, now: datetime
) -> None:
    try:
        record_events(session, events, actor_id=actor_id, org_id=org_id, now=now)
    except RecordError as exc:
        raise CascadeError([(e.event_id, e.message) for e in exc.errors]) from exc
    except BaseException:
        session.rollback()
        raise


def take_back(
    session: Session,
    product: CascadeProduct,
    data: Mapping[str, Any],
    *,
    recycler: str,
    actor_id: int | None,
    org_id: int | None = None,
    now: datetime | None = None,
) -> TakeBack:
    """Take a product back from service and recycle it with the output masses given."""
    errors: list[tuple[str, str]] = []
    reason = _text(data, "reason", 200, errors, required=False)
    input_mass = _int(data, "input_mass_g", 1, 10**10, errors)
    outputs = {f"{m}_g": _int(data, f"{m}_g", 0, 10**10, errors) for m in METALS}
    if not errors and sum(outputs.values()) > input_mass:
        errors.append(("input_mass_g", _("the outputs weigh more than the input")))
    battery = session.exec(select(Battery).where(Battery.code == product.code)).first()
    if battery is None or battery.status != BatteryStatus.IN_SERVICE.value:
        errors.append(("code", _("%(code)s: not in service", code=product.code)))
    if errors:
        raise CascadeError(errors)
    assert battery is not None  # nosec B101 # narrows the type: the product's battery row exists
    now = now or utcnow()
    site = (
        session.exec(select(Shipment.site).where(Shipment.product_id == product.id)).first()
        or battery.location
    )
    home = (
        session.exec(
            select(Battery.location).where(
                Battery.code.in_(  # type: ignore[attr-defined]
                    select(ProductUnit.unit_code).where(ProductUnit.product_id == product.id)
                )
            )
        ).first()
        or battery.location
    )
    retired, received, recycled = (f"CAS-{product.code}-{s}" for s in ("RT", "RX", "RC"))
    events = [
        EventInput(
            retired,
            EventKind.CASCADE_RETIRED,
            product.code,
            battery.holder,
            ActorRole.CASCADE_USER,
            site,
            now,
            {"reason": reason} if reason else {},
        ),
        EventInput(
            received,
            EventKind.RECEIVED_BY_ENTERPRISE,
            product.code,
            recycler,
            ActorRole.RECYCLER,
            home,
            now,
            {"mass_g": input_mass},
        ),
        EventInput(
            recycled,
            EventKind.RECYCLED,
            product.code,
            recycler,
            ActorRole.RECYCLER,
            home,
            now,
            {"input_mass_g": input_mass, **outputs, "process": "hydrometallurgy"},
        ),
    ]
    row = TakeBack(
        product_id=product.id or 0,
        retired_event_id=retired,
        recycled_event_id=recycled,
        reason=reason,
        input_mass_g=input_mass,
        outputs=outputs,
        taken_back_at=now,
        taken_back_by_id=actor_id,
        org_id=org_id,
    )
    session.add(row)
    _record(session, events, actor_id, org_id, now)
    return row
