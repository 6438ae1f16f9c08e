"""The workshop's indicators: packs in, cascade vs recycling, kWh, products, spreads; with drill-down."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session

from traceability import CHINA_TZ
from webapp.cascade import operations, shipping
from webapp.cascade.operations import EndOfLineTest
from webapp.metrics import workshop
from webapp.metrics.drill import records
from webapp.metrics.figures import Scope
from webapp.models.cascade import ProductSpec

from .conftest import Spec, Stocker


def test_workshop_figures_and_their_records(db: Session, stocker: Stocker, spec: ProductSpec) -> None:
    """Eight units to cascade use, two products of 1.254 kWh, one in service; drills sum to the figures."""
    stocker([Spec(c) for c in (100_000, 100_500, 101_000, 101_500, 110_000, 110_500, 111_000, 111_500)])
    proposal = operations.run_proposal(db, spec, actor_id=None)
    built = operations.confirm(
        db,
        proposal,
        {0: EndOfLineTest(98_000, 1254, "E"), 1: EndOfLineTest(108_000, 1380, "E")},
        actor_id=None,
    )
    order = shipping.create_order(
        db, {"customer": "c", "application": "energy_storage", "quantity": "1", "site": "s"}, actor_id=None
    )
    shipping.ship(db, order, [built[0].code], actor_id=None)
    today = datetime.now(CHINA_TZ).date()
    scope = Scope(date(2026, 1, 1), today)
    found = workshop.compute(db, scope)
    assert found.to_cascade.value == 8 and found.products_built.value == 2
    assert found.second_life_wh.value == 1254 + 1380 and found.in_service.value == 1
    assert found.cascade_share.value == 1.0
    mean = (built[0].capacity_spread_bp + built[1].capacity_spread_bp) / 2
    assert found.average_spread.value == mean
    for figure in (found.to_cascade, found.products_built, found.second_life_wh, found.in_service):
        assert figure.drill is not None
        page = records(db, figure.drill, per_page=100)
        assert page.sums[figure.unit] == figure.value
    assert "workshop" in workshop.compute(db, scope).to_json()["products_built"]["drill"]["kind"]
