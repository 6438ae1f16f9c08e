"""A year of plausible operations for the demo, so the dashboard has figures on first start.

Day by day up to yesterday (Shenzhen time): outlets open and close on their dates,
bins fill at their own pace (weekends, the Spring Festival, shopping festivals; see
:mod:`._calendar`), each depot's day is planned by the dispatch board's own code and
router and accepted with each route handed to its truck's driver, and the drivers'
pickups are recorded as the driver app records them, with sensor readings that drop
after each pickup. Residents book doorstep pickups on working days, served by the day's
routes as booking stops (see :mod:`._bookings`), and ``each_day`` adds the day's other
records (the demo's kiosk deposits). Today is left to the dispatcher: its readings are
in, no plan is.
"""

from __future__ import annotations

import random
import time as clock
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import update
from sqlmodel import Session, col, func, select

from traceability import CHINA_TZ
from webapp.models import (
    CollectionPlan,
    Material,
    Outlet,
    OutletMaterial,
    OutletStatus,
    User,
)
from webapp.seed_year._bins import Bin, make_bins
from webapp.seed_year._bookings import BookingYear, DemoBookings
from webapp.seed_year._day import run_day
from webapp.seed_year._planning import Planner
from webapp.seed_year._records import Crew, SeedRecordError, write_pickups, write_readings
from webapp.seed_year._sorting import SortingReport, seed_sorting_centre

__all__ = ["SeedRecordError", "YearReport", "seed_year"]


@dataclass
class YearReport:
    """What the year seed made, and how long it took."""

    days: int = 0
    plans: int = 0
    collections: int = 0
    readings: int = 0
    seconds: float = 0.0
    solve_seconds: float = 0.0
    solves_stopped_by_time: int = 0
    sorting: SortingReport | None = None
    bookings: BookingYear | None = None


def seed_year(
    session: Session,
    *,
    days: int,
    seed: int,
    now: datetime,
    org_id: int,
    cache_dir: Path | None,
    speeds_kmh: Mapping[str, float] | None = None,
    dispatcher: str = "dispatcher",
    progress: Callable[[str], None] | None = None,
    each_day: Callable[[Session, date], object] | None = None,
) -> YearReport:
    """Simulate the ``days`` days before today (Shenzhen) on the organisation's outlets.

    Residents of the organisation with the residential compounds get doorstep bookings;
    ``each_day`` runs after each simulated day's records, before its commit.

    Does nothing when ``days`` is 0 or any plan already exists in the span, so a
    second run adds nothing. Commits every day (accepting a plan commits too).
    """
    started = clock.monotonic()
    today = now.astimezone(CHINA_TZ).date()
    first = today - timedelta(days=days)
    report = YearReport()
    if (
        days <= 0
        or session.exec(
            select(CollectionPlan.id).where(CollectionPlan.day >= first, CollectionPlan.day < today).limit(1)
        ).first()
        is not None
    ):
        return report
    rng = random.Random(f"reloop-demo-year-{seed}")  # nosec B311 # reproducible demo data, not a secret
    lives, bins = _outlets(session, org_id, first, rng)
    planner = Planner(session, cache_dir=cache_dir, speeds_kmh=speeds_kmh)
    crew = Crew.load(session)
    dispatcher_id = session.exec(select(User.id).where(User.username == dispatcher)).first()
    booker = DemoBookings.load(session, org_id=org_id, seed=seed, dispatcher_id=dispatcher_id)
    # Sensors report from the day before the span, so its first morning has readings to plan on.
    eve = run_day(first - timedelta(days=1), bins, [], capacity_g={}, densities={}, rng=rng)
    report.readings += write_readings(session, eve.readings)
    for offset in range(days):
        day = first + timedelta(days=offset)
        _update_outlets(session, lives, bins, day)
        if booker is not None:
            booker.book_day(session, day)
        visits = planner.plan_day(
            session,
            day,
            seed=seed,
            org_id=org_id,
            dispatcher_id=dispatcher_id,
            drivers=crew.driver_of_vehicle,
        )
        doors = booker.doors if booker is not None else None
        result = run_day(
            day, bins, visits, capacity_g=crew.capacity_g, densities=crew.densities, rng=rng, doors=doors
        )
        report.readings += write_readings(session, result.readings)
        report.collections += write_pickups(session, result.pickups, crew, rng)
        if booker is not None:
            booker.after_day(session, result.pickups, visits, crew)
            booker.count_unassigned(session, day)
        if each_day is not None:
            each_day(session, day)
        session.commit()
        if progress and (day.day == 1 or offset == days - 1):
            progress(f"{day:%Y-%m}: {offset + 1}/{days} days, {clock.monotonic() - started:.0f} s")
    _today(session, lives, bins, today, now, rng, report)
    report.sorting = seed_sorting_centre(session, first=first, today=today, org_id=org_id, seed=seed)
    report.days, report.plans = (
        days,
        session.exec(
            select(func.count())
            .select_from(CollectionPlan)
            .where(CollectionPlan.day >= first, CollectionPlan.day < today)
        ).one(),
    )
    report.solve_seconds, report.solves_stopped_by_time = planner.solve_seconds, planner.stopped_by_time
    report.bookings = booker.report if booker is not None else None
    report.seconds = clock.monotonic() - started
    return report


def _outlets(session: Session, org_id: int, first: date, rng: random.Random) -> tuple[list[_Life], list[Bin]]:
    """The organisation's outlets (others in the database are left alone) and their bins."""
    outlets = session.exec(select(Outlet).where(Outlet.org_id == org_id).order_by(col(Outlet.id))).all()
    lives = [_Life.of(o, first) for o in outlets]
    bins = make_bins(
        outlets,
        _accepted(session),
        {life.outlet_id: (life.opened, life.closed) for life in lives},
        start=first - timedelta(days=1),
        rng=rng,
    )
    return lives, bins


def _accepted(session: Session) -> dict[int, list[str]]:
    rows = session.exec(
        select(OutletMaterial.outlet_id, Material.code).join(
            Material, col(Material.id) == OutletMaterial.material_id
        )
    ).all()
    found: dict[int, list[str]] = {}
    for outlet_id, code in rows:
        found.setdefault(outlet_id, []).append(code)
    return found


@dataclass(frozen=True)
class _Life:
    """An outlet's opening and closing days as the simulation uses them, and its seeded status."""

    outlet_id: int
    status: OutletStatus
    opened: date | None
    closed: date | None

    @classmethod
    def of(cls, outlet: Outlet, first: date) -> _Life:
        # An outlet with no dates has been as it is since before the span.
        opened = outlet.opened_on or (
            None if outlet.status == OutletStatus.PLANNED else first - timedelta(days=1)
        )
        closed = outlet.closed_on or (first if outlet.status == OutletStatus.CLOSED else None)
        return cls(outlet.id, outlet.status, opened, closed)  # type: ignore[arg-type]

    def status_on(self, day: date) -> OutletStatus:
        """Where the outlet stood on ``day``."""
        if self.opened is None or self.opened > day:
            return OutletStatus.PLANNED
        if self.closed is not None and self.closed <= day:
            return OutletStatus.CLOSED
        return OutletStatus.ACTIVE


def _update_outlets(
    session: Session, lives: list[_Life], bins: list[Bin], day: date, final: bool = False
) -> None:
    """Outlets as the dispatcher sees them before planning ``day`` (status and latest
    reading); with ``final``, back to the status they were seeded with."""
    latest = {b.outlet_id: b.last_reading for b in bins}
    rows = []
    for life in lives:
        reading = latest.get(life.outlet_id)
        rows.append(
            {
                "id": life.outlet_id,
                "status": life.status if final else life.status_on(day),
                "last_fill_pct": reading[0] if reading else None,
                "last_fill_at": reading[1].astimezone(UTC) if reading else None,
            }
        )
    session.execute(update(Outlet), rows)
    # Bulk updates bypass the loaded objects: let the board's queries read the rows afresh.
    session.expire_all()


def _today(
    session: Session,
    lives: list[_Life],
    bins: list[Bin],
    today: date,
    now: datetime,
    rng: random.Random,
    report: YearReport,
) -> None:
    """Today's readings so far, and every outlet back to the status it was seeded with."""
    result = run_day(today, bins, [], capacity_g={}, densities={}, rng=rng, until=now)
    report.readings += write_readings(session, result.readings)
    _update_outlets(session, lives, bins, today, final=True)
    session.commit()
