"""The sorting pages: a batch, a sale weighed out, its invoice, and refusals naming the field."""

from __future__ import annotations

from sqlmodel import select

from tests.webapp.sorting.conftest import sort_plastic
from webapp.models.sorting import Sale, SaleInvoice, SortingBatch


def test_the_weighbridge_operator_records_a_batch_from_the_form(client, auth, db, yard) -> None:
    """Kilograms typed become grams in stock; the stock table shows them."""
    auth.login("weighbridge")
    form = {
        "facility_id": yard.centre.id,
        "material": "low_value_plastic",
        "day": yard.day.isoformat(),
        "input_kg": "1000",
        "output-lvp_pet": "600.5",
        "output-lvp_film": "300",
        "residue_kg": "99.5",
    }
    response = client.post("/sorting/batches", data=form, follow_redirects=True)
    assert response.status_code == 200
    assert db.exec(select(SortingBatch)).one().input_g == 1_000_000
    assert "600.5" in response.get_data(as_text=True)


def test_an_unbalanced_batch_comes_back_422_naming_the_input(client, auth, db, yard) -> None:
    """A 10 % gap is refused with the field named and nothing stored."""
    auth.login("weighbridge")
    form = {
        "facility_id": yard.centre.id,
        "material": "low_value_plastic",
        "input_kg": "1000",
        "output-lvp_pet": "900",
    }
    response = client.post("/sorting/batches", data=form)
    assert response.status_code == 422 and 'data-field="input_kg"' in response.get_data(as_text=True)
    assert db.exec(select(SortingBatch)).all() == []


def test_a_sale_weighed_out_and_invoiced_from_the_pages(client, auth, db, yard) -> None:
    """Gross and tare typed at the sale; the invoice follows on the sale's page."""
    sort_plastic(db, yard, pet=1_000_000, film=0, residue=0)
    auth.login("weighbridge")
    form = {
        "buyer_id": yard.buyer.id,
        "facility_id": yard.centre.id,
        "grade": "lvp_pet",
        "day": yard.day.isoformat(),
        "vehicle_id": yard.world.spare.id,
        "gross_kg": "8500",
        "tare_kg": "8000",
    }
    response = client.post("/sorting/sales", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)
    sale = db.exec(select(Sale)).one()
    assert sale.grams == 500_000 and sale.amount_fen == 90_000
    invoice = {"invoice_no": "44031234", "invoice_yuan": "900.00", "issued_on": yard.day.isoformat()}
    page = client.post(f"/sorting/sales/{sale.id}/invoice", data=invoice, follow_redirects=True)
    assert "44031234" in page.get_data(as_text=True)
    assert db.exec(select(SaleInvoice)).one().amount_fen == 90_000


def test_a_sale_beyond_stock_comes_back_422_naming_the_weight(client, auth, db, yard) -> None:
    """More than in stock: 422, the weight field named, no sale."""
    sort_plastic(db, yard, pet=100_000, film=0, residue=0)
    auth.login("dispatcher")
    form = {
        "buyer_id": yard.buyer.id,
        "facility_id": yard.centre.id,
        "grade": "lvp_pet",
        "sale_kg": "100.001",
    }
    response = client.post("/sorting/sales", data=form)
    assert response.status_code == 422 and 'data-field="sale_kg"' in response.get_data(as_text=True)
    assert db.exec(select(Sale)).all() == []


def test_a_negative_price_comes_back_422(client, auth, yard) -> None:
    """The price form names the yuan field."""
    auth.login("dispatcher")
    form = {
        "buyer_id": yard.buyer.id,
        "grade": "lvp_pet",
        "yuan_per_t": "-5",
        "valid_from": yard.day.isoformat(),
    }
    response = client.post("/sorting/prices", data=form)
    assert response.status_code == 422 and 'data-field="yuan_per_t"' in response.get_data(as_text=True)


def test_a_driver_cannot_open_the_sorting_pages(client, auth, yard) -> None:
    """Drivers have no business with stock and sales."""
    auth.login("driver")
    assert client.get("/sorting/").status_code in (302, 403)


def test_the_dashboard_shows_the_mass_balance_with_links_to_the_tickets(client, auth, app, db, yard) -> None:
    """The indicators page has the mass-balance card; its weighed figure opens the tickets."""
    from tests.webapp.sorting.test_mass_balance import _world

    _world(app, db, yard)
    auth.login("dispatcher")
    day = yard.day.isoformat()
    page = client.get(f"/reports/?from={day}&to={day}").get_data(as_text=True)
    assert 'id="mass-balance"' in page and "kind=tickets" in page
    link = page[page.index("kind=tickets") :].split('"', 1)[0].replace("&amp;", "&")
    tickets = client.get(f"/reports/records?{link}")
    assert tickets.status_code == 200 and f"{yard.day.year}-000001" in tickets.get_data(as_text=True)
