"""Buyers' licences kept as history: each sale is checked against the licence in force on
its day, the licence page lists every licence, rows are never edited, and migration 0028
copies the licences buyers had into the history."""

from __future__ import annotations

import json
import os
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlmodel import select

from tests.webapp.sorting.conftest import sort_plastic
from webapp.db import scratch_postgres, upgrade
from webapp.models.sorting import BuyerLicence
from webapp.sorting import catalogue, licences, sales
from webapp.sorting.stock import SortingError


def _sell(db, yard, day):
    return sales.record_sale(
        db, buyer_id=yard.buyer.id, facility_id=yard.centre.id, grade="lvp_pet", day=day, grams=100_000
    )


def _renew(db, yard, *, valid_from, expiry_days=365, materials=("paper",)):
    catalogue.renew_licence(
        db,
        buyer_id=yard.buyer.id,
        licence_no="粤深再生-2027-044",
        licence_expiry=yard.day + timedelta(days=expiry_days),
        materials=list(materials),
        valid_from=valid_from,
        note="换证",
        actor_id=None,
    )


def test_a_sale_before_a_renewal_is_checked_against_the_old_licence(db, yard) -> None:
    """Plastics dropped from tomorrow: today's sale passes, tomorrow's is refused on the grade."""
    sort_plastic(db, yard, pet=1_000_000, film=0, residue=0)
    _renew(db, yard, valid_from=yard.day + timedelta(days=1))
    assert _sell(db, yard, yard.day).grams == 100_000
    with pytest.raises(SortingError) as refused:
        _sell(db, yard, yard.day + timedelta(days=1))
    assert [e["field"] for e in refused.value.errors] == ["grade"]


def test_a_licence_expired_on_the_sale_day_is_refused_naming_its_expiry(db, yard) -> None:
    """A correction from 10 days ago expiring 5 days ago refuses today naming the day; older days pass."""
    sort_plastic(db, yard, pet=1_000_000, film=0, residue=0)
    _renew(
        db, yard, valid_from=yard.day - timedelta(days=10), expiry_days=-5, materials=("low_value_plastic",)
    )
    with pytest.raises(SortingError) as refused:
        _sell(db, yard, yard.day)
    [error] = refused.value.errors
    assert error["field"] == "buyer_id" and (yard.day - timedelta(days=5)).isoformat() in error["message"]
    assert _sell(db, yard, yard.day - timedelta(days=20)).grams == 100_000


def test_a_sale_before_the_first_licence_is_refused_on_the_buyer(db, yard) -> None:
    """The buyer's first licence runs from 30 days ago: a sale 31 days ago names buyer_id."""
    sort_plastic(db, yard, pet=1_000_000, film=0, residue=0)
    with pytest.raises(SortingError) as refused:
        _sell(db, yard, yard.day - timedelta(days=31))
    assert "buyer_id" in [e["field"] for e in refused.value.errors]


def test_the_licence_page_lists_every_licence_newest_first(client, auth, db, yard) -> None:
    """A renewal from the page adds a row with its day, recorder and note; the first stays below."""
    auth.login("dispatcher")
    response = client.post(
        f"/sorting/buyers/{yard.buyer.id}/licence",
        data={
            "licence_no": "粤深再生-2027-044",
            "licence_expiry": (yard.day + timedelta(days=700)).isoformat(),
            "valid_from": yard.day.isoformat(),
            "materials": ["paper"],
            "note": "年检换证",
        },
    )
    assert response.status_code == 303
    page = client.get(f"/sorting/buyers/{yard.buyer.id}/licence").get_data(as_text=True)
    table = page[page.index('id="licence-history"') :]
    assert table.index("粤深再生-2027-044") < table.index("粤深再生-2026-018")
    assert "dispatcher user" in table and "年检换证" in table
    assert [r.licence_no for r in licences.history(db, yard.buyer.id)] == [
        "粤深再生-2027-044",
        "粤深再生-2026-018",
    ]


def test_a_licence_row_cannot_be_edited_in_the_database(db, yard) -> None:
    """An UPDATE of the history fails in the database itself."""
    with pytest.raises(DBAPIError):
        db.exec(sa.text("UPDATE buyer_licence SET licence_no = 'X'"))  # type: ignore[call-overload]
    db.rollback()
    assert db.exec(select(BuyerLicence.licence_no)).all() == ["粤深再生-2026-018"]


def _migrate(url: str) -> None:
    upgrade(url, "0027")
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO material (code, name_zh, name_en, low_value, density_kg_m3, price_fen_per_kg,"
            " sort_order, active) VALUES ('paper', '纸', 'Paper', false, 100, 0, 1, true),"
            " ('glass', '玻璃', 'Glass', true, 100, 0, 2, true)"
        )
        conn.exec_driver_sql(
            "INSERT INTO buyer (name, licence_no, licence_expiry, active, created_at)"
            " VALUES ('甲', 'L-7', '2027-03-01', true, '2026-11-20 08:00:00+00:00')"
        )
        conn.exec_driver_sql(
            "INSERT INTO buyer_material (buyer_id, material_id) SELECT b.id, m.id FROM buyer b, material m"
        )
    upgrade(url, "0028")
    with engine.connect() as conn:
        row = conn.execute(sa.text("SELECT * FROM buyer_licence")).mappings().one()
    engine.dispose()
    materials = row["materials"] if isinstance(row["materials"], list) else json.loads(row["materials"])
    assert (row["licence_no"], str(row["licence_expiry"]), str(row["valid_from"]), sorted(materials)) == (
        "L-7",
        "2027-03-01",
        "2026-11-20",
        ["glass", "paper"],
    )


def test_migration_copies_each_buyers_licence_into_the_history(tmp_path) -> None:
    """A buyer registered before 0028 gets one history row: its number, expiry, materials, from its day."""
    server = os.environ.get("DATABASE_URL", "")
    if server.startswith("postgresql"):
        with scratch_postgres(server, prefix="reloop_mig", migrate=False) as url:
            _migrate(url)
    else:
        _migrate(f"sqlite:///{tmp_path / 'migrate.db'}")
