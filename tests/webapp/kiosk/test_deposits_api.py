"""POST /api/v1/kiosk/deposits: credits, idempotency, conflicts, bad input, holds, fill level."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, select

from webapp.api.tokens import revoke
from webapp.kiosk import ledger
from webapp.models import FillReading, Outlet
from webapp.models.points import KioskDeposit
from webapp.models.users import RevokeReason

URL = "/api/v1/kiosk/deposits"


def _now() -> str:
    return (datetime.now(UTC) - timedelta(minutes=5)).isoformat(timespec="seconds")


def _deposit(resident, n: int = 1, **extra) -> dict:
    body = {
        "deposit_id": f"K1-{n:05d}",
        "resident_card": resident.card_no,
        "material": "paper",
        "grams": 2000,
        "kiosk_time": _now(),
        "photo_sha256": hashlib.sha256(f"photo {n}".encode()).hexdigest(),
    }
    body.update(extra)
    return body


def _post(client, kiosk, body):
    return client.post(URL, json=body, headers={"Authorization": f"Bearer {kiosk['token']}"})


def test_a_deposit_credits_points_and_raises_the_fill(client, db: Session, prices, resident, kiosk) -> None:
    """2 kg of paper: 20 points, and the kiosk's fill rises by 2 kg / 120 kg/m3 over 1,000 L = 1.7 %."""
    response = _post(client, kiosk, _deposit(resident))
    assert response.status_code == 201, response.get_json()
    (result,) = response.get_json()["deposits"]
    assert (result["status"], result["state"], result["points"], result["balance"]) == (
        "created",
        "credited",
        20,
        20,
    )
    outlet = db.get(Outlet, kiosk["outlet"].id)
    db.refresh(outlet)
    assert outlet.last_fill_pct == 1.7
    assert db.exec(select(FillReading).where(FillReading.outlet_id == outlet.id)).one().fill_pct == 1.7


def test_qr_text_identifies_the_resident(client, db: Session, prices, resident, kiosk) -> None:
    """A QR text ending with the account's secret credits that account."""
    body = _deposit(resident, resident_qr=f"reloop:resident:{resident.qr_secret}")
    del body["resident_card"]
    assert _post(client, kiosk, body).status_code == 201
    assert ledger.balance(db, resident.id) == 20


def test_a_resend_is_stored_once_and_answered_the_same(client, db: Session, prices, resident, kiosk) -> None:
    """The same deposit id and body again: 200, the same row and points, nothing added."""
    body = _deposit(resident)
    first = _post(client, kiosk, body).get_json()["deposits"][0]
    again = _post(client, kiosk, body)
    assert again.status_code == 200
    repeat = again.get_json()["deposits"][0]
    assert (repeat["status"], repeat["id"], repeat["points"]) == ("duplicate", first["id"], 20)
    assert len(db.exec(select(KioskDeposit)).all()) == 1
    assert ledger.balance(db, resident.id) == 20


def test_the_same_id_with_another_body_is_a_409_naming_deposit_id(
    client, db, prices, resident, kiosk
) -> None:
    """A reused deposit id with another weight: 409, field deposit_id, nothing stored."""
    _post(client, kiosk, _deposit(resident))
    response = _post(client, kiosk, _deposit(resident, grams=3000))
    assert response.status_code == 409
    assert response.get_json()["errors"] == [
        {
            "index": 0,
            "field": "deposit_id",
            "message": "deposit K1-00001 was already stored with other content",
        }
    ]
    assert ledger.balance(db, resident.id) == 20


def test_bad_items_of_a_batch_are_named_and_nothing_is_stored(client, db, prices, resident, kiosk) -> None:
    """Negative and absurd weights, an unknown card and material: 422 by index and field, none stored."""
    batch = {
        "deposits": [
            _deposit(resident, 1),
            _deposit(resident, 2, grams=-5),
            _deposit(resident, 3, grams=5_000_000),
            _deposit(resident, 4, resident_card="NOBODY"),
            _deposit(resident, 5, material="gold"),
        ]
    }
    response = _post(client, kiosk, batch)
    assert response.status_code == 422
    named = [(e["index"], e["field"]) for e in response.get_json()["errors"]]
    assert named == [(1, "grams"), (2, "grams")]
    batch["deposits"] = [batch["deposits"][0], *batch["deposits"][3:]]
    named = [(e["index"], e["field"]) for e in _post(client, kiosk, batch).get_json()["errors"]]
    assert named == [(1, "resident_card"), (2, "material")]
    assert db.exec(select(KioskDeposit)).all() == []


def test_a_revoked_kiosk_token_is_refused(client, db: Session, prices, resident, kiosk) -> None:
    """After revocation the kiosk's token gets the API's 401 and nothing is stored."""
    revoke(db, kiosk["token_row"], RevokeReason.ADMIN, actor_id=None)
    db.commit()
    response = _post(client, kiosk, _deposit(resident))
    assert response.status_code == 401 and "kiosk" in response.get_json()["error"]
    assert db.exec(select(KioskDeposit)).all() == []


def test_outliers_repeated_photos_and_caps_are_held_not_credited(client, db, prices, resident, kiosk) -> None:
    """A 40 kg deposit, a repeated photo and a deposit past the 50 kg daily cap are held."""
    _post(client, kiosk, _deposit(resident, 1))
    outlier = _post(client, kiosk, _deposit(resident, 2, grams=40_000)).get_json()["deposits"][0]
    repeat = _post(client, kiosk, _deposit(resident, 3, photo_sha256=_deposit(resident, 1)["photo_sha256"]))
    for n in range(4, 6):
        _post(client, kiosk, _deposit(resident, n, grams=25_000))
    assert (outlier["state"], outlier["hold_reason"], outlier["points"]) == ("held", "outlier", 0)
    assert repeat.get_json()["deposits"][0]["hold_reason"] == "photo_repeat"
    held = db.exec(select(KioskDeposit).where(KioskDeposit.deposit_id == "K1-00005")).one()
    assert held.hold_reason == "resident_cap"
    assert ledger.balance(db, resident.id) == 20 + 250


def test_hostile_values_and_bodies_get_a_422_never_a_5xx(client, db, prices, resident, kiosk) -> None:
    """NUL, lone surrogates, huge and non-finite numbers, lists and deep JSON: named 422s."""
    fields = ["deposit_id", "resident_card", "resident_qr", "material", "grams", "kiosk_time", "photo_sha256"]
    headers = {"Authorization": f"Bearer {kiosk['token']}", "Content-Type": "application/json"}
    texts = [
        '"\\u0000"',
        '"a\\u0000b"',
        '"\\ud800"',
        "1e400",
        "NaN",
        str(10**20),
        "-" + str(10**20),
        "[]",
        "{}",
    ]
    for field in fields:
        for text in texts:
            good = _deposit(resident)
            body = "{" + ", ".join(f'"{k}": {text if k == field else json.dumps(v)}' for k, v in good.items())
            body += "}" if field in good else f', "{field}": {text}' + "}"
            response = client.post(URL, data=body, headers=headers)
            assert response.status_code == 422, (field, text, response.status_code)
    deep = "[" * 40 + "]" * 40
    assert client.post(URL, data=deep, headers=headers).status_code in (400, 413, 422)
    assert db.exec(select(KioskDeposit)).all() == []
