"""Fixtures of the residents' tests: a service area, slots ahead, residents with an address."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from flask import Flask
from sqlmodel import Session, select

from traceability.deadlines import CHINA_TZ
from webapp.models import Material
from webapp.models._types import utcnow
from webapp.models.residents import ResidentAccount, ResidentAddress, ServiceArea, Slot
from webapp.residents import accounts

# Near Futian's civic centre, on the bundled street network.
HOME = (114.0603, 22.5383)
PASSWORD = "resident-pass-1"


@pytest.fixture
def area(db: Session) -> ServiceArea:
    """Futian's service area (made as the slot page makes them)."""
    areas = accounts.ensure_service_areas(db)
    return next(a for a in areas if a.district == "futian")


@pytest.fixture
def make_slot(db: Session, area: ServiceArea) -> Callable[..., Slot]:
    """A slot starting ``hours_ahead`` from now (Shenzhen wall clock), with ``capacity`` places."""

    def make(hours_ahead: float = 24, capacity: int = 5, booked: int = 0, length_h: int = 2) -> Slot:
        start = (
            (utcnow() + timedelta(hours=hours_ahead)).astimezone(CHINA_TZ).replace(second=0, microsecond=0)
        )
        end = start + timedelta(hours=length_h)
        slot = Slot(
            service_area_id=area.id,
            day=start.date(),
            start=start.time(),
            end=end.time() if end.date() == start.date() else datetime.max.time().replace(microsecond=0),
            capacity=capacity,
            booked=booked,
        )
        db.add(slot)
        db.commit()
        return slot

    return make


@pytest.fixture
def make_resident(
    app: Flask, db: Session, area: ServiceArea
) -> Callable[[str], tuple[ResidentAccount, ResidentAddress]]:
    """A registered resident with one address at ``HOME``."""

    def make(phone: str) -> tuple[ResidentAccount, ResidentAddress]:
        with app.app_context():
            account = accounts.create_resident(db, phone, PASSWORD)
            db.commit()
            address = ResidentAddress(
                resident_id=account.id,
                service_area_id=area.id,
                detail="福田区 某小区 3栋 1201",
                district="futian",
                lon=HOME[0],
                lat=HOME[1],
            )
            db.add(address)
            db.commit()
        return account, address

    return make


@pytest.fixture
def material_ids(db: Session) -> list[int]:
    return [m.id for m in db.exec(select(Material).order_by(Material.id)).all()]
