"""The demo year at the sorting centre: a weighbridge ticket for every trip the planned
routes made, weekly sorting batches, licensed buyers with price lists, and sales.

Tickets follow the drivers' pickups: each trip's net weight is what the drivers recorded
give or take a little (scales, moisture, a bag forgotten), and about one trip in forty
differs by several per cent, so the reconciliation has trips to flag. Trips ending at an
unload stop are weighed there (and the driver's unload visit records the ticket
number); the last trip of a route is weighed at the organisation's sorting centre.
Rows are written directly, numbered per facility and year in time order, so a year takes
seconds; the operations' own checks (balance, licence, stock) are kept by construction.
"""

from __future__ import annotations

import random
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlmodel import Session, col, func, select

from traceability import CHINA_TZ
from webapp.models import (
    Collection,
    CollectionOutcome,
    CollectionPlan,
    CollectionWeight,
    Facility,
    FacilityKind,
    Material,
    PlannedRoute,
    PlannedStop,
    Vehicle,
)
from webapp.models.sorting import (
    Buyer,
    BuyerLicence,
    BuyerMaterial,
    BuyerPrice,
    MaterialGrade,
    MovementKind,
    Sale,
    SaleDelivery,
    SaleInvoice,
    SortingBatch,
    StockMovement,
)
from webapp.models.weighbridge import TareSource, TicketDirection, UnloadVisit, WeighTicket
from webapp.sorting.grades import seed_grades
from webapp.sorting.sales import amount_fen
from webapp.weighbridge.tickets import apportion, format_number

# Share of each grade in a material's sorted output (the first takes the rounding).
GRADE_SHARES = {
    "paper": {"paper_occ": 55, "paper_news": 15, "paper_mixed": 30},
    "metal": {"metal_steel": 80, "metal_aluminium": 17, "metal_copper": 3},
    "plastic": {"plastic_pp": 55, "plastic_hdpe": 45},
    "glass": {"glass_cullet": 100},
    "textiles": {"textiles_rags": 70, "textiles_reuse": 30},
    "low_value_plastic": {"lvp_pet": 45, "lvp_pp": 25, "lvp_film": 30},
    "waste_wood": {"wood_pallet": 40, "wood_chip": 60},
    "composite_packaging": {"carton_tetra": 100},
}
# Residue for disposal, per mille of the input.
RESIDUE = {
    "paper": 30,
    "metal": 20,
    "plastic": 60,
    "glass": 40,
    "textiles": 100,
    "low_value_plastic": 120,
    "waste_wood": 80,
    "composite_packaging": 90,
}
# Invented demo processors: name, licence, expiry offset in days from the span's start, materials.
BUYERS = (
    ("深圳市绿源纸业再生有限公司", "粤深再生-2025-0107", 900, ("paper", "composite_packaging")),
    ("广东华塑再生资源有限公司", "粤再生-2025-0233", 900, ("plastic", "low_value_plastic")),
    ("深圳市鹏城金属回收有限公司", "粤深再生-2025-0341", 900, ("metal",)),
    ("惠州晶华玻璃再生科技有限公司", "粤惠再生-2025-0052", 900, ("glass",)),
    ("东莞绿纺循环科技有限公司", "粤莞再生-2025-0418", 900, ("textiles", "waste_wood")),
    # Its licence ran out mid-year: the sales move to the other plastics buyer.
    ("深圳市旧约塑料加工厂", "粤深再生-2024-0999", 180, ("plastic", "low_value_plastic")),
)
DEFAULT_TARE_G = 7_500_000
BUYER_TARE_G = 9_000_000
SALE_EVERY_DAYS = 14
MIN_SALE_G = 1_000_000


@dataclass
class SortingReport:
    """What the demo's sorting centre made."""

    tickets: int = 0
    flagged: int = 0
    batches: int = 0
    sales: int = 0


def seed_sorting_centre(
    session: Session, *, first: date, today: date, org_id: int, seed: int
) -> SortingReport:
    """Tickets, batches, buyers and sales of the days ``first`` .. ``today - 1``; once (commits)."""
    report = SortingReport()
    if first >= today or session.exec(select(WeighTicket.id).limit(1)).first() is not None:
        return report
    seed_grades(session)
    session.flush()
    rng = random.Random(f"reloop-demo-sorting-{seed}")  # nosec B311 # reproducible demo data
    centre = session.exec(
        select(Facility).where(Facility.kind == FacilityKind.SORTING_CENTRE).order_by(col(Facility.id))
    ).first()
    if centre is None:
        return report
    world = _World.load(session)
    buyers = _buyers(session, first, org_id, world)
    yard = _Yard(org_id, world, buyers, rng, report)
    _days(session, first, today, centre.id, yard)  # type: ignore[arg-type]
    session.commit()
    return report


@dataclass
class _World:
    material_code: dict[int, str]
    grade_id: dict[str, int]
    grade_material: dict[int, str]
    price_fen_per_kg: dict[str, int]

    @classmethod
    def load(cls, session: Session) -> _World:
        materials = session.exec(select(Material)).all()
        grades = session.exec(select(MaterialGrade)).all()
        codes = {m.id: m.code for m in materials}
        return cls(
            codes,  # type: ignore[arg-type]
            {g.code: g.id for g in grades},  # type: ignore[misc]
            {g.id: codes[g.material_id] for g in grades},  # type: ignore[misc]
            {m.code: m.price_fen_per_kg for m in materials},
        )


def _days(session: Session, first: date, today: date, centre_id: int, yard: _Yard) -> None:
    """Day by day: the inbound tickets, then on Sundays the week's sorting, every
    fortnight the sales (with their outbound tickets), so numbers follow the clock."""
    routes = session.exec(
        select(PlannedRoute, CollectionPlan.day)
        .join(CollectionPlan, col(CollectionPlan.id) == PlannedRoute.plan_id)
        .where(col(CollectionPlan.day) >= first, col(CollectionPlan.day) < today)
        .where(col(PlannedRoute.driver_id).is_not(None))
        .order_by(col(CollectionPlan.day), col(PlannedRoute.id))
    ).all()
    stops = defaultdict(list)
    route_ids = [r.id for r, _d in routes]
    for at in range(0, len(route_ids), 500):
        for stop in session.exec(
            select(PlannedStop)
            .where(col(PlannedStop.route_id).in_(route_ids[at : at + 500]))
            .order_by(col(PlannedStop.route_id), col(PlannedStop.position))
        ):
            stops[stop.route_id].append(stop)
    collected = _collected(session, first, today)
    tares = {v.id: v.tare_g for v in session.exec(select(Vehicle))}
    by_day = _by_day(routes)
    for offset in range((today - first).days):
        day = first + timedelta(days=offset)
        trips = [
            t
            for route in by_day.get(day, [])
            for t in _trips(route, stops[route.id], day, centre_id, collected)
        ]
        for trip in sorted(trips, key=lambda t: (t.weighed_at, t.route.id)):
            yard.weigh_in(session, trip, tares.get(trip.route.vehicle_id, 0))
        session.flush()
        if day.weekday() == 6 or day == today - timedelta(days=1):
            yard.sort_week(session, day)
        if offset % SALE_EVERY_DAYS == SALE_EVERY_DAYS - 1:
            yard.sell(session, day, today)
        session.flush()


@dataclass
class _Trip:
    route: PlannedRoute
    stop: PlannedStop | None
    facility_id: int
    weighed_at: datetime
    grams: dict[int, int]


def _by_day(routes: list[tuple[PlannedRoute, date]]) -> dict[date, list[PlannedRoute]]:
    found: dict[date, list[PlannedRoute]] = defaultdict(list)
    for route, day in routes:
        found[day].append(route)
    return found


def _trips(
    route: PlannedRoute,
    stops: list[PlannedStop],
    day: date,
    centre_id: int,
    collected: dict[int, dict[int, int]],
) -> list[_Trip]:
    """The route's trips with the grams the drivers recorded on each (empty trips left out)."""
    midnight = datetime.combine(day, time(0), CHINA_TZ)
    trips, grams = [], defaultdict(int)  # type: ignore[var-annotated]
    for stop in stops:
        if stop.kind == "unload":
            if grams:
                at = midnight + timedelta(seconds=stop.arrival_s + 300)
                trips.append(_Trip(route, stop, stop.facility_id or centre_id, at, dict(grams)))
            grams = defaultdict(int)
            continue
        for material, g in collected.get(stop.id, {}).items():  # type: ignore[arg-type]
            grams[material] += g
    if grams:
        at = midnight + timedelta(seconds=route.end_s - 600)
        trips.append(_Trip(route, None, centre_id, at, dict(grams)))
    return trips


def _collected(session: Session, first: date, today: date) -> dict[int, dict[int, int]]:
    """Drivers' grams per stop and material (records in force) of the span."""
    newer = select(Collection.supersedes_id).where(col(Collection.supersedes_id).is_not(None))
    rows = session.exec(
        select(Collection.stop_id, CollectionWeight.material_id, func.sum(CollectionWeight.grams))
        .join(CollectionWeight, col(CollectionWeight.collection_id) == Collection.id)
        .join(PlannedRoute, col(PlannedRoute.id) == Collection.route_id)
        .join(CollectionPlan, col(CollectionPlan.id) == PlannedRoute.plan_id)
        .where(col(CollectionPlan.day) >= first, col(CollectionPlan.day) < today)
        .where(Collection.outcome == CollectionOutcome.COLLECTED, col(Collection.id).not_in(newer))
        .group_by(Collection.stop_id, CollectionWeight.material_id)
    ).all()
    found: dict[int, dict[int, int]] = defaultdict(dict)
    for stop_id, material_id, grams in rows:
        found[stop_id][material_id] = int(grams or 0)
    return found


class _Yard:
    """The sorting centre's state while the year is written: numbers, unsorted and graded stock."""

    def __init__(
        self,
        org_id: int,
        world: _World,
        buyers: list[tuple[Buyer, set[str], dict[str, list[BuyerPrice]]]],
        rng: random.Random,
        report: SortingReport,
    ) -> None:
        self.org_id, self.world, self.buyers, self.rng, self.report = org_id, world, buyers, rng, report
        self.seq: dict[tuple[int, int], int] = defaultdict(int)
        self.unsorted: dict[tuple[int, str], int] = defaultdict(int)  # (facility, material) -> g
        self.stock: dict[tuple[int, int], int] = defaultdict(int)  # (facility, grade id) -> g
        self.epoch = datetime(2000, 1, 1, tzinfo=CHINA_TZ)
        self.last_at: dict[int, datetime] = {}  # the latest ticket time per facility

    def number(self, facility_id: int, at: datetime) -> tuple[int, int, str]:
        year = at.astimezone(CHINA_TZ).year
        self.seq[(facility_id, year)] += 1
        seq = self.seq[(facility_id, year)]
        self.report.tickets += 1
        return year, seq, format_number(year, seq)

    def weigh_in(self, session: Session, trip: _Trip, registered_tare: int) -> None:
        drivers = sum(trip.grams.values())
        if self.rng.random() < 0.025:  # a trip the reconciliation flags
            error = self.rng.choice((-1, 1)) * self.rng.uniform(0.06, 0.12)
            self.report.flagged += 1
        else:
            error = max(-0.025, min(0.025, self.rng.gauss(-0.004, 0.009)))
        net = max(1_000, round(drivers * (1 + error) / 1000) * 1000)  # the scale reads whole kilograms
        tare = registered_tare or DEFAULT_TARE_G + self.rng.randrange(-200, 200) * 1000
        year, seq, number = self.number(trip.facility_id, trip.weighed_at)
        self.last_at[trip.facility_id] = max(trip.weighed_at, self.last_at.get(trip.facility_id, self.epoch))
        ticket = WeighTicket(
            org_id=self.org_id,
            facility_id=trip.facility_id,
            year=year,
            seq=seq,
            number=number,
            direction=TicketDirection.IN,
            vehicle_id=trip.route.vehicle_id,
            plate="",
            route_id=trip.route.id,
            stop_id=trip.stop.id if trip.stop else None,
            driver_id=trip.route.driver_id,
            gross_g=tare + net,
            tare_g=tare,
            net_g=net,
            tare_source=TareSource.REGISTERED if registered_tare else TareSource.WEIGHED,
            weighed_at=trip.weighed_at,
            tare_at=None if registered_tare else trip.weighed_at + timedelta(minutes=12),
        )
        session.add(ticket)
        if trip.stop is not None:
            session.add(
                UnloadVisit(
                    org_id=self.org_id,
                    client_id=uuid.UUID(int=self.rng.getrandbits(128)).hex,
                    stop_id=trip.stop.id,  # type: ignore[arg-type]
                    route_id=trip.route.id,  # type: ignore[arg-type]
                    driver_id=trip.route.driver_id,  # type: ignore[arg-type]
                    arrived_at=trip.weighed_at - timedelta(minutes=6),
                    ticket_number=number,
                    recorded_at=trip.weighed_at,
                )
            )
        for material, grams in apportion(net, trip.grams).items():
            if material is not None:
                self.unsorted[(trip.facility_id, self.world.material_code[material])] += grams

    def sort_week(self, session: Session, day: date) -> None:
        """Sort what was weighed in since the last batch, per facility and material."""
        for (facility_id, code), input_g in sorted(self.unsorted.items()):
            shares = GRADE_SHARES.get(code)
            if not shares or input_g < 10_000:
                continue
            residue = input_g * (RESIDUE[code] + self.rng.randrange(-10, 11)) // 1000
            # Moisture and dust: up to 0.5 % of the input is in no output.
            out = input_g - residue - input_g * self.rng.randrange(0, 6) // 1000
            batch = SortingBatch(
                org_id=self.org_id,
                facility_id=facility_id,
                material_id=self._material_id(code),
                day=day,
                input_g=input_g,
                residue_g=residue,
            )
            session.add(batch)
            session.flush()
            grades = list(shares.items())
            parts = {g: out * share // 100 for g, share in grades}
            parts[grades[0][0]] += out - sum(parts.values())
            for grade, grams in parts.items():
                if grams <= 0:
                    continue
                grade_id = self.world.grade_id[grade]
                self.stock[(facility_id, grade_id)] += grams
                session.add(
                    StockMovement(
                        org_id=self.org_id,
                        facility_id=facility_id,
                        grade_id=grade_id,
                        grams=grams,
                        kind=MovementKind.SORTED,
                        day=day,
                        batch_id=batch.id,
                    )
                )
            self.unsorted[(facility_id, code)] = 0
            self.report.batches += 1

    def _material_id(self, code: str) -> int:
        return next(i for i, c in self.world.material_code.items() if c == code)

    def sell(self, session: Session, day: date, today: date) -> None:
        """Ship most of each grade with more than a tonne in stock to a licensed buyer."""
        for (facility_id, grade_id), have in sorted(self.stock.items()):
            if have < MIN_SALE_G:
                continue
            code = self.world.grade_material[grade_id]
            offers = [
                (b, prices)
                for b, covers, prices in self.buyers
                if code in covers
                and b.licence_expiry >= day
                and _price_on(prices.get(_grade_code(self.world, grade_id), []), day)
            ]
            if not offers:
                continue
            buyer, prices = self.rng.choice(offers)
            price = _price_on(prices[_grade_code(self.world, grade_id)], day)
            assert price is not None  # nosec B101 # narrows the type: the demo put a price in force
            grams = have * self.rng.randrange(70, 96) // 100 // 10_000 * 10_000
            # The buyer's truck leaves after the day's last collection truck was weighed.
            at = max(datetime.combine(day, time(15, 0), CHINA_TZ), self.last_at.get(facility_id, self.epoch))
            at += timedelta(minutes=self.rng.randrange(10, 60))
            self.last_at[facility_id] = at
            year, seq, number = self.number(facility_id, at)
            ticket = WeighTicket(
                org_id=self.org_id,
                facility_id=facility_id,
                year=year,
                seq=seq,
                number=number,
                direction=TicketDirection.OUT,
                vehicle_id=None,
                plate=f"粤S·{self.rng.randrange(10000, 99999)}",
                material_id=self._material_id(code),
                gross_g=BUYER_TARE_G + grams,
                tare_g=BUYER_TARE_G,
                net_g=grams,
                tare_source=TareSource.WEIGHED,
                weighed_at=at,
                tare_at=at - timedelta(minutes=40),
                reference=f"SO-{day:%Y%m%d}-{grade_id}",
            )
            session.add(ticket)
            session.flush()
            sale = Sale(
                org_id=self.org_id,
                buyer_id=buyer.id,
                facility_id=facility_id,
                grade_id=grade_id,
                grams=grams,  # type: ignore[arg-type]
                price_id=price.id,
                fen_per_t=price.fen_per_t,
                amount_fen=amount_fen(grams, price.fen_per_t),
                day=day,
                ticket_id=ticket.id,
            )
            session.add(sale)
            session.flush()
            session.add(
                StockMovement(
                    org_id=self.org_id,
                    facility_id=facility_id,
                    grade_id=grade_id,
                    grams=-grams,
                    kind=MovementKind.SALE,
                    day=day,
                    sale_id=sale.id,
                )
            )
            self.stock[(facility_id, grade_id)] -= grams
            if day + timedelta(days=1) < today:
                session.add(SaleDelivery(sale_id=sale.id, delivered_on=day + timedelta(days=1)))  # type: ignore[arg-type]
            issued = day + timedelta(days=self.rng.randrange(3, 11))
            if issued < today:
                session.add(
                    SaleInvoice(
                        sale_id=sale.id,
                        invoice_no=f"4403{day:%y}{sale.id:06d}",  # type: ignore[arg-type]
                        amount_fen=sale.amount_fen,
                        issued_on=issued,
                    )
                )
            self.report.sales += 1


def _grade_code(world: _World, grade_id: int) -> str:
    return next(code for code, i in world.grade_id.items() if i == grade_id)


def _price_on(prices: list[BuyerPrice], day: date) -> BuyerPrice | None:
    found = [p for p in prices if p.valid_from <= day]
    return max(found, key=lambda p: (p.valid_from, p.id)) if found else None


def _buyers(
    session: Session, first: date, org_id: int, world: _World
) -> list[tuple[Buyer, set[str], dict[str, list[BuyerPrice]]]]:
    """The demo's licensed processors, each with a price per grade it takes from the
    span's start and a second price half a year later (a price list kept as history)."""
    found = []
    material_ids = {c: i for i, c in world.material_code.items()}
    for index, (name, licence, expiry_days, codes) in enumerate(BUYERS):
        buyer = Buyer(
            org_id=org_id, name=name, licence_no=licence, licence_expiry=first + timedelta(days=expiry_days)
        )
        session.add(buyer)
        session.flush()
        prices: dict[str, list[BuyerPrice]] = defaultdict(list)
        session.add(
            BuyerLicence(
                org_id=org_id,
                buyer_id=buyer.id,  # type: ignore[arg-type]
                licence_no=licence,
                licence_expiry=buyer.licence_expiry,
                materials=sorted(codes),
                valid_from=first,
            )
        )
        for code in codes:
            session.add(BuyerMaterial(buyer_id=buyer.id, material_id=material_ids[code]))  # type: ignore[arg-type]
            for grade, share in GRADE_SHARES[code].items():
                base = world.price_fen_per_kg[code] * 1000 * (100 + share % 7 * 5 + index * 3) // 100
                for valid_from, rate in ((first, base), (first + timedelta(days=182), base * 105 // 100)):
                    price = BuyerPrice(
                        org_id=org_id,
                        buyer_id=buyer.id,
                        grade_id=world.grade_id[grade],  # type: ignore[arg-type]
                        fen_per_t=rate,
                        valid_from=valid_from,
                    )
                    session.add(price)
                    prices[grade].append(price)
        session.flush()
        found.append((buyer, set(codes), dict(prices)))
    return found
