"""Reference data and the demo: outlets placed on real streets of the bundled extract."""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

from sqlmodel import Session, col, select
from werkzeug.security import check_password_hash

import geodata
from geodata.streets import load_streets, reverse_geocode
from traceability import CHINA_TZ
from webapp.api import tokens
from webapp.auth.operations import create_user
from webapp.fleet.validation import licence_check_char
from webapp.models import (
    Driver,
    Facility,
    FacilityKind,
    Material,
    Organisation,
    Outlet,
    OutletKind,
    OutletMaterial,
    OutletStatus,
    Role,
    Shift,
    SkipReason,
    TokenKind,
    User,
    Vehicle,
    VehicleKind,
    VehicleOutOfService,
)
from webapp.models._types import utcnow
from webapp.seed_year import seed_year
from webapp.seed_year._kiosks import start_kiosk_year
from webapp.seed_year._sensors import seed_sensors
from webapp.seed_year._workshop import seed_workshop

DEMO_ORG = "深圳市绿环再生资源有限公司（演示）"

# code, 中文, English, low value (低价值可回收物), bulk density kg/m³, buyer price fen/kg.
# Prices are indicative Shenzhen scrap prices for the demo; customers edit them.
MATERIALS = [
    ("paper", "废纸", "Paper and cardboard", False, 120, 140),
    ("metal", "废金属", "Scrap metal", False, 350, 220),
    ("plastic", "废塑料", "Plastics", False, 40, 150),
    ("glass", "玻璃", "Glass", True, 300, 10),
    ("textiles", "废旧纺织物", "Waste textiles", True, 150, 30),
    ("low_value_plastic", "低值塑料", "Low-value plastics", True, 30, 20),
    ("waste_wood", "废木材", "Waste wood", True, 200, 15),
    ("composite_packaging", "复合包装", "Composite packaging", True, 50, 20),
    ("battery", "废旧电池", "Batteries", False, 1500, 400),
]

# code, 中文, English, needs a photo, needs a note. Customers edit the list.
SKIP_REASONS = [
    ("closed", "网点关闭或无人", "Outlet closed, nobody there", True, False),
    ("no_access", "无法进入（门禁、施工、占道）", "No access (gate, road works, blocked)", True, True),
    ("empty", "无可回收物", "Nothing to collect", True, False),
    ("contaminated", "混杂污染，拒收", "Contaminated, refused", True, True),
    ("truck_full", "车辆已满", "Truck full", False, False),
    ("out_of_time", "时间不够", "Out of time", False, False),
    ("other", "其他原因", "Other", False, True),
]

DEMO_USERS = [
    ("admin", "系统管理员", Role.ADMIN, "admin-2026"),
    ("dispatcher", "调度员 陈敏", Role.DISPATCHER, "dispatch-2026"),
    ("driver1", "司机 李强", Role.DRIVER, "driver-2026"),
    ("driver2", "司机 王磊", Role.DRIVER, "driver-2026"),
    ("driver3", "司机 张伟", Role.DRIVER, "driver-2026"),
    ("driver4", "司机 赵军", Role.DRIVER, "driver-2026"),
    ("regulator", "监管员 刘洋", Role.REGULATOR, "audit-2026"),
    ("technician", "技术员 周杰", Role.TECHNICIAN, "workshop-2026"),
    ("weighbridge", "地磅员 孙丽", Role.WEIGHBRIDGE, "scale-2026"),
]

_KINDS = [
    (OutletKind.KIOSK, 0.55),
    (OutletKind.SMART_BIN, 0.30),
    (OutletKind.CO_BUILT, 0.10),
    (OutletKind.BATTERY_POINT, 0.05),
]
_KIND_SUFFIX = {
    OutletKind.KIOSK: "回收亭",
    OutletKind.SMART_BIN: "智能回收站",
    OutletKind.CO_BUILT: "共建回收点",
    OutletKind.BATTERY_POINT: "动力电池回收点",
}
_KIND_MATERIALS = {
    OutletKind.KIOSK: [
        "paper",
        "metal",
        "plastic",
        "glass",
        "textiles",
        "low_value_plastic",
        "composite_packaging",
    ],
    OutletKind.SMART_BIN: ["paper", "metal", "plastic", "glass", "low_value_plastic", "composite_packaging"],
    OutletKind.CO_BUILT: ["paper", "plastic", "composite_packaging", "waste_wood", "textiles"],
    OutletKind.BATTERY_POINT: ["battery", "metal"],
}
_PARTNERS = ["比亚迪股份有限公司", "华为技术有限公司", "TCL科技集团", "创维集团", "美的集团"]
_DISTRICT_ZH = {"futian": "福田区", "nanshan": "南山区"}
_DISTRICT_PREFIX = {"futian": "FT", "nanshan": "NS"}
_OUTLET_STREETS = {"residential", "living_street", "tertiary", "unclassified", "secondary"}


@dataclass
class SeedReport:
    """What the seed did, printed by the CLI."""

    created: bool
    counts: dict[str, int] = field(default_factory=dict)
    logins: list[tuple[str, str, str]] = field(default_factory=list)
    sensor_token: str = ""
    seconds: float = 0.0

    def text(self) -> str:
        if self.created:
            lines = ["demo data: " + ", ".join(f"{v} {k}" for k, v in self.counts.items())]
            if self.seconds:
                lines.append(f"operations simulated in {self.seconds:.0f} s")
        else:
            lines = ["demo data already present; nothing added"]
        lines += ["", "demo logins:"]
        lines += [f"  {role:<11} {user:<11} {password}" for role, user, password in self.logins]
        if self.sensor_token:
            lines += ["", f"demo sensor token: {self.sensor_token}"]
        else:
            # Only the token's hash is stored, so it cannot be shown again.
            lines += ["", "demo sensor token: shown at the first start only; issue another on /admin/tokens"]
        return "\n".join(lines)


def demo_logins(session: Session) -> list[tuple[str, str, str]]:
    """The demo accounts that still exist, with their password while it is still the demo's."""
    logins = []
    for username, _name, _role, password in DEMO_USERS:
        user = session.exec(select(User).where(User.username == username)).first()
        if user is None:
            continue
        shown = password if check_password_hash(user.password_hash, password) else "(password changed)"
        logins.append((user.role.value, username, shown))
    return logins


def seed_materials(session: Session) -> int:
    """Add the standard materials that are missing; existing rows are left as edited."""
    have = set(session.exec(select(Material.code)).all())
    added = 0
    for order, (code, zh, en, low, density, price) in enumerate(MATERIALS):
        if code not in have:
            session.add(
                Material(
                    code=code,
                    name_zh=zh,
                    name_en=en,
                    low_value=low,
                    density_kg_m3=density,
                    price_fen_per_kg=price,
                    sort_order=order,
                )
            )
            added += 1
    session.commit()
    return added


def seed_skip_reasons(session: Session) -> int:
    """Add the standard skip reasons that are missing; existing rows are left as edited."""
    have = set(session.exec(select(SkipReason.code)).all())
    added = 0
    for order, (code, zh, en, photo, note) in enumerate(SKIP_REASONS):
        if code not in have:
            session.add(
                SkipReason(
                    code=code,
                    name_zh=zh,
                    name_en=en,
                    requires_photo=photo,
                    requires_note=note,
                    sort_order=order,
                )
            )
            added += 1
    session.commit()
    return added


def seed_metrics_defaults(session: Session, *, demo_org_id: int | None = None) -> int:
    """The sourced emission-factor defaults; with ``demo_org_id``, also the demo's
    placeholder subsidy rates (labelled so; no rate ships for production)."""
    from webapp.metrics.factors import seed_demo_rates, seed_factors

    added = seed_factors(session)
    if demo_org_id is not None:
        added += seed_demo_rates(session, org_id=demo_org_id, valid_from=date(2020, 1, 1))
    session.commit()
    return added


def seed_demo(
    session: Session,
    *,
    outlets: int,
    days: int,
    seed: int,
    cache_dir: Path | None,
    speeds_kmh: Mapping[str, float] | None = None,
    now: datetime | None = None,
    progress: Callable[[str], None] | None = None,
) -> SeedReport:
    """Seed the demo once; a second call changes nothing.

    ``days`` days of operations up to yesterday (Shenzhen) are simulated: plans, pickups
    and fill readings (see :mod:`webapp.seed_year`); 0 leaves the outlets unread.
    """
    now = now or utcnow()
    if session.exec(select(Organisation).where(Organisation.name == DEMO_ORG)).first():
        return SeedReport(created=False, logins=demo_logins(session))
    seed_materials(session)
    seed_skip_reasons(session)
    rng = random.Random(seed)  # nosec B311 # reproducible demo data, not a secret
    org = Organisation(name=DEMO_ORG)
    session.add(org)
    session.flush()
    report = SeedReport(created=True)
    users = {}
    for username, name, role, password in DEMO_USERS:
        existing = session.exec(select(User).where(User.username == username)).first()
        if existing is not None:  # never overwrite an account someone already uses
            users[username] = existing
            report.logins.append((role.value, username, "(existing account, password unchanged)"))
            continue
        users[username] = create_user(
            session, username=username, password=password, role=role, display_name=name, org_id=org.id
        )
        report.logins.append((role.value, username, password))
    drive = geodata.load_network(mode="drive", cache_dir=cache_dir)
    depots = _facilities(session, drive, org.id)  # type: ignore[arg-type]
    _fleet(session, depots, users, org.id)  # type: ignore[arg-type]
    _roster(session, now.astimezone(CHINA_TZ).date(), org.id)  # type: ignore[arg-type]
    placed = _outlets(session, drive, rng, outlets, org.id, today=now.astimezone(CHINA_TZ).date())  # type: ignore[arg-type]
    _token, plain = tokens.issue(session, name="演示传感器网关", kind=TokenKind.SENSOR, org_id=org.id)
    seed_metrics_defaults(session, demo_org_id=org.id)
    session.commit()
    # Compounds, residents and prices first: the year's routes serve residents' bookings,
    # and the kiosks' deposits go in day by day beside them.
    report.counts["residential compounds"] = _compounds(session, org.id, seed=seed)  # type: ignore[arg-type]
    kiosks = start_kiosk_year(session, org_id=org.id, days=days, seed=seed, now=now)  # type: ignore[arg-type]
    year = seed_year(
        session,
        days=days,
        seed=seed,
        now=now,
        org_id=org.id,
        cache_dir=cache_dir,  # type: ignore[arg-type]
        speeds_kmh=speeds_kmh,
        progress=progress,
        each_day=kiosks.day if kiosks is not None else None,
    )
    report.sensor_token = plain
    report.counts |= {
        "outlets": len(placed),
        "facilities": len(depots),
        "users": len(users),
        "days of operations": year.days,
        "collection plans": year.plans,
        "pickup records": year.collections,
        "fill readings": year.readings,
    }
    report.counts["battery log entries"] = _demo_batteries(session, seed, cache_dir, days=days, now=now)
    workshop = seed_workshop(session, org_id=org.id, seed=seed, now=now, days=days)
    report.counts["workshop packs"] = workshop.packs + (workshop.cascade.packs if workshop.cascade else 0)
    if workshop.cascade and workshop.cascade.products:
        report.counts["cascade products"] = workshop.cascade.products
    report.counts["kiosk deposits"] = kiosks.found.deposits if kiosks is not None else 0
    if year.bookings is not None:
        report.counts["doorstep bookings"] = year.bookings.bookings
        report.counts["doorstep bookings collected"] = year.bookings.collected
    report.counts["sensors"] = seed_sensors(session, org_id=org.id, now=now, seed=seed)  # type: ignore[arg-type]
    if year.solves_stopped_by_time:  # those days' plans depend on the machine's speed
        report.counts["day plans cut short by the time limit"] = year.solves_stopped_by_time
    report.seconds = year.seconds
    return report


def _compounds(session: Session, org_id: int, *, seed: int) -> int:
    """Residential compounds residents pick their address from (webapp.residents.compounds)."""
    from webapp.residents.compounds import seed_demo_compounds

    made = seed_demo_compounds(session, org_id, seed=seed)
    session.commit()
    return made


def _demo_batteries(session: Session, seed: int, cache_dir: Path | None, *, days: int, now: datetime) -> int:
    """Demo batteries through the traceability log, only into an empty log.

    At least the 36 hand-picked packs over 80 days; a longer history gets two packs
    every three days on top, spread over it.
    """
    from webapp.models import TraceEventRow
    from webapp.trace.demo import SHOWCASE, seed_batteries

    if session.exec(select(TraceEventRow.seq).limit(1)).first() is not None:
        return 0
    span = max(days, 80)
    return seed_batteries(
        session, count=max(SHOWCASE, span * 2 // 3), seed=seed, cache_dir=cache_dir, span_days=span, now=now
    )


def _nearest_street(graph: object, lon: float, lat: float) -> tuple[float, float]:
    best = min(
        ((d["lon"], d["lat"]) for _n, d in graph.nodes(data=True)),  # type: ignore[attr-defined]
        key=lambda p: (p[0] - lon) ** 2 + (p[1] - lat) ** 2,
    )
    return float(best[0]), float(best[1])


def _facilities(session: Session, graph: object, org_id: int) -> list[Facility]:
    specs = [
        ("SC-NS-01", "南山再生资源分拣中心", FacilityKind.SORTING_CENTRE, 113.975, 22.512, 30),
        ("TS-FT-01", "福田垃圾分类中转站", FacilityKind.TRANSFER_STATION, 114.045, 22.525, 15),
    ]
    rows = []
    for code, name, kind, lon, lat, unload in specs:
        slon, slat = _nearest_street(graph, lon, lat)
        district = geodata.district_of(slon, slat)
        rows.append(
            Facility(
                code=code,
                name=name,
                kind=kind,
                lon=slon,
                lat=slat,
                district=district,
                address=f"深圳市{_DISTRICT_ZH.get(district or '', '')}",
                is_depot=True,
                unload_minutes=unload,
                opens=time(6, 0),
                closes=time(20, 0),
                org_id=org_id,
            )
        )
    session.add_all(rows)
    session.flush()
    return rows


# plate, body, make and model, capacity g, volume L, tare g, fixed fen/day, fen/km, depot.
# Costs are what sending the truck out costs, the driver's wage aside (paid for the shift
# either way): daily checks, cleaning and a share of insurance as the fixed cost; fuel or
# power, tyres and upkeep per km (diesel ≈ ¥7.6/L at 18 L/100 km plus upkeep; the EVs ≈ ¥1/kWh).
FLEET = [
    ("粤B·Q3721", VehicleKind.COMPACTOR, "东风 压缩式 5吨", 5_000_000, 12_000, 9_600_000, 15_000, 250, 0),
    ("粤B·G2856", VehicleKind.BOX_TRUCK, "福田 厢式 3吨", 3_000_000, 9_000, 4_200_000, 10_000, 250, 0),
    ("粤B·D34567", VehicleKind.BOX_TRUCK, "比亚迪 T5 纯电 2吨", 2_000_000, 8_000, 3_300_000, 8_000, 80, 1),
    ("粤B·80213D", VehicleKind.BOX_TRUCK, "江铃 福顺 纯电 2吨", 2_000_000, 7_000, 2_900_000, 8_000, 80, 1),
]
# Licence class, first 17 characters of the licence (= citizen ID) number, valid until.
LICENCES = [
    ("B2", "44030519850312421", date(2029, 3, 12)),
    ("C1", "44030419900817123", date(2027, 8, 17)),
    ("C1", "44030719880105331", date(2031, 1, 5)),
    ("C1", "44030519921120154", date(2026, 12, 20)),
]
SHIFT_HOURS = (time(8, 0), time(17, 0))
ROSTER_DAYS = 7


def _fleet(session: Session, depots: list[Facility], users: dict[str, object], org_id: int) -> None:
    vehicles = []
    for plate, kind, model, grams, litres, tare, fixed, per_km, depot in FLEET:
        vehicles.append(
            Vehicle(
                plate=plate,
                kind=kind,
                model=model,
                capacity_g=grams,
                volume_l=litres,
                tare_g=tare,
                depot_id=depots[depot].id,  # type: ignore[arg-type]
                fixed_cost_fen=fixed,
                cost_per_km_fen=per_km,
                org_id=org_id,
            )
        )
    session.add_all(vehicles)
    session.flush()
    for index, username in enumerate(("driver1", "driver2", "driver3", "driver4")):
        user = users[username]
        licence_class, first17, expiry = LICENCES[index]
        # An account that existed before the demo may already have its profile.
        driver = session.exec(select(Driver).where(Driver.user_id == user.id)).first()  # type: ignore[attr-defined]
        driver = driver or Driver(user_id=user.id, name="")  # type: ignore[attr-defined]
        driver.name = user.display_name.replace("司机 ", "")  # type: ignore[attr-defined]
        driver.phone = f"1380000{index + 1:04d}"
        driver.licence_no = first17 + licence_check_char(first17)
        driver.licence_class, driver.licence_expiry = licence_class, expiry
        driver.depot_id, driver.vehicle_id = vehicles[index].depot_id, vehicles[index].id
        driver.org_id = org_id
        session.add(driver)
    session.flush()


def _roster(session: Session, today: date, org_id: int) -> None:
    """A week of shifts from today (two drivers take a day off), and one truck at its annual
    inspection, so the dispatch board plans with the fleet of each day."""
    drivers = session.exec(select(Driver).where(Driver.org_id == org_id).order_by(col(Driver.id))).all()
    days_off = {(1, 5), (3, 6)}  # (driver index, days from today)
    for offset in range(ROSTER_DAYS):
        day = today + timedelta(days=offset)
        for index, driver in enumerate(drivers):
            if (index, offset) in days_off or driver.depot_id is None:
                continue
            start, end = SHIFT_HOURS
            session.add(
                Shift(
                    driver_id=driver.id,
                    depot_id=driver.depot_id,
                    day=day,
                    start=start,
                    end=end,
                    org_id=org_id,
                )  # type: ignore[arg-type]
            )
    truck = session.exec(select(Vehicle).where(Vehicle.org_id == org_id).order_by(col(Vehicle.id))).all()[-1]
    session.add(
        VehicleOutOfService(vehicle_id=truck.id, day=today + timedelta(days=3), reason="年检", org_id=org_id)
    )  # type: ignore[arg-type]


def _pick_kind(rng: random.Random) -> OutletKind:
    return rng.choices([k for k, _w in _KINDS], weights=[w for _k, w in _KINDS])[0]


def _outlets(
    session: Session, graph: object, rng: random.Random, count: int, org_id: int, *, today: date
) -> list[Outlet]:
    points = geodata.sample_street_points(
        graph,
        count,
        seed=rng.randrange(1 << 30),  # type: ignore[arg-type]
        highway=_OUTLET_STREETS,
        min_spacing_m=250,
    )
    materials = {m.code: m.id for m in session.exec(select(Material))}
    streets = load_streets()
    numbers: dict[str, int] = {}
    used_names: set[str] = set()
    rows = []
    for point in points:
        district = point.district or "futian"
        numbers[district] = numbers.get(district, 0) + 1
        kind = _pick_kind(rng)
        # Named after the nearest named street (a point on an unnamed lane still has one),
        # addressed by it and its nearest crossing, as people give directions.
        where = reverse_geocode(streets, point.lon, point.lat)
        street = where.street or point.street_name or _DISTRICT_ZH.get(district, "深圳")
        name = f"{street}{_KIND_SUFFIX[kind]}"
        if name in used_names:
            name = f"{name}（{numbers[district]}号）"
        used_names.add(name)
        status = rng.choices([OutletStatus.ACTIVE, OutletStatus.PLANNED, OutletStatus.CLOSED], [90, 8, 2])[0]
        # Opened over three years up to last week: the network grows by about a third a year.
        opened = today - timedelta(days=rng.randrange(7, 1100))
        outlet = Outlet(
            code=f"{_DISTRICT_PREFIX.get(district, 'OT')}-{numbers[district]:04d}",
            name=name,
            kind=kind,
            status=status,
            district=point.district,
            address=f"深圳市{_DISTRICT_ZH.get(district, '')}{where.text or street}",
            lon=round(point.lon, 7),
            lat=round(point.lat, 7),
            capacity_l=rng.choice([660, 1000, 1200, 2400]),
            fill_threshold_pct=80,
            host_name=rng.choice(["王", "李", "张", "刘", "陈", "杨"]) + rng.choice(["女士", "先生"]),
            host_phone=f"13{rng.randrange(10**8, 10**9)}",
            partner=rng.choice(_PARTNERS) if kind == OutletKind.CO_BUILT else "",
            opened_on=None if status == OutletStatus.PLANNED else opened,
            closed_on=today - timedelta(days=rng.randrange(1, 50)) if status == OutletStatus.CLOSED else None,
            close_reason="小区改造，站点撤除" if status == OutletStatus.CLOSED else "",
            org_id=org_id,
        )
        rows.append(outlet)
    session.add_all(rows)
    session.flush()
    for outlet in rows:
        for code in _KIND_MATERIALS[outlet.kind]:
            session.add(OutletMaterial(outlet_id=outlet.id, material_id=materials[code]))  # type: ignore[arg-type]
    return rows
