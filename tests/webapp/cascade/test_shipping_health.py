"""Orders, shipping, health readings in service and take-back of cascade products."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session, select

from webapp.api import tokens
from webapp.cascade import operations, shipping
from webapp.cascade.operations import CascadeError, EndOfLineTest
from webapp.models import Battery, TokenKind, TraceEventRow
from webapp.models.cascade import CascadeProduct, HealthReading, ProductSpec

from .conftest import Spec, Stocker

EOL = EndOfLineTest(capacity_mah=98_000, energy_wh=1254, equipment="EOL-1")
URL = "/api/v1/cascade/health-readings"
BASE = (datetime.now(UTC) - timedelta(days=40)).replace(microsecond=0)


@pytest.fixture
def products(db: Session, stocker: Stocker, spec: ProductSpec) -> list[CascadeProduct]:
    """Two products built from eight matched modules."""
    stocker([Spec(c) for c in (100_000, 100_500, 101_000, 101_500, 110_000, 110_500, 111_000, 111_500)])
    proposal = operations.run_proposal(db, spec, actor_id=None)
    return operations.confirm(db, proposal, {0: EOL, 1: EOL}, actor_id=None)


def _order(db: Session, application: str = "energy_storage", quantity: int = 2) -> shipping.CustomerOrder:
    data = {
        "customer": "某储能公司",
        "application": application,
        "quantity": str(quantity),
        "site": "南山储能站",
    }
    return shipping.create_order(db, data, actor_id=None)


def test_an_e_bike_order_is_refused_with_the_reason(db: Session) -> None:
    """Cascade products never go into electric bicycles: the field and the reason are named."""
    with pytest.raises(CascadeError) as caught:
        _order(db, "e_bike")
    field, message = caught.value.errors[0]
    assert field == "application" and "电动自行车" in message and "electric bicycles" in message


def test_shipping_records_the_event_and_the_site(db: Session, products: list[CascadeProduct]) -> None:
    """出库 writes one cascade_shipped event per product; the product is then in service."""
    order = _order(db)
    shipments = shipping.ship(db, order, [p.code for p in products], actor_id=None)
    assert [s.site for s in shipments] == ["南山储能站", "南山储能站"]
    for product in products:
        event = db.exec(
            select(TraceEventRow).where(
                TraceEventRow.battery_code == product.code, TraceEventRow.kind == "cascade_shipped"
            )
        ).one()
        assert event.payload["customer"] == "某储能公司" and event.payload["to_location"] == "南山储能站"
        assert db.exec(select(Battery.status).where(Battery.code == product.code)).one() == "in_service"
    with pytest.raises(CascadeError) as caught:
        shipping.ship(db, _order(db), [products[0].code], actor_id=None)
    assert products[0].code in str(caught.value)


def test_shipping_more_than_ordered_is_refused(db: Session, products: list[CascadeProduct]) -> None:
    """An order for one product does not ship two; nothing is written."""
    order = _order(db, quantity=1)
    before = len(db.exec(select(TraceEventRow)).all())
    with pytest.raises(CascadeError):
        shipping.ship(db, order, [p.code for p in products], actor_id=None)
    assert len(db.exec(select(TraceEventRow)).all()) == before


def _reading(code: str, reading_id: str, *, soh: float, days: int, temp: float = 30.0) -> dict:
    taken = BASE + timedelta(days=days)
    return {
        "reading_id": reading_id,
        "product_code": code,
        "taken_at": taken.isoformat(),
        "soh_pct": soh,
        "cycles": 10 * days,
        "max_temperature_c": temp,
        "alarms": [],
    }


def test_health_readings_are_idempotent_and_raise_anomalies(
    client: FlaskClient, db: Session, products: list[CascadeProduct]
) -> None:
    """Same id and body: 200 and the same result; other body: 409 naming it; fast falls flagged."""
    shipping.ship(db, _order(db), [p.code for p in products], actor_id=None)
    _row, token = tokens.issue(db, name="某储能公司", kind=TokenKind.CASCADE_CUSTOMER, org_id=None)
    db.commit()
    headers = {"Authorization": f"Bearer {token}"}
    code = products[0].code
    first = client.post(URL, json=_reading(code, "r-1", soh=84.0, days=0), headers=headers)
    assert first.status_code == 201 and first.json["anomaly"] is None
    again = client.post(URL, json=_reading(code, "r-1", soh=84.0, days=0), headers=headers)
    assert again.status_code == 200 and again.json == {**first.json, "created": False}
    other = client.post(URL, json=_reading(code, "r-1", soh=80.0, days=0), headers=headers)
    assert other.status_code == 409 and other.json["errors"][0]["field"] == "reading_id"
    assert "r-1" in other.json["errors"][0]["message"]
    fall = client.post(URL, json=_reading(code, "r-2", soh=79.0, days=30), headers=headers)
    assert fall.json["anomaly"] == "soh_fall"
    hot = client.post(URL, json=_reading(code, "r-3", soh=79.0, days=31, temp=61.5), headers=headers)
    assert hot.json["anomaly"] == "over_temperature"
    assert len(db.exec(select(HealthReading)).all()) == 3


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"soh_pct": 101}, "soh_pct"),
        ({"soh_pct": "high"}, "soh_pct"),
        ({"cycles": -1}, "cycles"),
        ({"taken_at": "yesterday"}, "taken_at"),
        ({"alarms": "smoke"}, "alarms"),
        ({"colour": "red"}, "colour"),
        ({"product_code": "S01MBA10000001K110000001"}, "product_code"),
    ],
)
def test_bad_health_readings_are_refused_naming_the_field(
    client: FlaskClient, db: Session, products: list[CascadeProduct], change: dict, field: str
) -> None:
    """SOH over 100 %, negative cycles, a unit that is no product...: 422 naming the field."""
    shipping.ship(db, _order(db), [p.code for p in products], actor_id=None)
    _row, token = tokens.issue(db, name="某储能公司", kind=TokenKind.CASCADE_CUSTOMER, org_id=None)
    db.commit()
    body = {**_reading(products[0].code, "bad-1", soh=80, days=1), **change}
    response = client.post(URL, json=body, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 422
    assert field in [e["field"] for e in response.json["errors"]]
    assert db.exec(select(HealthReading)).all() == []


def test_a_customer_reports_only_on_its_own_products(
    client: FlaskClient, db: Session, products: list[CascadeProduct]
) -> None:
    """Another customer's token can neither post for the product nor read a reading back: 403/409."""
    shipping.ship(db, _order(db), [p.code for p in products], actor_id=None)
    _row, own = tokens.issue(db, name="某储能公司", kind=TokenKind.CASCADE_CUSTOMER, org_id=None)
    _row, other = tokens.issue(db, name="另一家公司", kind=TokenKind.CASCADE_CUSTOMER, org_id=None)
    db.commit()
    code = products[0].code
    refused = client.post(
        URL, json=_reading(code, "x-1", soh=84.0, days=0), headers={"Authorization": f"Bearer {other}"}
    )
    assert refused.status_code == 403 and refused.json["errors"][0]["field"] == "product_code"
    assert db.exec(select(HealthReading)).all() == []
    body = _reading(code, "x-2", soh=84.0, days=0)
    assert client.post(URL, json=body, headers={"Authorization": f"Bearer {own}"}).status_code == 201
    resent = client.post(URL, json=body, headers={"Authorization": f"Bearer {other}"})
    assert resent.status_code == 409 and "soh" not in resent.get_data(as_text=True).lower()
    assert len(db.exec(select(HealthReading)).all()) == 1


def test_take_back_closes_the_mass_balance(db: Session, products: list[CascadeProduct]) -> None:
    """cascade_retired, receipt and recycled with output masses; outputs over input refused."""
    shipping.ship(db, _order(db), [products[0].code], actor_id=None)
    product = products[0]
    bad = {
        "input_mass_g": "1000",
        "li_g": "900",
        "ni_g": "200",
        "co_g": "0",
        "mn_g": "0",
        "electrode_powder_g": "0",
    }
    with pytest.raises(CascadeError) as caught:
        shipping.take_back(db, product, bad, recycler=product.producer, actor_id=None)
    assert caught.value.errors[0][0] == "input_mass_g"
    good = {**bad, "input_mass_g": str(product.mass_g), "li_g": "900", "ni_g": "3000", "reason": "容量衰减"}
    shipping.take_back(db, product, good, recycler=product.producer, actor_id=None)
    kinds = db.exec(
        select(TraceEventRow.kind)
        .where(TraceEventRow.battery_code == product.code)
        .order_by(TraceEventRow.seq)
    ).all()
    assert kinds == ["regrouped", "cascade_shipped", "cascade_retired", "received_by_enterprise", "recycled"]
    assert db.exec(select(Battery.status).where(Battery.code == product.code)).one() == "recycled"


def test_cli_issues_a_customer_token_that_posts(runner, client: FlaskClient, db: Session, products) -> None:  # type: ignore[no-untyped-def]
    """`reloop cascade customer-token NAME` prints a token the health API takes; no name is refused."""
    shipping.ship(db, _order(db), [products[0].code], actor_id=None)
    result = runner.invoke(args=["cascade", "customer-token", "某储能公司"])
    assert result.exit_code == 0, result.output
    token = result.output.strip().rsplit(" ", 1)[-1]
    response = client.post(
        URL,
        json=_reading(products[0].code, "cli-1", soh=90, days=1),
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 201
    assert runner.invoke(args=["cascade", "customer-token", " "]).exit_code != 0
