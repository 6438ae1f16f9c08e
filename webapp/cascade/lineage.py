"""What the regulator's battery page shows of a cascade product: its spec, its spreads,
each source unit with the test results it was matched on, its health in service.

Read-only; :func:`for_battery` answers for a product's code and for a source unit's
(the product it went into), ``None`` for any other battery.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from webapp.cascade import health
from webapp.models.cascade import CascadeProduct, HealthReading, ProductSpec, ProductUnit, Shipment
from webapp.models.workshop import TestRecord


@dataclass(frozen=True)
class ProductLineage:
    """A product with its spec, source units (each with its tests) and readings."""

    product: CascadeProduct
    spec: ProductSpec | None
    units: list[tuple[ProductUnit, list[TestRecord]]]
    shipment: Shipment | None
    readings: list[HealthReading]
    anomalies: int
    of_unit: str | None = None


def for_battery(session: Session, code: str) -> ProductLineage | None:
    """The lineage of the product ``code`` is, or that the unit ``code`` went into."""
    product = session.exec(select(CascadeProduct).where(CascadeProduct.code == code)).first()
    of_unit = None
    if product is None:
        unit = session.exec(select(ProductUnit).where(ProductUnit.unit_code == code)).first()
        if unit is None:
            return None
        product, of_unit = session.get(CascadeProduct, unit.product_id), code
        if product is None:
            return None
    units = session.exec(
        select(ProductUnit).where(ProductUnit.product_id == product.id).order_by(col(ProductUnit.position))
    ).all()
    tests: dict[str, list[TestRecord]] = {u.unit_code: [] for u in units}
    for test in session.exec(
        select(TestRecord)
        .where(col(TestRecord.battery_code).in_(list(tests)))
        .order_by(col(TestRecord.tested_at))
    ):
        tests[test.battery_code].append(test)
    readings = health.readings(session, product.code)
    return ProductLineage(
        product=product,
        spec=session.get(ProductSpec, product.spec_id),
        units=[(u, tests[u.unit_code]) for u in units],
        shipment=session.exec(select(Shipment).where(Shipment.product_id == product.id)).first(),
        readings=readings,
        anomalies=sum(1 for r in readings if r.anomaly),
        of_unit=of_unit,
    )


def context(session: Session, code: str) -> dict[str, Any]:
    """Template context for the audit page (``cascade`` is None for other batteries)."""
    return {"cascade": for_battery(session, code)}
