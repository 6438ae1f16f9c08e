"""The technician's pages: spec, regrouping, swap, confirmation, label, order, shipping."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from sqlmodel import Session, func, select

from webapp.models import TraceEventRow
from webapp.models.cascade import CascadeProduct, ProductSpec, RegroupProposal

from ..conftest import AuthActions
from .conftest import Spec, Stocker

SPEC_FORM = {
    "name": "储能包 4S",
    "product_type": "储能电池包",
    "chemistry": "B",
    "series_count": "4",
    "parallel_count": "1",
    "target_capacity_ah": "90",
    "nominal_voltage_v": "12.8",
    "max_capacity_spread_pct": "3",
    "max_resistance_spread_pct": "10",
    "max_ocv_spread_mv": "50",
    "warranty_months": "36",
}


def test_a_bad_spec_is_refused_naming_each_field(client: FlaskClient, auth: AuthActions, db: Session) -> None:
    """A negative spread and an unknown chemistry: 422, both named, no spec saved."""
    auth.login("technician")
    form = {**SPEC_FORM, "chemistry": "Q", "max_capacity_spread_pct": "-1"}
    response = client.post("/cascade/specs", data=form)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'data-field="chemistry"' in html and 'data-field="max_capacity_spread_pct"' in html
    assert db.exec(select(func.count()).select_from(ProductSpec)).one() == 0


def test_a_technician_builds_labels_and_ships(
    client: FlaskClient, auth: AuthActions, db: Session, stocker: Stocker
) -> None:
    """Spec, run, a refused swap named, confirm two products, label, e-bike refused, ship."""
    codes = stocker(
        [Spec(c) for c in (100_000, 100_500, 101_000, 101_500, 110_000, 110_500, 111_000, 111_500)]
    )
    (foreign,) = stocker([Spec(100_200, chemistry="E")])
    auth.login("technician")
    assert client.post("/cascade/specs", data=SPEC_FORM).status_code == 302
    spec = db.exec(select(ProductSpec)).one()
    assert spec.max_capacity_spread_bp == 300 and spec.nominal_voltage_mv == 12_800
    run = client.post("/cascade/regroup", data={"spec_id": spec.id, "time_limit_s": "5"})
    assert run.status_code == 302
    proposal = db.exec(select(RegroupProposal)).one()
    page = client.get(run.location).get_data(as_text=True)
    assert all(code in page for code in codes) and "spread-capacity" in page
    refused = client.post(
        f"/cascade/proposals/{proposal.id}/swap",
        data={"group": "1", "out_code": proposal.groups[0][0], "in_code": foreign},
    )
    assert refused.status_code == 422 and foreign in refused.get_data(as_text=True)
    form = {"build": ["1", "2"]}
    for n in ("1", "2"):
        form |= {f"capacity_ah_{n}": "98.5", f"energy_kwh_{n}": "1.26", f"equipment_{n}": "EOL-1"}
    confirmed = client.post(f"/cascade/proposals/{proposal.id}/confirm", data=form)
    assert confirmed.status_code == 302
    products = db.exec(select(CascadeProduct)).all()
    assert len(products) == 2 and {p.rated_energy_wh for p in products} == {1260}
    label = client.get(f"/cascade/products/{products[0].code}/label").get_data(as_text=True)
    assert "梯次利用" in label and products[0].code in label and products[0].short_code in label
    assert "<svg" in label and f"/passport/{products[0].code}" in label
    bike = client.post(
        "/cascade/orders", data={"customer": "某车行", "application": "e_bike", "quantity": "1", "site": "x"}
    )
    assert bike.status_code == 422 and "电动自行车" in bike.get_data(as_text=True)
    order = client.post(
        "/cascade/orders",
        data={
            "customer": "某储能公司",
            "application": "energy_storage",
            "quantity": "2",
            "site": "南山储能站",
        },
    )
    assert order.status_code == 302
    shipped = client.post(order.location + "/ship", data={"codes": [p.code for p in products]})
    assert shipped.status_code == 302
    events = db.exec(select(TraceEventRow.kind).where(TraceEventRow.kind == "cascade_shipped")).all()
    assert len(events) == 2
    order_page = client.get(order.location).get_data(as_text=True)
    assert len(re.findall(r'<td class="due">\d{4}-\d\d-\d\d · ', order_page)) == 2
    product_page = client.get(f"/cascade/products/{products[0].code}").get_data(as_text=True)
    assert "南山储能站" in product_page and re.search(r"S01MBA1\d{7}K11\d{7}", product_page)


def test_dispatchers_see_stock_but_cannot_build(client: FlaskClient, auth: AuthActions, db: Session) -> None:
    """A dispatcher reads the stock page; running the engine is refused."""
    auth.login("dispatcher")
    assert client.get("/cascade/").status_code == 200
    assert client.post("/cascade/regroup", data={"spec_id": "1"}).status_code == 403
