"""Residents' doorstep pickups in the demo year, served by each day's planned routes.

Some demo residents keep an address at a residential compound (whose point is its
outlet's, see :mod:`webapp.residents.compounds`). On each working day (Monday to
Friday) each service area with such addresses offers three two-hour slots in the
trucks' hours and an evening one after them; a few residents book before the day,
a few of them cancel or move to another slot of the day. The day's plan takes the
open bookings as required stops in their slots (the board's own code, see
:mod:`._planning`); an evening booking no truck can reach is left unassigned with
the reason the board gives. At the door the driver checks the resident's code and
weighs; the booking is collected and the resident credited through the points
ledger as :func:`webapp.residents.routing.after_record` does, every status change
dated when it happened.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import Session, col, select

from traceability import CHINA_TZ
from webapp.dispatch.bookings import BAG_KG
from webapp.kiosk import ledger
from webapp.models import CollectionOutcome, Material, PlannedStop
from webapp.models.residents import (
    Booking,
    BookingEvent,
    BookingItem,
    BookingStatus,
    ResidentAccount,
    ResidentAddress,
    ResidentialCompound,
    Slot,
)
from webapp.residents import routing as resident_routes
from webapp.residents.accounts import area_for, ensure_service_areas
from webapp.residents.bookings import set_status
from webapp.seed_year._day import Door, Pickup
from webapp.seed_year._planning import Visit
from webapp.seed_year._records import Crew, SeedRecordError

#: The day's windows in the trucks' hours (08:00–17:00), and one after them.
DAY_SLOTS = ((time(9), time(11)), (time(11), time(13)), (time(14), time(16)))
EVENING_SLOT = (time(18), time(20))
SLOT_CAPACITY = 6
#: Residents with a doorstep address (the others only use the kiosks).
BOOKERS = 48
#: Bookings of a working day, drawn from these counts.
PER_DAY = (1, 2, 2, 3, 3, 4, 5)
CANCEL_SHARE, RESCHEDULE_SHARE, EVENING_SHARE = 0.05, 0.05, 0.04
MATERIALS = ("paper", "plastic", "metal", "glass", "textile")
_CANCELLED, _RESCHEDULED = "cancelled by the resident", "rescheduled by the resident"


@dataclass
class BookingYear:
    """What the doorstep bookings of the year came to."""

    bookings: int = 0
    collected: int = 0
    cancelled: int = 0
    rescheduled: int = 0
    unassigned: int = 0
    no_shows: int = 0
    points: int = 0


@dataclass
class _Home:
    account: ResidentAccount
    address: ResidentAddress


@dataclass
class DemoBookings:
    """The demo's bookers and what their bookings came to; one day at a time."""

    homes: list[_Home]
    materials: dict[str, int]
    org_id: int | None
    dispatcher_id: int | None
    rng: random.Random
    report: BookingYear = field(default_factory=BookingYear)
    doors: dict[int, Door] = field(default_factory=dict)

    @classmethod
    def load(
        cls, session: Session, *, org_id: int | None, seed: int, dispatcher_id: int | None
    ) -> DemoBookings | None:
        """Addresses at the compounds for the first :data:`BOOKERS` residents of the
        organisation (staged); None without residents or compounds (nothing to book)."""
        residents = session.exec(
            select(ResidentAccount)
            .where(ResidentAccount.org_id == org_id, col(ResidentAccount.closed_at).is_(None))
            .order_by(col(ResidentAccount.id))
            .limit(BOOKERS)
        ).all()
        compounds = session.exec(select(ResidentialCompound).order_by(col(ResidentialCompound.id))).all()
        if not residents or not compounds:
            return None
        ensure_service_areas(session)
        rng = random.Random(f"reloop-booking-year-{seed}")  # nosec B311 # reproducible demo data
        homes = []
        for account in residents:
            compound = rng.choice(compounds)
            area = area_for(session, compound.district)
            if area is None:
                continue
            address = ResidentAddress(
                org_id=account.org_id,
                resident_id=account.id,  # type: ignore[arg-type]
                service_area_id=area.id,  # type: ignore[arg-type]
                label="家",
                detail=f"{compound.name}{rng.randint(1, 18)}栋{rng.randint(1, 4)}单元"
                f"{rng.randint(2, 32)}0{rng.randint(1, 6)}室",
                district=compound.district,
                lon=round(compound.lon, 7),
                lat=round(compound.lat, 7),
                created_at=account.created_at,
            )
            session.add(address)
            homes.append(_Home(account, address))
        session.flush()
        materials = {
            m.code: m.id  # type: ignore[misc]
            for m in session.exec(select(Material).where(col(Material.code).in_(MATERIALS)))
        }
        if not homes or not materials:
            return None
        return cls(homes, materials, org_id, dispatcher_id, rng)

    def book_day(self, session: Session, day: date) -> None:
        """The slots of a working day and the bookings residents made for it (staged)."""
        self.doors = {}
        if day.weekday() >= 5:
            return
        rng = self.rng
        slots = self._slots(session, day)
        for _n in range(rng.choice(PER_DAY)):
            home = rng.choice(self.homes)
            open_slots = [s for s in slots[home.address.service_area_id][:-1] if s.booked < s.capacity]
            if open_slots:
                self._book(session, day, home, open_slots, rng)
        if rng.random() < EVENING_SHARE:
            home = rng.choice(self.homes)
            evening = slots[home.address.service_area_id][-1]
            if evening.booked < evening.capacity:
                self._book(session, day, home, [evening], rng)
        session.flush()

    def _slots(self, session: Session, day: date) -> dict[int, list[Slot]]:
        """The dispatcher's windows of the day by service area, set a week before."""
        made_at = datetime.combine(day - timedelta(days=7), time(17), CHINA_TZ).astimezone(UTC)
        found = {}
        for area_id in sorted({h.address.service_area_id for h in self.homes}):
            found[area_id] = [
                Slot(
                    org_id=self.org_id,
                    service_area_id=area_id,
                    day=day,
                    start=start,
                    end=end,
                    capacity=SLOT_CAPACITY,
                    created_by_id=self.dispatcher_id,
                    created_at=made_at,
                )
                for start, end in (*DAY_SLOTS, EVENING_SLOT)
            ]
            session.add_all(found[area_id])
        session.flush()
        return found

    def _book(
        self, session: Session, day: date, home: _Home, slots: Sequence[Slot], rng: random.Random
    ) -> None:
        """One booking as :func:`webapp.residents.bookings.book` makes it, then perhaps
        cancelled or moved to another open slot before the cut-off."""
        slot = rng.choice(slots)
        start = datetime.combine(day, slot.start, CHINA_TZ)
        booked_at = (start - timedelta(hours=rng.randint(14, 120), minutes=rng.randint(0, 59))).astimezone(
            UTC
        )
        slot.booked += 1
        booking = Booking(
            org_id=home.account.org_id,
            resident_id=home.account.id,  # type: ignore[arg-type]
            address_id=home.address.id,  # type: ignore[arg-type]
            slot_id=slot.id,  # type: ignore[arg-type]
            status=BookingStatus.BOOKED,
            code=f"{rng.randrange(1_000_000):06d}",
            created_at=booked_at,
            updated_at=booked_at,
        )
        session.add(booking)
        session.flush()
        estimate: dict[str, int] = {}
        for code in rng.sample(sorted(self.materials), rng.choice((1, 1, 2, 2, 3))):
            if rng.random() < 0.5:
                bags = rng.randint(1, 4)
                item = BookingItem(booking_id=booking.id, material_id=self.materials[code], bags=bags)  # type: ignore[arg-type]
                estimate[code] = round(bags * BAG_KG * 1000)
            else:
                grams = rng.randrange(2_000, 15_001, 500)
                item = BookingItem(booking_id=booking.id, material_id=self.materials[code], estimated_g=grams)  # type: ignore[arg-type]
                estimate[code] = grams
            session.add(item)
        session.add(
            BookingEvent(
                booking_id=booking.id,  # type: ignore[arg-type]
                status=BookingStatus.BOOKED,
                slot_id=slot.id,
                user_id=home.account.user_id,
                at=booked_at,
            )
        )
        self.report.bookings += 1
        changed_at = booked_at + timedelta(hours=rng.randint(1, 10))
        others = [s for s in slots if s is not slot and s.booked < s.capacity]
        if rng.random() < CANCEL_SHARE:
            slot.booked -= 1
            booking.cancelled_at = changed_at
            set_status(
                session,
                booking,
                BookingStatus.CANCELLED,
                reason=_CANCELLED,
                user_id=home.account.user_id,
                at=changed_at,
            )
            self.report.cancelled += 1
            return
        if others and rng.random() < RESCHEDULE_SHARE:
            moved_to = rng.choice(others)
            moved_to.booked += 1
            slot.booked -= 1
            booking.slot_id = moved_to.id  # type: ignore[assignment]
            set_status(
                session,
                booking,
                BookingStatus.BOOKED,
                reason=_RESCHEDULED,
                user_id=home.account.user_id,
                at=changed_at,
            )
            self.report.rescheduled += 1
        self.doors[booking.id] = Door(home.address.lon, home.address.lat, estimate)  # type: ignore[index]

    def after_day(self, session: Session, pickups: list[Pickup], visits: list[Visit], crew: Crew) -> None:
        """What the drivers' records at the doors changed for the residents (staged): on
        the way from the stop before, then collected with the code and the points, or a
        no-show with the driver's note. The day's bookings on no route stay unassigned."""
        before = {(v.route_id, v.position): v for v in visits}
        for pickup in pickups:
            visit = pickup.visit
            if visit.kind != "booking" or visit.booking_id is None:
                continue
            booking = session.get(Booking, visit.booking_id)
            if booking is None or booking.status != BookingStatus.ASSIGNED:
                raise SeedRecordError(f"booking {visit.booking_id} is on a route but not assigned")
            user_id = crew.user_of_driver[visit.driver_id]
            previous = before.get((visit.route_id, visit.position - 1))
            left_at = previous.departure if previous else visit.arrival - timedelta(minutes=20)
            set_status(
                session,
                booking,
                BookingStatus.ON_THE_WAY,
                user_id=user_id,
                eta=visit.arrival.astimezone(UTC),
                at=left_at.astimezone(UTC),
            )
            recorded = pickup.recorded_at.astimezone(UTC)
            if pickup.outcome != CollectionOutcome.COLLECTED:
                set_status(
                    session, booking, BookingStatus.NO_SHOW, reason=pickup.note, user_id=user_id, at=recorded
                )
                self.report.no_shows += 1
                continue
            # The driver types the code the resident shows, as the app checks it.
            stop = session.get(PlannedStop, visit.stop_id)
            problems = (
                resident_routes.check_code(session, stop, booking.code) if stop else [{"field": "stop_id"}]
            )
            if problems:
                raise SeedRecordError(f"booking {booking.id}: {problems}")
            booking.code_used_at = recorded
            set_status(session, booking, BookingStatus.COLLECTED, user_id=user_id, at=recorded)
            for code, grams in sorted(pickup.weights_g.items()):
                for entry in ledger.credit_for_collection(
                    session,
                    booking.resident_id,
                    code,
                    grams,
                    f"collection:{pickup.collection_id}",
                    pickup.recorded_at,
                    org_id=booking.org_id,
                    actor_id=user_id,
                ):
                    self.report.points += entry.points
            self.report.collected += 1

    def count_unassigned(self, session: Session, day: date) -> None:
        """Add the day's bookings the plans left on no route to the report."""
        self.report.unassigned += len(
            session.exec(
                select(Booking.id)
                .join(Slot, col(Slot.id) == Booking.slot_id)
                .where(Slot.day == day, Booking.status == BookingStatus.UNASSIGNED)
            ).all()
        )
