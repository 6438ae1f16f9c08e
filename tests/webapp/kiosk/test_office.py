"""Back office: a kiosk registered from a page (its token shown once and working), the
rewards catalogue edited as versions (past exchanges keep their points), payables
marked as paid by a new row with the payment reference (never twice, never edited)."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import DatabaseError
from sqlmodel import Session, select

from tests.webapp.kiosk.world import kiosk_outlet
from webapp.kiosk import ledger, office, redeem
from webapp.kiosk.operations import Limits
from webapp.models import Outlet
from webapp.models.points import Kiosk, PayablePayment, Redemption, RewardItem, RewardVersion

LIMITS = Limits()
AT = datetime.now(UTC) - timedelta(hours=1)


def _credit(db: Session, resident, kg: int) -> None:
    ledger.credit_for_collection(db, resident.id, "paper", kg * 1000, f"collection:{resident.id}:{kg}", AT)
    db.commit()


def _kiosk_outlet(db: Session, code: str = "K-101") -> Outlet:
    outlet = kiosk_outlet(db, code=code, name="回收亭")
    db.commit()
    return outlet


def test_an_admin_registers_a_kiosk_and_its_token_posts_deposits(client, auth, db, prices, resident) -> None:
    """The page shows the token once (201); it authenticates the kiosk API; the outlet leaves the list."""
    outlet = _kiosk_outlet(db)
    auth.login("admin")
    page = client.get("/kiosk/office/kiosks").get_data(as_text=True)
    assert f'value="{outlet.id}"' in page
    answer = client.post("/kiosk/office/kiosks", data={"outlet": str(outlet.id), "serial": "SN-101"})
    assert answer.status_code == 201
    token = re.search(r'id="token-text">([^<]+)<', answer.get_data(as_text=True)).group(1)
    assert db.exec(select(Kiosk).where(Kiosk.serial == "SN-101")).one().outlet_id == outlet.id
    assert token not in client.get("/kiosk/office/kiosks").get_data(as_text=True)
    client.get("/logout")
    body = {
        "deposit_id": "office-1",
        "resident_card": resident.card_no,
        "material": "paper",
        "grams": 2000,
        "kiosk_time": (datetime.now(UTC) - timedelta(minutes=5)).isoformat(timespec="seconds"),
        "photo_sha256": hashlib.sha256(b"office photo").hexdigest(),
    }
    posted = client.post("/api/v1/kiosk/deposits", json=body, headers={"Authorization": f"Bearer {token}"})
    assert posted.status_code == 201, posted.get_json()
    assert ledger.balance(db, resident.id) == 20


def test_registering_twice_or_a_non_kiosk_outlet_is_refused(client, auth, db) -> None:
    """The same outlet again and a serial in use: 422 naming the field, no second kiosk."""
    outlet = _kiosk_outlet(db)
    auth.login("admin")
    assert (
        client.post("/kiosk/office/kiosks", data={"outlet": str(outlet.id), "serial": "SN-7"}).status_code
        == 201
    )
    again = client.post("/kiosk/office/kiosks", data={"outlet": str(outlet.id), "serial": "SN-8"})
    assert again.status_code == 422 and 'data-field="outlet"' in again.get_data(as_text=True)
    other = _kiosk_outlet(db, "K-102")
    reused = client.post("/kiosk/office/kiosks", data={"outlet": str(other.id), "serial": "SN-7"})
    assert reused.status_code == 422 and 'data-field="serial"' in reused.get_data(as_text=True)
    assert len(db.exec(select(Kiosk)).all()) == 1


def test_new_terms_are_a_version_and_past_exchanges_keep_their_points(
    client, auth, db, prices, resident
) -> None:
    """Soap at 50 then 80 points: the first exchange took 50, the next takes 80; the item row
    is untouched and the history lists the version."""
    _credit(db, resident, 20)
    auth.login("admin")
    added = client.post(
        "/kiosk/office/catalogue/goods",
        data={
            "code": "soap",
            "name_zh": "肥皂",
            "name_en": "Soap",
            "points": "50",
            "active": "1",
            "stock": "5",
        },
    )
    assert added.status_code == 303
    first = redeem.exchange(db, resident, "soap", limits=LIMITS)
    db.commit()
    changed = client.post(
        "/kiosk/office/catalogue/versions",
        data={
            "item": "soap",
            "name_zh": "香皂",
            "name_en": "Soap",
            "points": "80",
            "monthly_limit": "3",
            "active": "1",
        },
    )
    assert changed.status_code == 303
    second = redeem.exchange(db, resident, "soap", limits=LIMITS)
    db.commit()
    assert (first.points, second.points) == (50, 80)
    item = db.exec(select(RewardItem).where(RewardItem.code == "soap")).one()
    assert (item.points, item.name_zh) == (50, "肥皂")
    assert office.terms(db, item).monthly_limit == 3
    page = client.get("/kiosk/office/catalogue").get_data(as_text=True)
    assert "香皂" in page and 'id="good-soap"' in page
    assert db.get(Redemption, first.id).points == 50


def test_withdrawn_goods_cannot_be_exchanged_and_bad_terms_name_the_field(
    client, auth, db, prices, resident
) -> None:
    """A version with 'offered' unticked withdraws the good; zero points is refused on points."""
    _credit(db, resident, 20)
    db.add(RewardItem(code="bag", name_zh="环保袋", name_en="Bag", points=10))
    db.commit()
    redeem.add_stock(db, "bag", 5)
    db.commit()
    auth.login("admin")
    bad = client.post(
        "/kiosk/office/catalogue/versions", data={"item": "bag", "name_zh": "袋", "points": "0"}
    )
    assert bad.status_code == 422 and 'data-field="points"' in bad.get_data(as_text=True)
    past = (datetime.now(UTC) - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    old = client.post(
        "/kiosk/office/catalogue/versions",
        data={"item": "bag", "name_zh": "袋", "points": "5", "valid_from": past},
    )
    assert old.status_code == 422 and 'data-field="valid_from"' in old.get_data(as_text=True)
    withdrawn = client.post(
        "/kiosk/office/catalogue/versions", data={"item": "bag", "name_zh": "环保袋", "points": "10"}
    )
    assert withdrawn.status_code == 303
    with pytest.raises(ledger.LedgerError) as caught:
        redeem.exchange(db, resident, "bag", limits=LIMITS)
    assert caught.value.field == "item"
    db.rollback()
    assert len(db.exec(select(RewardVersion)).all()) == 1


def test_a_payable_is_marked_paid_once_with_its_reference(client, auth, db, prices, resident) -> None:
    """Paid with a reference (a new row); again: 422 on payable; no reference: 422 on reference."""
    _credit(db, resident, 20)
    payable = redeem.cash_out(db, resident, 150, limits=LIMITS)
    db.commit()
    auth.login("admin")
    today = datetime.now(UTC).date().isoformat()
    blank = client.post(
        f"/kiosk/office/payables/{payable.id}/paid", data={"reference": " ", "paid_on": today}
    )
    assert blank.status_code == 422 and 'data-field="reference"' in blank.get_data(as_text=True)
    paid = client.post(
        f"/kiosk/office/payables/{payable.id}/paid", data={"reference": "TX-20261204-7", "paid_on": today}
    )
    assert paid.status_code == 303
    again = client.post(
        f"/kiosk/office/payables/{payable.id}/paid", data={"reference": "TX-2", "paid_on": today}
    )
    assert again.status_code == 422 and 'data-field="payable"' in again.get_data(as_text=True)
    rows = db.exec(select(PayablePayment)).all()
    assert [(r.payable_id, r.reference) for r in rows] == [(payable.id, "TX-20261204-7")]
    assert "TX-20261204-7" in client.get("/kiosk/office/payables").get_data(as_text=True)


def test_a_payment_row_cannot_be_edited_in_the_database(db, prices, resident) -> None:
    """The payments table is append-only: an UPDATE is refused by the database."""
    _credit(db, resident, 20)
    payable = redeem.cash_out(db, resident, 100, limits=LIMITS)
    db.commit()
    payment = office.mark_paid(
        db, payable.id, reference="TX-9", paid_on=datetime.now(UTC).date(), actor_id=None
    )
    db.commit()
    payment.reference = "TX-changed"
    db.add(payment)
    with pytest.raises(DatabaseError):
        db.commit()
    db.rollback()


def test_the_office_pages_read_in_chinese(client, auth, db, prices, resident) -> None:
    """Kiosk registration, catalogue (with a good and a version) and payables: no English words."""
    from tests.webapp.test_chinese_pages import foreign_words, visible_text

    _kiosk_outlet(db)
    _credit(db, resident, 20)
    redeem.cash_out(db, resident, 100, limits=LIMITS)
    db.add(RewardItem(code="tote_bag", name_zh="环保购物袋", name_en="Tote bag", points=300))
    db.commit()
    auth.login("admin")
    client.get("/lang/zh")
    client.post(
        "/kiosk/office/catalogue/versions", data={"item": "tote_bag", "name_zh": "购物袋", "points": "250"}
    )
    for url in ("/kiosk/office/kiosks", "/kiosk/office/catalogue", "/kiosk/office/payables", "/kiosk/"):
        page = client.get(url)
        assert page.status_code == 200, url
        words = foreign_words(visible_text(page.get_data(as_text=True)))
        assert [w for w in words if w != "user"] == [], url  # "admin user": the test login's own name
