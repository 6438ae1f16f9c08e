"""The regulator's read-only view of cascade products: lineage with tests and spreads, anomalies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask.testing import FlaskClient
from sqlmodel import Session

from webapp.api import tokens
from webapp.cascade import operations, shipping
from webapp.cascade.operations import EndOfLineTest
from webapp.models import TokenKind
from webapp.models.cascade import ProductSpec

from ..conftest import AuthActions
from .conftest import Spec, Stocker


def test_regulator_sees_sources_tests_spreads_and_health_anomalies(
    client: FlaskClient, auth: AuthActions, db: Session, stocker: Stocker, spec: ProductSpec
) -> None:
    """The product's page lists every source with its test, the spreads; an overheated reading is listed."""
    codes = stocker([Spec(c) for c in (100_000, 100_500, 101_000, 101_500)])
    proposal = operations.run_proposal(db, spec, actor_id=None)
    (product,) = operations.confirm(db, proposal, {0: EndOfLineTest(98_000, 1254, "EOL-1")}, actor_id=None)
    order = shipping.create_order(
        db, {"customer": "c", "application": "telecom_backup", "quantity": "1", "site": "基站"}, actor_id=None
    )
    shipping.ship(db, order, [product.code], actor_id=None)
    _row, token = tokens.issue(db, name="c", kind=TokenKind.CASCADE_CUSTOMER, org_id=None)
    db.commit()
    body = {
        "reading_id": "hot-1",
        "product_code": product.code,
        "taken_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
        "soh_pct": 82.5,
        "cycles": 40,
        "max_temperature_c": 63,
        "alarms": ["over_temperature"],
    }
    posted = client.post(
        "/api/v1/cascade/health-readings", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    assert posted.status_code == 201
    auth.login("regulator")
    page = client.get(f"/audit/batteries/{product.code}").get_data(as_text=True)
    assert 'id="cascade-product"' in page and 'id="audit-spreads"' in page
    assert all(code in page for code in codes) and "cycler-1" in page
    assert f"{product.capacity_spread_bp / 100:.2f} %" in page
    source_page = client.get(f"/audit/batteries/{codes[0]}").get_data(as_text=True)
    assert product.code in source_page and 'class="current"' in source_page
    anomalies = client.get("/audit/anomalies").get_data(as_text=True)
    assert 'id="cascade_health"' in anomalies and "hot-1" in anomalies


def test_source_codes_on_the_passport_are_for_staff_and_regulators_only(
    client: FlaskClient, auth: AuthActions, db: Session, stocker: Stocker, spec: ProductSpec
) -> None:
    """A visitor sees the product's passport without its sources; technician and regulator see them."""
    codes = stocker([Spec(c) for c in (100_000, 100_500, 101_000, 101_500)])
    proposal = operations.run_proposal(db, spec, actor_id=None)
    (product,) = operations.confirm(db, proposal, {0: EndOfLineTest(98_000, 1254, "EOL-1")}, actor_id=None)
    public = client.get(f"/passport/{product.code}").get_data(as_text=True)
    assert product.code in public and not any(code in public for code in codes)
    assert "sourceBatteries" not in public
    for role in ("technician", "regulator"):
        auth.login(role)
        page = client.get(f"/passport/{product.code}").get_data(as_text=True)
        assert all(code in page for code in codes), role
        auth.logout()
