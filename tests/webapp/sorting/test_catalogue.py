"""Editing the grade catalogue and a buyer's licence from the pages: changes logged with
before and after, refusals naming the field, and sales checked against the new licence."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from webapp.models import AuditRecord
from webapp.models.sorting import Buyer, BuyerMaterial, MaterialGrade
from webapp.sorting import licences, sales
from webapp.sorting.stock import SortingError


def _grade(db, code: str) -> MaterialGrade:
    db.expire_all()
    return db.exec(select(MaterialGrade).where(MaterialGrade.code == code)).one()


def test_a_grade_is_added_and_renamed_with_the_change_logged(client, auth, db, yard) -> None:
    """A new grade under its material; renaming and retiring it keeps the code; two log entries."""
    auth.login("dispatcher")
    added = client.post(
        "/sorting/grades",
        data={"code": "lvp_hdpe", "material": "low_value_plastic", "name_zh": "HDPE杂料", "sort_order": "40"},
    )
    assert added.status_code == 303
    grade = _grade(db, "lvp_hdpe")
    changed = client.post(
        "/sorting/grades", data={"grade_id": grade.id, "name_zh": "HDPE瓶料", "name_en": "HDPE bottles"}
    )
    assert changed.status_code == 303
    grade = _grade(db, "lvp_hdpe")
    assert (grade.name_zh, grade.active, grade.sort_order) == ("HDPE瓶料", False, 0)
    log = db.exec(select(AuditRecord).where(AuditRecord.object_type == "material_grade")).all()
    assert [r.action for r in log] == ["create", "update"] and log[1].before["name_zh"] == "HDPE杂料"
    assert "HDPE瓶料" in client.get("/sorting/grades").get_data(as_text=True)


def test_a_bad_grade_comes_back_422_naming_each_field(client, auth, db, yard) -> None:
    """A duplicate code and no Chinese name: 422, both fields named, nothing written."""
    auth.login("admin")
    before = len(db.exec(select(MaterialGrade)).all())
    response = client.post("/sorting/grades", data={"code": "lvp_pet", "material": "paper", "name_zh": " "})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'data-field="code"' in page and 'data-field="name_zh"' in page
    assert len(db.exec(select(MaterialGrade)).all()) == before


def test_a_renewed_licence_covers_new_materials_and_logs_the_old_one(client, auth, db, yard) -> None:
    """Metal added, paper dropped, expiry moved: the log keeps the old licence."""
    auth.login("dispatcher")
    expiry = yard.day + timedelta(days=730)
    response = client.post(
        f"/sorting/buyers/{yard.buyer.id}/licence",
        data={
            "licence_no": "粤深再生-2027-003",
            "licence_expiry": expiry.isoformat(),
            "materials": ["metal", "low_value_plastic"],
        },
    )
    assert response.status_code == 303
    db.expire_all()
    buyer = db.get(Buyer, yard.buyer.id)
    codes = {
        m.code
        for m in yard.world.materials.values()
        if m.id in set(db.exec(select(BuyerMaterial.material_id).where(BuyerMaterial.buyer_id == buyer.id)))
    }
    assert (buyer.licence_no, buyer.licence_expiry, codes) == (
        "粤深再生-2027-003",
        expiry,
        {"metal", "low_value_plastic"},
    )
    [entry] = db.exec(select(AuditRecord).where(AuditRecord.object_type == "buyer")).all()
    assert entry.before["licence_no"] == "粤深再生-2026-018" and entry.before["materials"] == [
        "low_value_plastic",
        "paper",
    ]
    assert licences.in_force(db, buyer.id, yard.day).materials == ["low_value_plastic", "metal"]


def test_a_licence_without_materials_or_expiry_is_refused_naming_them(client, auth, db, yard) -> None:
    """422 naming licence_expiry and materials; the licence is unchanged."""
    auth.login("admin")
    response = client.post(f"/sorting/buyers/{yard.buyer.id}/licence", data={"licence_no": "X-1"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'data-field="licence_expiry"' in page and 'data-field="materials"' in page
    db.expire_all()
    assert db.get(Buyer, yard.buyer.id).licence_no == "粤深再生-2026-018"


def test_an_expired_licence_renewed_lets_the_sale_through(db, yard) -> None:
    """A sale after the expiry is refused on the licence; after the renewal it is not refused on it."""
    from webapp.sorting import catalogue

    catalogue.renew_licence(
        db,
        buyer_id=yard.buyer.id,
        licence_no="L-1",
        licence_expiry=yard.day - timedelta(days=1),
        materials=["low_value_plastic"],
        actor_id=None,
    )
    with pytest.raises(SortingError) as refused:
        sales.record_sale(
            db, buyer_id=yard.buyer.id, facility_id=yard.centre.id, grade="lvp_pet", day=yard.day, grams=1000
        )
    assert "buyer_id" in {e["field"] for e in refused.value.errors}
    catalogue.renew_licence(
        db,
        buyer_id=yard.buyer.id,
        licence_no="L-2",
        licence_expiry=yard.day + timedelta(days=365),
        materials=["low_value_plastic"],
        actor_id=None,
    )
    with pytest.raises(SortingError) as again:  # no stock yet: refused on the weight, not the licence
        sales.record_sale(
            db, buyer_id=yard.buyer.id, facility_id=yard.centre.id, grade="lvp_pet", day=yard.day, grams=1000
        )
    assert "buyer_id" not in {e["field"] for e in again.value.errors}
