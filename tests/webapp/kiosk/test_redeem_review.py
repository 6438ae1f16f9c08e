"""Redemptions (cash-out payables, goods within limits), held-deposit review, payables export."""

from __future__ import annotations

import io
import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import Session, select

from tests.webapp.kiosk.conftest import make_resident
from webapp.kiosk import ledger, redeem
from webapp.kiosk.ledger import InsufficientPointsError, LedgerError
from webapp.kiosk.operations import Limits
from webapp.models.points import KioskDeposit, Payable, RewardItem

LIMITS = Limits()
AT = datetime.now(UTC) - timedelta(hours=1)


def _credit(db: Session, resident, kg: int) -> None:
    ledger.credit_for_collection(db, resident.id, "paper", kg * 1000, f"collection:{resident.id}:{kg}", AT)
    db.commit()


def test_cash_out_writes_a_payable_and_a_negative_row(db: Session, prices, resident) -> None:
    """150 of 200 points cashed out: a payable of 150 fen, 50 points left."""
    _credit(db, resident, 20)
    payable = redeem.cash_out(db, resident, 150, limits=LIMITS)
    db.commit()
    assert payable.fen == 150 and ledger.balance(db, resident.id) == 50
    with pytest.raises(InsufficientPointsError):
        redeem.cash_out(db, resident, 100, limits=LIMITS)
    db.rollback()
    assert len(db.exec(select(Payable)).all()) == 1


def test_goods_respect_stock_and_the_monthly_limit(db: Session, prices, resident) -> None:
    """Two in stock, one a month per resident: the second is refused naming quantity."""
    db.add(RewardItem(code="bag", name_zh="环保袋", name_en="Tote bag", points=50, monthly_limit=1))
    db.commit()
    redeem.add_stock(db, "bag", 2)
    _credit(db, resident, 20)
    redeem.exchange(db, resident, "bag", limits=LIMITS)
    db.commit()
    with pytest.raises(LedgerError) as err:
        redeem.exchange(db, resident, "bag", limits=LIMITS)
    db.rollback()
    assert err.value.field == "quantity"
    assert redeem.stock(db, db.exec(select(RewardItem.id)).one()) == 1
    assert ledger.balance(db, resident.id) == 150


def test_concurrent_cash_outs_of_one_balance_let_one_through(app, db: Session, prices) -> None:
    """Six threads cash out the whole 200-point balance at once: exactly one payable."""
    resident = make_resident(db, 9)
    _credit(db, resident, 20)
    engine = app.extensions["reloop.engine"]
    start = threading.Barrier(6)
    outcomes: list[str] = []

    def run() -> None:
        with Session(engine, expire_on_commit=False) as session:
            mine = session.get(type(resident), resident.id)
            start.wait(timeout=30)
            try:
                redeem.cash_out(session, mine, 200, limits=LIMITS)
                session.commit()
                outcomes.append("ok")
            except InsufficientPointsError:
                session.rollback()
                outcomes.append("refused")

    threads = [threading.Thread(target=run) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes) == ["ok"] + ["refused"] * 5
    assert ledger.balance(db, resident.id) == 0 and ledger.verify(db) == []
    assert len(db.exec(select(Payable)).all()) == 1


def _held(client, kiosk, resident) -> int:
    body = {
        "deposit_id": "H-1",
        "resident_card": resident.card_no,
        "material": "paper",
        "grams": 40_000,
        "kiosk_time": (datetime.now(UTC) - timedelta(minutes=1)).isoformat(timespec="seconds"),
    }
    response = client.post(
        "/api/v1/kiosk/deposits", json=body, headers={"Authorization": f"Bearer {kiosk['token']}"}
    )
    return response.get_json()["deposits"][0]["id"]


def test_approving_a_held_deposit_credits_it_once(client, auth, db, prices, resident, kiosk) -> None:
    """The reviewer approves the 40 kg outlier: 400 points; a second review is refused."""
    deposit_id = _held(client, kiosk, resident)
    auth.login("dispatcher")
    page = client.get("/kiosk/held")
    assert page.status_code == 200 and f"deposit-{deposit_id}" in page.get_data(as_text=True)
    client.post(f"/kiosk/held/{deposit_id}/review", data={"decision": "approve"})
    client.post(f"/kiosk/held/{deposit_id}/review", data={"decision": "approve"})
    assert ledger.balance(db, resident.id) == 400
    assert f"deposit-{deposit_id}" not in client.get("/kiosk/held").get_data(as_text=True)


def test_rejecting_needs_a_reason_and_credits_nothing(client, auth, db, prices, resident, kiosk) -> None:
    """Reject without a reason is refused; with one, the deposit leaves the list uncredited."""
    deposit_id = _held(client, kiosk, resident)
    auth.login("dispatcher")
    client.post(f"/kiosk/held/{deposit_id}/review", data={"decision": "reject"})
    assert f"deposit-{deposit_id}" in client.get("/kiosk/held").get_data(as_text=True)
    client.post(
        f"/kiosk/held/{deposit_id}/review", data={"decision": "reject", "reason": "stones in the bag"}
    )
    assert f"deposit-{deposit_id}" not in client.get("/kiosk/held").get_data(as_text=True)
    assert ledger.balance(db, resident.id) == 0
    assert db.get(KioskDeposit, deposit_id).hold_reason == "outlier"


def test_payables_export_as_csv_and_xlsx(client, auth, db, prices, resident) -> None:
    """The admin downloads payables: card number and amount, no phone number."""
    _credit(db, resident, 20)
    redeem.cash_out(db, resident, 150, limits=LIMITS)
    db.commit()
    auth.login("admin")
    text = client.get("/kiosk/payables.csv").get_data(as_text=True)
    assert resident.card_no in text and "1.50" in text and resident.phone not in text
    xlsx = client.get("/kiosk/payables.xlsx")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"


def test_the_payables_export_carries_the_payment_once_finance_has_paid(
    client, auth, db, prices, resident
) -> None:
    """Unpaid rows leave the payment columns blank; a paid one carries its day and reference."""
    from openpyxl import load_workbook

    from webapp.kiosk import office

    _credit(db, resident, 30)
    first = redeem.cash_out(db, resident, 100, limits=LIMITS)
    second = redeem.cash_out(db, resident, 120, limits=LIMITS)
    db.commit()
    office.mark_paid(db, first.id, reference="BANK-20261204-7", paid_on=date.today(), actor_id=None)
    db.commit()
    auth.login("admin")
    lines = client.get("/kiosk/payables.csv").get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0].split(",")[-2:] == ["paid_on", "payment_reference"]
    rows = {line.split(",")[0]: line.split(",") for line in lines[1:]}
    assert rows[str(first.id)][-2:] == [date.today().isoformat(), "BANK-20261204-7"]
    assert rows[str(second.id)][-2:] == ["", ""]
    book = load_workbook(io.BytesIO(client.get("/kiosk/payables.xlsx").data))
    sheet = book.active
    cells = {r[0]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert cells[first.id][-1] == "BANK-20261204-7" and cells[second.id][-1] in (None, "")


def test_a_resident_cashes_out_and_exchanges_on_their_points_page(client, auth, db, prices, resident) -> None:
    """The page shows the balance; a cash-out above it is a 422 naming points; within it a payable."""
    _credit(db, resident, 20)
    db.add(RewardItem(code="soap", name_zh="肥皂", name_en="Soap", points=50, monthly_limit=2))
    db.commit()
    redeem.add_stock(db, "soap", 5)
    db.commit()
    auth.login("resident1", "resident-pass-1")
    page = client.get("/kiosk/points")
    assert page.status_code == 200 and 'id="points-balance">200<' in page.get_data(as_text=True)
    too_much = client.post("/kiosk/points/cash-out", data={"points": "500"})
    assert too_much.status_code == 422 and 'id="points-error"' in too_much.get_data(as_text=True)
    assert client.post("/kiosk/points/cash-out", data={"points": "100"}).status_code == 303
    assert client.post("/kiosk/points/exchange", data={"item": "soap"}).status_code == 303
    assert ledger.balance(db, resident.id) == 50
    assert len(db.exec(select(Payable)).all()) == 1


def test_an_admin_adds_a_price_version_and_a_bad_one_is_named(client, auth, db, prices, kiosk) -> None:
    """The page lists the kiosk and prices; a new version appears in the history; a bad fen is a 422."""
    auth.login("admin")
    page = client.get("/kiosk/").get_data(as_text=True)
    assert "SN-001" in page and "K-001" in page
    added = client.post(
        "/kiosk/prices",
        data={"material": "paper", "fen_per_kg": "90", "points_per_kg": "12", "valid_from": "2026-06-01"},
    )
    assert added.status_code == 303
    assert [
        p.points_per_kg for p in ledger.resident_prices(db, date(2026, 6, 1)) if p.material_code == "paper"
    ] == [12]
    bad = client.post(
        "/kiosk/prices",
        data={"material": "paper", "fen_per_kg": "x", "points_per_kg": "12", "valid_from": "2026-06-01"},
    )
    assert bad.status_code == 422 and 'id="price-error">fen_per_kg' in bad.get_data(as_text=True)
