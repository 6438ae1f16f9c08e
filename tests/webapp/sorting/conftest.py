"""Sorting fixtures: the weighbridge's hand-made day (a route with two unloads at a
sorting centre), a second facility, the grade catalogue and a licensed buyer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlmodel import Session

from tests.webapp.weighbridge.conftest import World, make_world
from traceability import china_today
from webapp.models import Facility, FacilityKind
from webapp.models.sorting import Buyer
from webapp.sorting import sales
from webapp.sorting.grades import seed_grades
from webapp.sorting.stock import BatchInput, record_batch


@dataclass
class Yard:
    world: World
    other: Facility
    buyer: Buyer
    day: date

    @property
    def centre(self) -> Facility:
        return self.world.centre


def sort_plastic(
    db: Session, yard: Yard, *, pet: int, film: int, residue: int, input_g: int | None = None
) -> None:
    """A batch of low-value plastics at the centre on the yard's day."""
    record_batch(
        db,
        BatchInput(
            facility_id=yard.centre.id,
            material="low_value_plastic",
            day=yard.day,
            input_g=input_g if input_g is not None else pet + film + residue,
            outputs={"lvp_pet": pet, "lvp_film": film},
            residue_g=residue,
        ),
    )


@pytest.fixture
def yard(app, db: Session) -> Yard:
    world = make_world(db)
    seed_grades(db)
    other = Facility(code="TS1", name="福田中转站", kind=FacilityKind.TRANSFER_STATION, lon=114.05, lat=22.53)
    db.add(other)
    db.commit()
    day = china_today()
    buyer = sales.add_buyer(
        db,
        name="深圳绿环再生资源有限公司",
        licence_no="粤深再生-2026-018",
        licence_expiry=day + timedelta(days=365),
        materials=["low_value_plastic", "paper"],
        valid_from=day - timedelta(days=30),
    )
    sales.set_price(
        db, buyer_id=buyer.id, grade="lvp_pet", fen_per_t=180_000, valid_from=day - timedelta(days=30)
    )
    return Yard(world, other, buyer, day)
