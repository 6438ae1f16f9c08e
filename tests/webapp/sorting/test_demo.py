"""The demo year at the sorting centre: a ticket per trip, balanced batches, stock never
below zero, sales only to licensed buyers, and a mass balance that closes."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, func, select

from tests.webapp.conftest import make_app, wipe
from traceability import CHINA_TZ
from webapp.metrics import Scope, collection, compute, mass_balance
from webapp.models import Collection
from webapp.models.sorting import Buyer, BuyerMaterial, MaterialGrade, Sale, SortingBatch, StockMovement
from webapp.models.weighbridge import TicketDirection, UnloadVisit, WeighTicket
from webapp.seed import seed_demo
from webapp.weighbridge import trips
from webapp.weighbridge.tickets import apportion, tickets_between

NOW = datetime(2026, 3, 10, 4, 0, tzinfo=UTC)
FIRST, LAST = date(2026, 2, 17), date(2026, 3, 9)


@pytest.fixture(scope="module")
def demo(database_url: str, tmp_path_factory: pytest.TempPathFactory, cache_dir: Path) -> Iterator[Session]:
    """Three weeks of the demo on 40 outlets, seeded once for the module."""
    app = make_app(database_url, tmp_path_factory.mktemp("sorting-demo"), cache_dir)
    with app.app_context():
        session = Session(app.extensions["reloop.engine"], expire_on_commit=False)
        seed_demo(session, outlets=40, days=21, seed=7, cache_dir=cache_dir, now=NOW)
        yield session
        session.close()
    wipe(app)
    app.extensions["reloop.engine"].dispose()


def test_every_route_with_pickups_is_weighed_in(demo: Session) -> None:
    """Each route that collected something is weighed in; each unload stop has the driver's visit."""
    collected = set(demo.exec(select(Collection.route_id).distinct()).all())
    weighed = set(
        demo.exec(
            select(WeighTicket.route_id).where(WeighTicket.direction == TicketDirection.IN).distinct()
        ).all()
    )
    assert collected and collected == weighed
    unloads = demo.exec(
        select(func.count()).select_from(WeighTicket).where(WeighTicket.stop_id.is_not(None))
    ).one()
    assert demo.exec(select(func.count()).select_from(UnloadVisit)).one() == unloads


def test_ticket_numbers_have_no_gaps_and_follow_the_clock(demo: Session) -> None:
    """Per facility and year the numbers are 1..n in the order the trucks were weighed."""
    by_facility = defaultdict(list)
    for ticket in demo.exec(select(WeighTicket).order_by(WeighTicket.weighed_at, WeighTicket.id)):
        by_facility[(ticket.facility_id, ticket.year)].append(ticket.seq)
    for seqs in by_facility.values():
        assert seqs == list(range(1, len(seqs) + 1))


def test_some_trips_differ_enough_to_be_flagged_and_most_do_not(demo: Session) -> None:
    """The drivers' weights and the net differ a little, a few trips by more than 5 %."""
    tickets = tickets_between(demo, FIRST, NOW.date(), direction=TicketDirection.IN)
    from webapp.weighbridge.trips import collected_by_ticket

    drivers = collected_by_ticket(demo, tickets)
    gaps = [abs(t.net_g - sum(drivers[t.id].values())) / sum(drivers[t.id].values()) for t in tickets]
    assert sum(g > 0.05 for g in gaps) < len(gaps) * 0.1
    assert sum(g <= 0.03 for g in gaps) > len(gaps) * 0.8


def test_batches_balance_and_stock_never_goes_below_zero(demo: Session) -> None:
    """Outputs plus residue within 2 % of the input; every grade's running stock >= 0."""
    outputs = dict(
        demo.exec(
            select(StockMovement.batch_id, func.sum(StockMovement.grams))
            .where(StockMovement.batch_id.is_not(None))
            .group_by(StockMovement.batch_id)
        ).all()
    )
    batches = demo.exec(select(SortingBatch)).all()
    assert batches
    for batch in batches:
        assert abs(outputs[batch.id] + batch.residue_g - batch.input_g) * 1000 <= 20 * batch.input_g
    running: dict[tuple[int, int], int] = defaultdict(int)
    for move in demo.exec(select(StockMovement).order_by(StockMovement.day, StockMovement.id)):
        running[(move.facility_id, move.grade_id)] += move.grams
        assert running[(move.facility_id, move.grade_id)] >= 0


def test_sales_go_only_to_licensed_buyers_covering_the_material(demo: Session) -> None:
    """Every sale is within the buyer's licence and has its outbound ticket with the same net."""
    sales = demo.exec(select(Sale)).all()
    assert sales
    for sale in sales:
        buyer = demo.get(Buyer, sale.buyer_id)
        grade = demo.get(MaterialGrade, sale.grade_id)
        assert buyer.licence_expiry >= sale.day
        assert demo.exec(
            select(BuyerMaterial).where(
                BuyerMaterial.buyer_id == buyer.id, BuyerMaterial.material_id == grade.material_id
            )
        ).first()
        ticket = demo.get(WeighTicket, sale.ticket_id)
        assert ticket.direction == TicketDirection.OUT and ticket.net_g == sale.grams


def test_the_mass_balance_of_the_span_closes(demo: Session) -> None:
    """Opening + sorted - residue - sold = closing, give or take the batches' tolerated loss."""
    found = compute(demo, Scope(FIRST, LAST), now=NOW).mass_balance
    lines = [line for line in found.lines if line.sorted_g]
    assert lines
    for line in lines:
        assert line.opening_stock_g == 0 and line.weighed_g >= line.sorted_g > 0
        lost = line.sorted_g - line.residue_g - line.sold_g - line.stock_g
        assert 0 <= lost <= line.sorted_g * 6 // 1000
    assert sum(line.collected_g for line in found.lines) > 0


def test_the_weighed_figures_equal_the_trip_by_trip_definition(demo: Session) -> None:
    """Weighed grams read from the collection figures' per-route scan, or by the mass
    balance's own query, equal each ticket shared over its trip's pickups one by one."""
    scope = Scope(FIRST, LAST)
    collected = collection.compute(demo, scope)
    lent = mass_balance.weighed_daily(demo, scope, collected)
    tickets = tickets_between(demo, FIRST, LAST + timedelta(days=1), direction=TicketDirection.IN)
    shares = trips.collected_by_ticket(demo, [t for t in tickets if t.material_id is None])
    expected: dict[tuple[date, int | None], int] = defaultdict(int)
    for ticket in tickets:
        split = (
            {ticket.material_id: ticket.net_g}
            if ticket.material_id is not None
            else apportion(ticket.net_g, shares.get(ticket.id, {}))
        )
        for material, grams in split.items():
            expected[(ticket.weighed_at.astimezone(CHINA_TZ).date(), material)] += grams
    assert any(r.stop_id is not None for r in tickets) and any(r.stop_id is None for r in tickets)
    assert lent == sorted(((d, m, g) for (d, m), g in expected.items()), key=lambda r: (r[0], r[1] or 0))
    assert lent == mass_balance.weighed_daily(demo, scope)


def test_every_indicator_is_the_same_with_or_without_the_lent_route_grams(demo: Session) -> None:
    """The whole JSON report is identical whether the mass balance reads the weights itself."""
    scope = Scope(FIRST, LAST)
    fast = compute(demo, scope, now=NOW).to_json()
    demo.rollback()
    collected = collection.compute(demo, scope)
    slow = mass_balance.compute(demo, scope, collected, mass_balance.weighed_daily(demo, scope))
    assert fast["mass_balance"] == slow.to_json()
    assert sum(line["weighed_g"] for line in fast["mass_balance"].values()) > 0
