"""The demo's cascade-use workshop: its checklist and example grade rules, collection
points' declared profiles, and a few weeks of workshop activity through the same
operations the technician's pages call.

Fresh packs are handed over from the demo's battery collection points to the
workshop; most are received and inspected (one in eight fails and is handed over for
recycling), tested and graded, some taken apart into modules that are tested in turn
(graded stock the cascade side regroups); the last few are still on their way. Given
the demo's days, a year of cascade products comes first (:mod:`._cascade`). The
shipped sample pack is received and taken apart untested, so the sample tester export
(``webapp/workshop/data/sample_tests.csv``) imports into the demo.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import has_app_context
from sqlmodel import Session, col, select

from traceability import CHINA_TZ, ActorRole, EventKind
from webapp.models import Battery, Outlet, OutletKind
from webapp.models.workshop import BatteryPointProfile, Inspection, PointType
from webapp.trace import keys
from webapp.trace.demo import COLLECTOR, RECYCLER, WORKS
from webapp.trace.inputs import EventInput
from webapp.trace.treeheads import issue_tree_head
from webapp.workshop import checklist, disassembly, handover, intake, logbook, rules, testing
from webapp.workshop.settings import WorkshopSettings

SAMPLE_PACK = "S01PBA12026001K1A0009001"
#: The sample file's tests end on this (China) day; the sample pack is taken apart before.
SAMPLE_TESTED = datetime(2026, 11, 20, 9, 30, tzinfo=CHINA_TZ)
_SAFE = {
    **dict.fromkeys(("deformation", "swelling", "leakage", "corrosion", "burn_marks"), "pass"),
    **{"ocv": "352", "insulation": "25", "temperature": "23", "self_discharge": "6"},
}


@dataclass
class WorkshopReport:
    """What the demo workshop holds after seeding (``packs`` of the last weeks; the
    months before are in ``cascade``)."""

    packs: int = 0
    tests: int = 0
    quarantined: int = 0
    modules: int = 0
    cascade: Any = None  # a CascadeYearReport when days allowed one


def seed_workshop(
    session: Session, *, org_id: int | None, seed: int, now: datetime, packs: int = 12, days: int = 0
) -> WorkshopReport:
    """Seed the workshop once (nothing if it has inspections already); commits.

    With ``days`` of at least two months, the months before the last one get a year
    of cascade products first (:mod:`webapp.seed_year._cascade`): they come before the
    last weeks' packs, whose graded modules are then the stock waiting for regrouping.
    """
    # Imported here: the cascade year reuses this module's handover helpers.
    from webapp.seed_year._cascade import seed_cascade_year

    checklist.seed_items(session)
    rules.seed_rules(session)
    _profiles(session)
    session.commit()
    report = WorkshopReport()
    if session.exec(select(Inspection.id).limit(1)).first() is not None:
        return report
    with logbook.reproducible(seed, now):
        report.cascade = seed_cascade_year(session, org_id=org_id, seed=seed, now=now, days=days)
        _seed_packs(session, report, org_id=org_id, seed=seed, now=now, packs=packs)
    if has_app_context():  # a head over the workshop's entries too, as the log demo signs its own
        issue_tree_head(session, keys.signing_key(), timestamp_ms=int(now.timestamp() * 1000) + 1000)
    return report


def _seed_packs(
    session: Session, report: WorkshopReport, *, org_id: int | None, seed: int, now: datetime, packs: int
) -> None:
    rng = random.Random(seed + 13)  # nosec B311 # reproducible demo data
    settings = WorkshopSettings()
    outlets = battery_outlets(session)
    start = now - timedelta(days=24)
    for index in range(packs):
        code = f"S03PB{rng.choice(['A1', 'B2'])}{rng.randrange(10**6, 10**7)}K{rng.choice('123456789')}" + (
            f"{rng.choice('123456789ABC')}{index + 1:07d}"
        )
        at = start + timedelta(days=index * 1.5, hours=rng.randrange(8))
        hand_over_to_workshop(
            session, settings, code, rng.choice(outlets), at, rng.randrange(250, 420) * 1000, org_id
        )
        report.packs += 1
        if index >= packs - 2:
            continue  # still on its way
        _work_on(session, settings, code, at, rng, index, report, org_id)
    if now > SAMPLE_TESTED + timedelta(days=1):
        _sample_pack(session, settings, outlets[0], org_id)


def _work_on(
    session: Session,
    settings: WorkshopSettings,
    code: str,
    at: datetime,
    rng: random.Random,
    index: int,
    report: WorkshopReport,
    org_id: int | None,
) -> None:
    """Receive, inspect, test; a failed pack goes to recycling, some good ones apart."""
    received = at + timedelta(days=1)
    intake.receive(session, code, settings=settings, occurred_at=received, org_id=org_id)
    failed = index % 8 == 3
    answers = {**_SAFE, "swelling": "fail"} if failed else _SAFE
    checklist.record_inspection(
        session,
        code,
        answers,
        settings=settings,
        inspector="技术员 周杰",
        inspected_at=received + timedelta(hours=1),
        org_id=org_id,
    )
    soh = rng.uniform(62, 92)
    _test(session, settings, code, received + timedelta(hours=6), soh, 3.2 * 16, rng, org_id)
    report.tests += 1
    if failed:
        handover.hand_over_for_recycling(
            session,
            code,
            recycler=RECYCLER,
            recycler_site=WORKS,
            settings=settings,
            occurred_at=received + timedelta(days=1),
            org_id=org_id,
        )
        report.quarantined += 1
        return
    if index % 2:
        return
    modules = disassembly.suggest_part_codes(code, 8)
    mass = session.exec(select(Battery.mass_g).where(Battery.code == code)).one() or 320_000
    each = mass * 88 // 100 // 8
    disassembly.disassemble(
        session,
        code,
        [(m, each + rng.randrange(-200, 200)) for m in modules],
        scrap_mass_g=mass - each * 8,
        settings=settings,
        occurred_at=received + timedelta(days=1),
        org_id=org_id,
    )
    for module in modules:
        _test(
            session,
            settings,
            module,
            received + timedelta(days=2),
            soh + rng.gauss(0, 4),
            3.2 * 2,
            rng,
            org_id,
        )
        report.tests += 1
        report.modules += 1


def _test(
    session: Session,
    settings: WorkshopSettings,
    code: str,
    at: datetime,
    soh: float,
    nominal_v: float,
    rng: random.Random,
    org_id: int | None,
) -> None:
    soh = min(99.0, max(30.0, soh))
    ambient = f"{rng.uniform(22, 27):.1f}"
    measured = {
        "dcir_mohm": f"{rng.uniform(0.9, 1.4) * (100 / soh) * nominal_v / 3.2:.2f}",
        "self_discharge_pct_month": f"{rng.uniform(0.8, 4.0):.1f}",
        "ocv_v": f"{nominal_v * rng.uniform(1.02, 1.04):.3f}",
    }
    record_test(session, settings, code, at, soh, nominal_v, org_id, ambient_c=ambient, **measured)


def hand_over_to_workshop(
    session: Session,
    settings: WorkshopSettings,
    code: str,
    outlet: str,
    at: datetime,
    mass: int,
    org_id: int | None,
) -> None:
    def event(kind: EventKind, when: datetime, payload: dict[str, object]) -> EventInput:
        return EventInput(
            f"DEMO-WS-{code[-9:]}-{'R' if kind is EventKind.RECEIVED_AT_OUTLET else 'H'}",
            kind,
            code,
            COLLECTOR,
            ActorRole.COLLECTOR,
            outlet,
            when,
            payload,
        )

    logbook.record(
        session,
        [
            event(EventKind.RECEIVED_AT_OUTLET, at, {"mass_g": mass}),
            event(
                EventKind.HANDED_OVER,
                at + timedelta(hours=20),
                {"to_actor": settings.actor, "to_location": settings.site},
            ),
        ],
        actor_id=None,
        org_id=org_id,
    )


def _sample_pack(session: Session, settings: WorkshopSettings, outlet: str, org_id: int | None) -> None:
    at = SAMPLE_TESTED - timedelta(days=4)
    hand_over_to_workshop(session, settings, SAMPLE_PACK, outlet, at, 300_000, org_id)
    intake.receive(session, SAMPLE_PACK, settings=settings, occurred_at=at + timedelta(days=1), org_id=org_id)
    checklist.record_inspection(
        session,
        SAMPLE_PACK,
        _SAFE,
        settings=settings,
        inspector="技术员 周杰",
        inspected_at=at + timedelta(days=1),
        org_id=org_id,
    )
    modules = disassembly.suggest_part_codes(SAMPLE_PACK, 4)
    disassembly.disassemble(
        session,
        SAMPLE_PACK,
        [(m, 70_000) for m in modules],
        scrap_mass_g=19_400,
        settings=settings,
        occurred_at=at + timedelta(days=2),
        org_id=org_id,
    )


def battery_outlets(session: Session) -> list[str]:
    codes = list(
        session.exec(
            select(Outlet.code).where(Outlet.kind == OutletKind.BATTERY_POINT).order_by(col(Outlet.code))
        )
    )
    return (
        codes or list(session.exec(select(Outlet.code).order_by(col(Outlet.code)).limit(3))) or ["NS-DEMO-01"]
    )


def _profiles(session: Session) -> None:
    """A declared profile for each battery collection point, alternating the two types."""
    have = set(session.exec(select(BatteryPointProfile.outlet_id)))
    points = session.exec(
        select(Outlet).where(Outlet.kind == OutletKind.BATTERY_POINT).order_by(col(Outlet.id))
    )
    for number, outlet in enumerate(points):
        if outlet.id in have:
            continue
        central = number % 3 == 0
        session.add(
            BatteryPointProfile(
                outlet_id=outlet.id,  # type: ignore[arg-type]
                point_type=PointType.CENTRAL_STORAGE if central else PointType.COLLECTION,
                storage_area_m2=60 if central else 12,
                rated_storage_kg=5_000 if central else 800,
                discharge_facility=central,
                thermal_monitoring=central,
                max_days=30,
            )
        )


def record_test(
    session: Session,
    settings: WorkshopSettings,
    code: str,
    at: datetime,
    soh: float,
    nominal_v: float,
    org_id: int | None,
    **measured: str,
) -> None:
    """A demo bench test of ``code`` at ``at``, entered as the form would: the bench's fixed
    fields, capacity and energy from ``soh``, and the ``measured`` values its caller drew
    (ambient_c, dcir_mohm, self_discharge_pct_month, ocv_v)."""
    capacity = 50 * soh / 100
    values = {
        "battery_code": code,
        "method": "GB/T 34015 0.33C 恒流恒压",
        "equipment": "新威 CT-4008",
        "operator": "技术员 周杰",
        "capacity_ah": f"{capacity:.2f}",
        "energy_wh": f"{capacity * nominal_v:.1f}",
        "soh_pct": f"{soh:.1f}",
        **measured,
        "tested_at": at.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M"),
    }
    test, problems = testing.parse_test(values, now=at + timedelta(minutes=1))
    if problems or test is None:  # the demo's own numbers: a bug, not bad input
        raise ValueError(f"demo test of {code}: {problems}")
    testing.record_tests(session, [test], settings=settings, org_id=org_id)
