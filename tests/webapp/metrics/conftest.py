"""A small hand-made record set with known answers, on the run's database.

Period 2026-03-01..2026-04-30 (Asia/Shanghai). Outlets: A (Futian kiosk, opened
2026-03-01), B (Nanshan, co-built, opened 2025-06-01), C (Futian, closed 2026-04-15),
D (planned). Two accepted plans (12 km and 8 km) visit A and B; on 2 March A's
record is corrected (paper 10 kg -> 12 kg, glass 5 kg) and B gives plastic 3 kg and
low-value plastic 2 kg; on 6 April A is skipped (closed) and B is still pending.
Batteries: pack X goes to cascade use (product P shipped), pack Y is recycled with
lithium recovered at 75 %, pack Z was received in February (outside the period).
Reports: X's receipt and P's shipment on time, Y's receipt late, Y's recycling never.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlmodel import Session, select

from traceability import CHINA_TZ, ActorRole, EventKind, generate_key
from webapp.metrics import Scope
from webapp.metrics.factors import add_rate, seed_factors
from webapp.models import (
    Collection,
    CollectionOutcome,
    CollectionPlan,
    CollectionWeight,
    Driver,
    Facility,
    FacilityKind,
    Material,
    Organisation,
    Outlet,
    OutletKind,
    OutletStatus,
    PlannedRoute,
    PlannedStop,
    PlanStatus,
    SkipReason,
    TraceReport,
    User,
    Vehicle,
)
from webapp.seed import seed_skip_reasons
from webapp.trace.inputs import EventInput
from webapp.trace.operations import record_events
from webapp.trace.treeheads import issue_tree_head

PERIOD = (date(2026, 3, 1), date(2026, 4, 30))
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
PACK_X, PACK_Y, PACK_Z = ("S01PE0A1234567S5A0000123", "S01PE0A1234567S5A0000124", "S01PE0A1234567S5A0000125")
PRODUCT = "SRLPE0A1234567T310000001"
COLLECTOR, CASCADE, RECYCLER = "绿环回收网点", "示例梯次利用企业", "示例再生利用企业"
OUTLET, PLANT, WORKS = "FT-0001", "SRL-PLANT-1", "REC-1"


@dataclass
class World:
    """Ids and keys the tests need."""

    org_id: int
    outlets: dict[str, int]
    public_key: Ed25519PublicKey

    def scope(self, **extra: object) -> Scope:
        return Scope(PERIOD[0], PERIOD[1], **extra)  # type: ignore[arg-type]


def _at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=CHINA_TZ)


def _outlets(db: Session, org_id: int) -> dict[str, Outlet]:
    specs = {
        "A": (
            "FT-0001",
            OutletKind.KIOSK,
            OutletStatus.ACTIVE,
            "futian",
            114.045,
            22.525,
            date(2026, 3, 1),
            None,
        ),
        "B": (
            "NS-0001",
            OutletKind.CO_BUILT,
            OutletStatus.ACTIVE,
            "nanshan",
            113.975,
            22.512,
            date(2025, 6, 1),
            None,
        ),
        "C": (
            "FT-0002",
            OutletKind.KIOSK,
            OutletStatus.CLOSED,
            "futian",
            114.05,
            22.53,
            date(2025, 1, 1),
            date(2026, 4, 15),
        ),
        "D": ("FT-0003", OutletKind.KIOSK, OutletStatus.PLANNED, "futian", 114.06, 22.535, None, None),
    }
    rows = {}
    for key, (code, kind, status, district, lon, lat, opened, closed) in specs.items():
        rows[key] = Outlet(
            code=code,
            name=f"网点{key}",
            kind=kind,
            status=status,
            district=district,
            lon=lon,
            lat=lat,
            opened_on=opened,
            closed_on=closed,
            org_id=org_id,
            partner="比亚迪" if kind == OutletKind.CO_BUILT else "",
        )
        db.add(rows[key])
    db.flush()
    return rows


def _plan(
    db: Session,
    org_id: int,
    day: date,
    depot: Facility,
    vehicle: Vehicle,
    driver: Driver,
    outlets: list[Outlet],
    metres: int,
) -> dict[int, PlannedStop]:
    plan = CollectionPlan(org_id=org_id, day=day, depot_id=depot.id, status=PlanStatus.ACCEPTED)  # type: ignore[arg-type]
    db.add(plan)
    db.flush()
    route = PlannedRoute(
        plan_id=plan.id,
        number=1,
        vehicle_id=vehicle.id,
        driver_id=driver.id,  # type: ignore[arg-type]
        colour="#0072B2",
        distance_m=metres,
        duration_s=3600,
        start_s=0,
        end_s=3600,
        collected_g=0,
        stop_count=len(outlets),
    )
    db.add(route)
    db.flush()
    stops = {}
    for position, outlet in enumerate(outlets):
        stop = PlannedStop(
            route_id=route.id,
            position=position,
            kind="outlet",
            outlet_id=outlet.id,  # type: ignore[arg-type]
            arrival_s=0,
            departure_s=0,
        )
        db.add(stop)
        db.flush()
        stops[outlet.id] = stop  # type: ignore[index]
    return stops


def _record(
    db: Session,
    stop: PlannedStop,
    driver: Driver,
    org_id: int,
    n: int,
    *,
    weights: dict[str, int] | None = None,
    skip: str | None = None,
    supersedes: Collection | None = None,
    day: date,
) -> Collection:
    materials = dict(db.exec(select(Material.code, Material.id)).all())
    reason = db.exec(select(SkipReason).where(SkipReason.code == skip)).first() if skip else None
    row = Collection(
        org_id=org_id,
        client_id=f"c-{n}",
        stop_id=stop.id,
        route_id=stop.route_id,  # type: ignore[arg-type]
        outlet_id=stop.outlet_id,
        driver_id=driver.id,  # type: ignore[arg-type]
        outcome=CollectionOutcome.SKIPPED if skip else CollectionOutcome.COLLECTED,
        total_g=sum((weights or {}).values()),
        skip_reason_id=reason.id if reason else None,
        recorded_at=_at(day, 9 + n),
        supersedes_id=supersedes.id if supersedes else None,
        correction_reason="称重更正" if supersedes else "",
        body_sha256=hashlib.sha256(str(n).encode()).hexdigest(),
    )
    db.add(row)
    db.flush()
    for code, grams in (weights or {}).items():
        db.add(CollectionWeight(collection_id=row.id, material_id=materials[code], grams=grams))  # type: ignore[arg-type]
    db.flush()
    return row


def _collections(db: Session, org_id: int, outlets: dict[str, Outlet]) -> None:
    depot = Facility(
        code="SC-NS-01",
        name="分拣中心",
        kind=FacilityKind.SORTING_CENTRE,
        lon=113.975,
        lat=22.512,
        is_depot=True,
        org_id=org_id,
    )
    db.add(depot)
    db.flush()
    vehicle = Vehicle(
        plate="粤B·D12345",
        capacity_g=5_000_000,
        volume_l=12_000,
        depot_id=depot.id,  # type: ignore[arg-type]
        org_id=org_id,
    )
    db.add(vehicle)
    user = db.exec(select(User).where(User.username == "driver")).one()
    db.flush()
    driver = Driver(user_id=user.id, name="李强", org_id=org_id)  # type: ignore[arg-type]
    db.add(driver)
    db.flush()
    a, b = outlets["A"], outlets["B"]
    day1, day2 = date(2026, 3, 2), date(2026, 4, 6)
    stops1 = _plan(db, org_id, day1, depot, vehicle, driver, [a, b], 12_000)
    stops2 = _plan(db, org_id, day2, depot, vehicle, driver, [a, b], 8_000)
    first = _record(db, stops1[a.id], driver, org_id, 1, weights={"paper": 10_000, "glass": 5_000}, day=day1)  # type: ignore[index]
    _record(
        db,
        stops1[a.id],
        driver,
        org_id,
        2,
        weights={"paper": 12_000, "glass": 5_000},  # type: ignore[index]
        supersedes=first,
        day=day1,
    )
    _record(
        db,
        stops1[b.id],
        driver,
        org_id,
        3,  # type: ignore[index]
        weights={"plastic": 3_000, "low_value_plastic": 2_000},
        day=day1,
    )
    _record(db, stops2[a.id], driver, org_id, 4, skip="closed", day=day2)  # type: ignore[index]


def _event(
    n: int,
    kind: EventKind,
    code: str,
    day: date,
    actor: str,
    role: ActorRole,
    location: str,
    payload: dict[str, object] | None = None,
) -> EventInput:
    return EventInput(f"ev-{n:02d}", kind, code, actor, role, location, _at(day), payload or {})


def _batteries(db: Session, org_id: int) -> None:
    K, R = EventKind, ActorRole
    to_plant = {"to_actor": CASCADE, "to_location": PLANT, "to_role": "cascade_user"}
    to_works = {"to_actor": RECYCLER, "to_location": WORKS, "to_role": "recycler"}
    march = date(2026, 3, 1)
    events = [
        _event(
            1,
            K.RECEIVED_AT_OUTLET,
            PACK_Z,
            date(2026, 2, 20),
            COLLECTOR,
            R.COLLECTOR,
            OUTLET,
            {"mass_g": 280_000},
        ),
        _event(
            2,
            K.RECEIVED_AT_OUTLET,
            PACK_X,
            march + timedelta(2),
            COLLECTOR,
            R.COLLECTOR,
            OUTLET,
            {"mass_g": 300_000},
        ),
        _event(
            3,
            K.RECEIVED_AT_OUTLET,
            PACK_Y,
            march + timedelta(2),
            COLLECTOR,
            R.COLLECTOR,
            OUTLET,
            {"mass_g": 350_000},
        ),
        _event(4, K.HANDED_OVER, PACK_X, march + timedelta(3), COLLECTOR, R.COLLECTOR, OUTLET, to_plant),
        _event(5, K.HANDED_OVER, PACK_Y, march + timedelta(3), COLLECTOR, R.COLLECTOR, OUTLET, to_works),
        _event(
            6,
            K.RECEIVED_BY_ENTERPRISE,
            PACK_X,
            march + timedelta(4),
            CASCADE,
            R.CASCADE_USER,
            PLANT,
            {"mass_g": 300_000},
        ),
        _event(
            7,
            K.RECEIVED_BY_ENTERPRISE,
            PACK_Y,
            march + timedelta(4),
            RECYCLER,
            R.RECYCLER,
            WORKS,
            {"mass_g": 350_000},
        ),
        _event(
            8,
            K.CAPACITY_TESTED,
            PACK_X,
            march + timedelta(5),
            CASCADE,
            R.CASCADE_USER,
            PLANT,
            {
                "soh_permille": 800,
                "capacity_wh": 42_000,
                "method": "GB/T 34015-2017",
                "equipment": "BTS-4000",
            },
        ),
        _event(
            9,
            K.REGROUPED,
            PRODUCT,
            march + timedelta(9),
            CASCADE,
            R.CASCADE_USER,
            PLANT,
            {"sources": [PACK_X], "rated_energy_wh": 50_000, "mass_g": 320_000},
        ),
        _event(
            10,
            K.CASCADE_SHIPPED,
            PRODUCT,
            march + timedelta(11),
            CASCADE,
            R.CASCADE_USER,
            PLANT,
            {"customer": "某铁塔公司", "application": "5G基站备电"},
        ),
        _event(
            11,
            K.RECYCLED,
            PACK_Y,
            march + timedelta(19),
            RECYCLER,
            R.RECYCLER,
            WORKS,
            {
                "input_mass_g": 350_000,
                "li_g": 3_000,
                "input_li_g": 4_000,
                "ni_g": 20_000,
                "input_ni_g": 20_000,
                "co_g": 6_000,
                "mn_g": 5_000,
                "electrode_powder_g": 90_000,
            },
        ),
    ]
    record_events(db, events, actor_id=None, org_id=org_id, now=_at(date(2026, 3, 25)))
    for event_id, day in (
        ("ev-06", date(2026, 3, 6)),
        ("ev-10", date(2026, 3, 13)),
        ("ev-07", date(2026, 6, 1)),
    ):
        db.add(TraceReport(event_id=event_id, reported_at=_at(day)))
    db.commit()


@pytest.fixture
def world(db: Session) -> Iterator[World]:
    """The record set above, committed, with factors, rates and a signed tree head."""
    seed_skip_reasons(db)
    org = Organisation(name="测试回收公司")
    db.add(org)
    db.flush()
    org_id = org.id
    assert org_id is not None
    outlets = _outlets(db, org_id)
    _collections(db, org_id, outlets)
    seed_factors(db)
    add_rate(
        db,
        kind="low_value_tonne",
        material="glass",
        fen=20_000,
        basis="测试费率",
        valid_from=date(2026, 1, 1),
    )
    add_rate(db, kind="new_outlet", fen=1_000_000, basis="测试费率", valid_from=date(2026, 1, 1))
    db.commit()
    _batteries(db, org_id)
    key = generate_key()
    issue_tree_head(db, key)
    db.commit()
    yield World(org_id, {k: o.id for k, o in outlets.items()}, key.public_key())  # type: ignore[misc]
