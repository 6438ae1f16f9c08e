"""Buyers, price history, sales against stock, delivery and invoice."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from tests.webapp.sorting.conftest import sort_plastic
from webapp.models.sorting import Sale, SaleInvoice, StockMovement
from webapp.models.weighbridge import WeighTicket
from webapp.sorting import sales
from webapp.sorting.stock import SortingError, on_hand


def _sell(db, yard, grams: int | None = 400_000, **extra):
    fields = {"buyer_id": yard.buyer.id, "facility_id": yard.centre.id, "grade": "lvp_pet", "day": yard.day}
    fields.update(extra)
    return sales.record_sale(db, grams=grams, **fields)


def _fields(caught) -> list[str]:
    return [e["field"] for e in caught.value.errors]


def test_a_sale_takes_from_stock_at_the_price_in_force(db, yard) -> None:
    """400 kg at 1,800 yuan/t is 720 yuan, and 400 kg leave the stock."""
    sort_plastic(db, yard, pet=1_000_000, film=0, residue=0)
    sale = _sell(db, yard)
    assert sale.amount_fen == 72_000 and sale.fen_per_t == 180_000
    assert on_hand(db, yard.centre.id, sale.grade_id) == 600_000


def test_a_new_price_applies_from_its_day_and_the_old_one_before(db, yard) -> None:
    """A price edit is a new row from a date; an earlier sale day keeps the old price."""
    sort_plastic(db, yard, pet=1_000_000, film=0, residue=0)
    sales.set_price(db, buyer_id=yard.buyer.id, grade="lvp_pet", fen_per_t=200_000, valid_from=yard.day)
    assert _sell(db, yard, day=yard.day - timedelta(days=1)).fen_per_t == 180_000
    assert _sell(db, yard).fen_per_t == 200_000


def test_a_sale_of_more_than_in_stock_is_refused_and_nothing_written(db, yard) -> None:
    """Selling 1 g more than the stock is refused on grams."""
    sort_plastic(db, yard, pet=400_000, film=0, residue=0)
    with pytest.raises(SortingError) as caught:
        _sell(db, yard, grams=400_001)
    assert _fields(caught) == ["grams"]
    assert db.exec(select(Sale)).all() == [] and len(db.exec(select(StockMovement)).all()) == 1


def test_a_buyer_whose_licence_expired_is_refused(db, yard) -> None:
    """A sale after the licence's expiry names the buyer."""
    sort_plastic(db, yard, pet=400_000, film=0, residue=0)
    with pytest.raises(SortingError) as caught:
        _sell(db, yard, day=yard.buyer.licence_expiry + timedelta(days=1))
    assert "buyer_id" in _fields(caught) and db.exec(select(Sale)).all() == []


def test_a_material_the_licence_does_not_cover_is_refused(db, yard) -> None:
    """A buyer licensed for plastics and paper cannot take glass."""
    sales.set_price(db, buyer_id=yard.buyer.id, grade="glass_cullet", fen_per_t=1_000, valid_from=yard.day)
    with pytest.raises(SortingError) as caught:
        _sell(db, yard, grade="glass_cullet")
    assert "grade" in _fields(caught) and "cover" in str(caught.value)


def test_a_negative_price_is_refused_naming_it(db, yard) -> None:
    """Prices are whole, non-negative fen per tonne."""
    for bad in (-1, 1.5, "12"):
        with pytest.raises(SortingError) as caught:
            sales.set_price(db, buyer_id=yard.buyer.id, grade="lvp_pet", fen_per_t=bad, valid_from=yard.day)
        assert _fields(caught) == ["fen_per_t"]


def test_a_sale_weighed_out_stores_its_outbound_ticket_in_the_same_transaction(db, yard) -> None:
    """Gross minus tare is the weight sold; the ticket is outbound and names the material."""
    sort_plastic(db, yard, pet=1_000_000, film=0, residue=0)
    sale = _sell(
        db,
        yard,
        grams=None,
        weigh_out={"vehicle_id": yard.world.spare.id, "gross_g": 8_500_000, "tare_g": 8_000_000},
    )
    ticket = db.get(WeighTicket, sale.ticket_id)
    assert sale.grams == 500_000 and ticket.direction == "out" and ticket.net_g == 500_000
    assert ticket.material_id == yard.world.materials["low_value_plastic"].id


def test_a_refused_sale_leaves_no_outbound_ticket(db, yard) -> None:
    """Weighing out more than the stock writes neither sale nor ticket (no number used)."""
    sort_plastic(db, yard, pet=100_000, film=0, residue=0)
    with pytest.raises(SortingError) as caught:
        _sell(
            db,
            yard,
            grams=None,
            weigh_out={"vehicle_id": yard.world.spare.id, "gross_g": 8_500_000, "tare_g": 8_000_000},
        )
    assert _fields(caught) == ["grams"] and db.exec(select(WeighTicket)).all() == []


def test_delivery_and_invoice_are_recorded_once(db, yard) -> None:
    """An invoice number is used once; a second invoice of a sale is refused."""
    sort_plastic(db, yard, pet=1_000_000, film=0, residue=0)
    first, second = _sell(db, yard), _sell(db, yard)
    sales.record_delivery(db, sale_id=first.id, delivered_on=yard.day)
    sales.record_invoice(
        db, sale_id=first.id, invoice_no="44030012", amount_fen=first.amount_fen, issued_on=yard.day
    )
    with pytest.raises(SortingError) as caught:
        sales.record_invoice(db, sale_id=second.id, invoice_no="44030012", amount_fen=1, issued_on=yard.day)
    assert _fields(caught) == ["invoice_no"]
    with pytest.raises(SortingError) as caught:
        sales.record_invoice(db, sale_id=first.id, invoice_no="44030013", amount_fen=-1, issued_on=yard.day)
    assert set(_fields(caught)) == {"sale_id", "amount_fen"}
    assert len(db.exec(select(SaleInvoice)).all()) == 1


def test_two_sales_of_the_last_tonne_at_once_sell_it_once(app, db, yard) -> None:
    """Eight threads each try to sell the only tonne: one succeeds, seven are refused."""
    sort_plastic(db, yard, pet=1_000_000, film=0, residue=0)
    start, outcomes = threading.Barrier(8), []

    def sell() -> None:
        with app.test_request_context(), Session(app.extensions["reloop.engine"]) as session:
            start.wait(timeout=30)
            try:
                _sell(session, yard, grams=1_000_000)
                outcomes.append("sold")
            except SortingError as exc:
                outcomes.append(exc.errors[0]["field"])

    threads = [threading.Thread(target=sell) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(outcomes) == ["grams"] * 7 + ["sold"]
    assert on_hand(db, yard.centre.id, db.exec(select(Sale)).one().grade_id) == 0
