"""A year of the demo's cascade products (梯次利用), through the workshop's and the cascade
side's own operations, so the workshop pages and the ``workshop`` indicators have history.

Month by month up to a month before today: packs arrive from the battery collection
points and are received, inspected (about one in ten fails and is handed over for
recycling), tested and taken apart into eight modules, each tested and graded. Near the
month's end the regrouping engine proposes products of the demo spec from the graded
stock, every group is confirmed with an end-of-line test, and the products are shipped
on a customer's order. Products in service report their health monthly (one overheats
once, which raises an anomaly), and a few early ones come back for recycling. Each
step is entered in the log a couple of hours after it happened, and the duty events
are reported to the national platform within a week, as a diligent workshop would.

Module values are drawn per pack, as retired packs' modules are alike: pack SOH
uniform on 74–92 %, module SOH the pack's ± 1.2 points, capacity 50 Ah × SOH, DC
resistance 2.2 mΩ / SOH ± 3 %, OCV 6.59 V ± 10 mV.
"""

from __future__ import annotations

import random
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from webapp.cascade import health, operations, shipping
from webapp.models import TraceEventRow, TraceReport
from webapp.models.cascade import CascadeProduct
from webapp.models.cascade import ProductSpec as CascadeSpec
from webapp.seed_year._workshop import battery_outlets, hand_over_to_workshop, record_test
from webapp.trace.demo import RECYCLER, WORKS
from webapp.workshop import checklist, disassembly, handover, intake, logbook
from webapp.workshop.settings import WorkshopSettings

#: The demo's product: eight LFP modules in series for energy storage.
DEMO_SPEC = {
    "name": "储能电池簇 8S1P（演示）",
    "product_type": "梯次利用储能电池簇",
    "chemistry": "B",
    "series_count": 8,
    "parallel_count": 1,
    "target_capacity_mah": 0,
    "nominal_voltage_mv": 51_200,
    "max_capacity_spread_bp": 500,
    "max_resistance_spread_bp": 1500,
    "max_ocv_spread_mv": 150,
    "warranty_months": 36,
}
_CUSTOMERS = (
    ("某储能科技有限公司（演示）", "energy_storage", "南山工业园储能站"),
    ("某物业服务公司（演示）", "ups_backup", "福田花园小区机房"),
)
_SAFE = {
    **dict.fromkeys(("deformation", "swelling", "leakage", "corrosion", "burn_marks"), "pass"),
    **{"ocv": "352", "insulation": "25", "temperature": "23", "self_discharge": "6"},
}
_DUTIES = ("handed_over", "received_by_enterprise", "cascade_shipped", "recycled")
PACKS_PER_MONTH = 4


@dataclass
class CascadeYearReport:
    """What the year made."""

    packs: int = 0
    modules: int = 0
    products: int = 0
    shipped: int = 0
    readings: int = 0
    taken_back: int = 0


def seed_cascade_year(
    session: Session, *, org_id: int | None, seed: int, now: datetime, days: int
) -> CascadeYearReport:
    """Months of workshop and cascade activity ending a month before ``now`` (commits)."""
    report = CascadeYearReport()
    months = min(days, 365) // 30 - 1
    if months < 1:
        return report
    rng = random.Random(seed + 29)  # nosec B311 # reproducible demo data
    spec = _spec(session, org_id)
    start = now - timedelta(days=30 * (months + 1))
    built: list[tuple[CascadeProduct, datetime]] = []
    codes: list[str] = []
    for month in range(months):
        base = start + timedelta(days=30 * month)
        for n in range(PACKS_PER_MONTH):
            number = month * PACKS_PER_MONTH + n
            at = base + timedelta(days=2 + 5 * n, hours=rng.randrange(8))
            codes += _pack(session, rng, number, at, org_id, report)
        products = _build(session, spec, base + timedelta(days=25), org_id)
        codes += [p.code for p in products]
        report.products += len(products)
        if products:
            _ship(session, products, month, base + timedelta(days=27), org_id)
            report.shipped += len(products)
            built += [(p, base + timedelta(days=27)) for p in products]
    # The first two products come back near the end; their readings stop before.
    back_at = start + timedelta(days=30 * months - 5)
    returning = [(p, shipped) for p, shipped in built[:2] if back_at > shipped + timedelta(days=31)]
    report.readings = _readings(session, built, now, rng, {p.code: back_at for p, _ in returning})
    report.taken_back = _take_backs(session, returning, back_at, org_id)
    _reports(session, codes, rng, now)
    return report


def _spec(session: Session, org_id: int | None) -> CascadeSpec:
    found = session.exec(select(CascadeSpec).where(CascadeSpec.name == DEMO_SPEC["name"])).first()
    return found or shipping.save_spec(session, {k: str(v) for k, v in DEMO_SPEC.items()}, org_id=org_id)


def _steps(rng: random.Random, when: datetime) -> AbstractContextManager[None]:
    """Events made inside are entered in the log two hours after ``when``."""
    return logbook.reproducible(rng.getrandbits(32), when + timedelta(hours=2))


def _pack(
    session: Session,
    rng: random.Random,
    number: int,
    at: datetime,
    org_id: int | None,
    report: CascadeYearReport,
) -> list[str]:
    """One pack from arrival to tested modules; the codes it made."""
    settings = WorkshopSettings()
    code = f"S03PB{rng.choice(['A1', 'B2'])}{rng.randrange(10**6, 10**7)}K{rng.choice('123456789')}"
    code += f"{rng.choice('123456789ABC')}{5_000_000 + number:07d}"
    mass = rng.randrange(300, 360) * 1000
    outlets = battery_outlets(session)
    with _steps(rng, at + timedelta(hours=20)):  # received at the outlet, handed over next day
        hand_over_to_workshop(session, settings, code, outlets[number % len(outlets)], at, mass, org_id)
    received = at + timedelta(days=1)
    failed = number % 10 == 7
    with _steps(rng, received):
        intake.receive(session, code, settings=settings, mass_g=mass, occurred_at=received, org_id=org_id)
        checklist.record_inspection(
            session,
            code,
            {**_SAFE, "leakage": "fail"} if failed else _SAFE,
            settings=settings,
            inspector="技术员 周杰",
            inspected_at=received + timedelta(hours=1),
            org_id=org_id,
        )
    report.packs += 1
    if failed:
        with _steps(rng, received + timedelta(days=1)):
            handover.hand_over_for_recycling(
                session,
                code,
                recycler=RECYCLER,
                recycler_site=WORKS,
                settings=settings,
                occurred_at=received + timedelta(days=1),
                org_id=org_id,
            )
        return [code]
    soh = rng.uniform(74, 92)
    modules = disassembly.suggest_part_codes(code, 8)
    each = mass * 88 // 100 // 8
    taken = received + timedelta(days=1)
    with _steps(rng, taken):
        _test(session, settings, code, received + timedelta(hours=6), soh, 51.2, rng, org_id)
        disassembly.disassemble(
            session,
            code,
            [(m, each) for m in modules],
            scrap_mass_g=mass - each * 8,
            settings=settings,
            occurred_at=taken,
            org_id=org_id,
        )
    with _steps(rng, taken + timedelta(days=1)):
        for module in modules:
            _test(
                session,
                settings,
                module,
                taken + timedelta(days=1),
                soh + rng.gauss(0, 1.2),
                6.4,
                rng,
                org_id,
            )
    report.modules += len(modules)
    return [code, *modules]


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
        "dcir_mohm": f"{2.2 * 100 / soh * nominal_v / 6.4 * rng.gauss(1, 0.03):.3f}",
        "self_discharge_pct_month": f"{rng.uniform(0.8, 2.5):.1f}",
        "ocv_v": f"{nominal_v * 1.03 + rng.gauss(0, 0.01) * nominal_v / 6.4:.3f}",
    }
    record_test(session, settings, code, at, soh, nominal_v, org_id, ambient_c=ambient, **measured)


def _build(session: Session, spec: CascadeSpec, when: datetime, org_id: int | None) -> list[CascadeProduct]:
    """Regroup the graded stock and confirm every proposed group with its end-of-line test."""
    # Deterministic: the seeded year must be the same on every run, however busy the machine.
    proposal = operations.run_proposal(
        session, spec, actor_id=None, org_id=org_id, time_limit_s=1.0, deterministic=True
    )
    proposal.created_at = when
    session.add(proposal)
    session.commit()
    if not proposal.groups:
        return []
    units = operations.proposal_units(session, proposal)
    tests = {}
    for index, group in enumerate(proposal.groups):
        weakest = min(units[c].capacity_mah or 0 for c in group)
        capacity = weakest * 98 // 100
        tests[index] = operations.EndOfLineTest(
            capacity, capacity * spec.nominal_voltage_mv // 10**6, "EOL-01"
        )
    return operations.confirm(session, proposal, tests, actor_id=None, org_id=org_id, now=when)


def _ship(
    session: Session, products: list[CascadeProduct], month: int, when: datetime, org_id: int | None
) -> None:
    customer, application, site = _CUSTOMERS[month % len(_CUSTOMERS)]
    order = shipping.create_order(
        session,
        {"customer": customer, "application": application, "quantity": str(len(products)), "site": site},
        actor_id=None,
        org_id=org_id,
    )
    order.created_at = when - timedelta(days=10)
    session.add(order)
    session.commit()
    shipping.ship(session, order, [p.code for p in products], actor_id=None, org_id=org_id, now=when)


def _readings(
    session: Session,
    built: list[tuple[CascadeProduct, datetime]],
    now: datetime,
    rng: random.Random,
    ends: dict[str, datetime],
) -> int:
    """Monthly readings of every product while in service; the first product overheats once."""
    posted = 0
    for number, (product, shipped) in enumerate(built):
        soh = 80.0 + rng.uniform(0, 8)
        taken, month = shipped + timedelta(days=30), 1
        while taken < ends.get(product.code, now) - timedelta(days=1):
            hot = number == 0 and month == 2
            body = {
                "reading_id": f"DEMO-{product.short_code}-{month:02d}",
                "product_code": product.code,
                "taken_at": taken.isoformat(),
                "soh_pct": round(soh - 0.25 * month, 1),
                "cycles": 26 * month,
                "max_temperature_c": 58.0 if hot else round(rng.uniform(27, 38), 1),
                "alarms": ["over_temperature"] if hot else [],
            }
            health.post(session, body, token_id=None)
            posted += 1
            taken, month = taken + timedelta(days=30), month + 1
    return posted


def _take_backs(
    session: Session, returning: list[tuple[CascadeProduct, datetime]], when: datetime, org_id: int | None
) -> int:
    """Products come back for recycling; outputs as a hydrometallurgical plant reports them."""
    back = 0
    for product, _shipped in returning:
        mass = product.mass_g or 200_000
        outputs = {"li": mass * 11 // 1000, "ni": 0, "co": 0, "mn": 0, "electrode_powder": mass * 27 // 100}
        data = {"reason": "储能站改造，提前退役", "input_mass_g": str(mass)}
        data |= {f"{metal}_g": str(grams) for metal, grams in outputs.items()}
        shipping.take_back(session, product, data, recycler=RECYCLER, actor_id=None, org_id=org_id, now=when)
        back += 1
    return back


def _reports(session: Session, codes: list[str], rng: random.Random, now: datetime) -> None:
    """Report the year's duty events to the national platform within a week of each."""
    rows = session.exec(
        select(TraceEventRow.event_id, TraceEventRow.occurred_at).where(
            col(TraceEventRow.battery_code).in_(codes), col(TraceEventRow.kind).in_(_DUTIES)
        )
    ).all()
    for event_id, occurred in rows:
        session.add(
            TraceReport(
                event_id=event_id,
                reported_at=min(occurred + timedelta(days=rng.randrange(1, 7)), now),
                reference=f"NP{rng.randrange(10**9, 10**10)}",
            )
        )
    session.commit()
