"""Cascade rows belong to an organisation: set when made, filled by migration 0026, scoped in metrics."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from traceability import CHINA_TZ
from webapp.cascade import operations, shipping
from webapp.cascade.operations import EndOfLineTest
from webapp.db import make_engine, scratch_postgres, upgrade
from webapp.metrics import workshop
from webapp.metrics.figures import Scope
from webapp.models import Organisation
from webapp.models.cascade import ProductSpec, ProductUnit, Shipment

from .conftest import Spec, Stocker


def _org(db: Session, name: str) -> int:
    org = Organisation(name=name)
    db.add(org)
    db.commit()
    assert org.id is not None
    return org.id


def test_rows_made_by_a_workshop_carry_its_organisation(
    db: Session, stocker: Stocker, spec: ProductSpec
) -> None:
    """Proposal, product, its units, order and shipment all get the maker's org_id."""
    org = _org(db, "绿环梯次利用")
    stocker([Spec(c) for c in (100_000, 100_500, 101_000, 101_500)])
    proposal = operations.run_proposal(db, spec, actor_id=None, org_id=org)
    [product] = operations.confirm(
        db, proposal, {0: EndOfLineTest(98_000, 1254, "E")}, actor_id=None, org_id=org
    )
    order = shipping.create_order(
        db,
        {"customer": "c", "application": "energy_storage", "quantity": "1", "site": "s"},
        actor_id=None,
        org_id=org,
    )
    shipping.ship(db, order, [product.code], actor_id=None, org_id=org)
    units = db.exec(select(ProductUnit).where(ProductUnit.product_id == product.id)).all()
    shipment = db.exec(select(Shipment).where(Shipment.product_id == product.id)).one()
    assert (proposal.org_id, product.org_id, order.org_id, shipment.org_id) == (org, org, org, org)
    assert {u.org_id for u in units} == {org}


def test_workshop_metrics_count_only_the_scoped_organisations_products(
    db: Session, stocker: Stocker, spec: ProductSpec
) -> None:
    """Scoped to another organisation, the products built are not counted; unscoped they are."""
    mine, other = _org(db, "绿环梯次利用"), _org(db, "别家企业")
    stocker([Spec(c) for c in (100_000, 100_500, 101_000, 101_500)])
    proposal = operations.run_proposal(db, spec, actor_id=None, org_id=mine)
    operations.confirm(db, proposal, {0: EndOfLineTest(98_000, 1254, "E")}, actor_id=None, org_id=mine)
    today = datetime.now(CHINA_TZ).date()
    built = {
        org: workshop.compute(db, Scope(date(2026, 1, 1), today, org)).products_built.value
        for org in (None, mine, other)
    }
    assert built == {None: 1, mine: 1, other: 0}


@pytest.fixture
def blank_database(tmp_path) -> Iterator[str]:
    """An empty database on this run's backend, migrated by the test itself."""
    server = os.environ.get("DATABASE_URL")
    if not server or server.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'upgrade.db'}"
        return
    with scratch_postgres(server, prefix="reloop_cascade_org", migrate=False) as url:
        yield url


_SPEC = (
    "INSERT INTO cascade_product_spec (name, product_type, chemistry, series_count, parallel_count, "
    "target_capacity_mah, nominal_voltage_mv, max_capacity_spread_bp, max_resistance_spread_bp, "
    "max_ocv_spread_mv, warranty_months, active, created_at) "
    "VALUES (:name, '', 'B', 4, 1, 0, 12800, 300, 1000, 50, 36, :yes, :at)"
)


def test_migration_0026_fills_org_id_from_makers_then_the_only_organisation(blank_database: str) -> None:
    """An order takes its maker's organisation; a spec with no other clue takes the only one."""
    upgrade(blank_database, "0025")
    engine = make_engine(blank_database)
    at = datetime(2026, 11, 1, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO organisation (id, name, created_at) VALUES (7, '绿环', :at)"), {"at": at}
        )
        conn.execute(
            text(
                'INSERT INTO "user" (id, org_id, username, display_name, password_hash, role, active, '
                "created_at) VALUES (3, 7, 'tech', 'tech', 'x', 'admin', :yes, :at)"
            ),
            {"at": at, "yes": True},
        )
        conn.execute(text(_SPEC), {"name": "16S", "at": at, "yes": True})
        conn.execute(
            text(
                "INSERT INTO cascade_order (customer, application, quantity, site, note, created_by_id, "
                "created_at) VALUES ('c', 'energy_storage', 1, 's', '', 3, :at)"
            ),
            {"at": at},
        )
    upgrade(blank_database, "0026")
    with engine.connect() as conn:
        orders = conn.execute(text("SELECT org_id FROM cascade_order")).scalars().all()
        specs = conn.execute(text("SELECT org_id FROM cascade_product_spec")).scalars().all()
    engine.dispose()
    assert orders == [7] and specs == [7]
