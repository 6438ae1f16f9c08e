"""Fixtures of the kiosk and points tests: residents, prices in force, a kiosk with its token."""

from __future__ import annotations

import secrets
from datetime import date
from typing import Any

import pytest
from sqlmodel import Session, select

from tests.webapp.kiosk.world import registered_kiosk
from webapp.auth.operations import create_user
from webapp.kiosk.ledger import add_price
from webapp.models import Material, Role
from webapp.models.residents import ResidentAccount

PRICE_DAY = date(2026, 1, 1)


def make_resident(db: Session, n: int) -> ResidentAccount:
    """A resident account with card ``C{n}`` and a random QR secret (committed)."""
    user = create_user(db, username=f"resident{n}", password="resident-pass-1", role=Role.RESIDENT)
    db.flush()
    account = ResidentAccount(
        user_id=user.id, phone=f"1380000{n:04d}", card_no=f"C{n:06d}", qr_secret=secrets.token_hex(16)
    )
    db.add(account)
    db.commit()
    return account


@pytest.fixture
def prices(db: Session) -> dict[str, Any]:
    """Paper at 800 fen and 10 points per kg, metal at 2,000 fen and 25 points, from 2026-01-01."""
    add_price(db, material="paper", fen_per_kg=800, points_per_kg=10, valid_from=PRICE_DAY)
    add_price(db, material="metal", fen_per_kg=2000, points_per_kg=25, valid_from=PRICE_DAY)
    db.commit()
    return {"paper": 10, "metal": 25}


@pytest.fixture
def resident(db: Session) -> ResidentAccount:
    return make_resident(db, 1)


@pytest.fixture
def kiosk(db: Session) -> dict[str, Any]:
    """An active kiosk outlet accepting every material, its registry row and its token."""
    outlet, row, token, plain = registered_kiosk(db, code="K-001", name="Kiosk one", serial="SN-001")
    assert db.exec(select(Material).where(Material.code == "paper")).first() is not None
    return {"kiosk": row, "outlet": outlet, "token": plain, "token_row": token}
