"""Residents' doorstep bookings as stops of the day's problem, and their status from the plan.

A booking open on a day (booked, assigned, on the way or left unassigned by an earlier
plan) is a REQUIRED stop whose time window is its slot: the truck must start serving it
inside the slot. Its load is the resident's estimate (kilograms, or bags at
:data:`BAG_KG` each). A booking belongs to the depot nearest to it, as outlets do.

When a plan is saved (and again when one is accepted) each booking of its day and depot
follows it: on a route it is ``assigned`` with the estimated arrival, left out it is
``unassigned`` with the reason in words, so the resident's app can say why; the
dispatcher sees the same list on the board.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlmodel import Session, col, select

import routing
from traceability import CHINA_TZ, china_today

# Why a booking stayed unassigned has its own module; its names stay importable from here.
from webapp.dispatch.diagnosis import BOOKING_REASONS, diagnose  # noqa: F401
from webapp.models import (
    CollectionPlan,
    Facility,
    Material,
    PlannedRoute,
    PlannedStop,
    PlanStatus,
)
from webapp.models.residents import (
    Booking,
    BookingItem,
    BookingStatus,
    ResidentAccount,
    ResidentAddress,
    Slot,
)
from webapp.residents.bookings import bookings_for_day, set_status

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from webapp.dispatch.problem import DayProblem

#: A bag of recyclables as residents fill them: about 3 kg (paper, plastics, metal mixed).
BAG_KG = 3.0
#: At the door: greet, check the code, weigh a few bags, print or say the weights.
SERVICE_BASE_S = 4 * 60
SERVICE_S_PER_KG = 1.0
#: Statuses a plan may still move: the booking is open and no driver has started it.
PLANNABLE = (BookingStatus.BOOKED, BookingStatus.ASSIGNED, BookingStatus.UNASSIGNED)
#: Open bookings that still need a stop on the day's routes.
ROUTED = (*PLANNABLE, BookingStatus.ON_THE_WAY)
#: Where a booking's stop is in the resident's language (the resident app is Chinese first).
RESIDENT_LOCALE = "zh"


def booking_key(booking_id: int) -> str:
    """The problem's id of a booking's stop."""
    return f"b{booking_id}"


def booking_label(booking_id: int) -> str:
    """How staff and drivers name a booking (never by its confirmation code)."""
    return f"B{booking_id:05d}"


def seconds(t: time) -> int:
    return t.hour * 3600 + t.minute * 60


@dataclass(frozen=True)
class BookingPoint:
    """A booking as the problem needs it: where, when, how much."""

    booking_id: int
    lon: float
    lat: float
    window: tuple[int, int]  # the slot, seconds after midnight (Shenzhen)
    loads: tuple[routing.Load, ...]

    @property
    def window_label(self) -> str:
        return f"{hhmm(self.window[0])}–{hhmm(self.window[1])}"


def booking_stop(
    key: str, location: int, window: tuple[int, int], loads: tuple[routing.Load, ...]
) -> routing.Stop:
    """A required doorstep stop served inside its slot (also used by the benchmark)."""
    return routing.Stop(
        id=key,
        location=location,
        loads=loads,
        window=routing.TimeWindow(*window),
        service_base_s=SERVICE_BASE_S,
        service_s_per_kg=SERVICE_S_PER_KG,
        required=True,
        prize_fen=0,
    )


def day_bookings(session: Session, day: date, depot_id: int) -> list[BookingPoint]:
    """The open bookings of a day nearest to this depot, with their estimated loads."""
    found = bookings_for_day(session, day)
    if not found:
        return []
    slots = {s.id: s for s in session.exec(select(Slot).where(col(Slot.id).in_({b.slot_id for b in found})))}
    places = {
        a.id: a
        for a in session.exec(
            select(ResidentAddress).where(col(ResidentAddress.id).in_({b.address_id for b in found}))
        )
    }
    rows = [(b, slots[b.slot_id], places[b.address_id]) for b in found if b.status in ROUTED]
    depots = [(d.id, d.lon, d.lat) for d in session.exec(select(Facility).where(Facility.is_depot == True))]
    mine = [(b, s, a) for b, s, a in rows if _nearest(depots, a.lon, a.lat) == depot_id]
    loads = _loads(session, [b.id for b, _s, _a in mine])  # type: ignore[misc]
    return [
        BookingPoint(
            booking_id=b.id,  # type: ignore[arg-type]
            lon=a.lon,
            lat=a.lat,
            window=(seconds(s.start), seconds(s.end)),
            loads=loads.get(b.id, ()),  # type: ignore[arg-type]
        )
        for b, s, a in mine
    ]


def _nearest(depots: list[tuple[int | None, float, float]], lon: float, lat: float) -> int | None:
    from webapp.dispatch.problem import _nearest as nearest

    return nearest(depots, lon, lat)


def _loads(session: Session, booking_ids: list[int]) -> dict[int, tuple[routing.Load, ...]]:
    """Estimated loads by booking: kilograms as told, or bags at BAG_KG each."""
    if not booking_ids:
        return {}
    found: dict[int, list[routing.Load]] = {}
    for item, material in session.exec(
        select(BookingItem, Material)
        .join(Material, col(Material.id) == BookingItem.material_id)
        .where(col(BookingItem.booking_id).in_(booking_ids))
        .order_by(col(Material.sort_order))
    ).all():
        kg = item.estimated_g / 1000 if item.estimated_g else (item.bags or 0) * BAG_KG
        load = routing.Load(material.code, kg=round(kg, 1), m3=round(kg / material.density_kg_m3, 3))
        found.setdefault(item.booking_id, []).append(load)
    return {k: tuple(v) for k, v in found.items()}


def add_stops(points: list[BookingPoint], first_location: int, day: DayProblem) -> list[routing.Stop]:
    """The bookings' stops (locations from ``first_location`` on), remembered in ``day.stops``."""
    stops = []
    for i, point in enumerate(points):
        key = booking_key(point.booking_id)
        day.stops[key] = {
            "kind": "booking",
            "booking_id": point.booking_id,
            "code": booking_label(point.booking_id),
            "name": point.window_label,
            "lon": point.lon,
            "lat": point.lat,
            "required": True,
            "expected_g": sum(round(load.kg * 1000) for load in point.loads),
            "prize_fen": 0,
            "window": list(point.window),
        }
        stops.append(booking_stop(key, first_location + i, point.window, point.loads))
    return stops


def is_booking_stop(stop_id: str) -> bool:
    """Whether a problem's stop id names a booking (see :func:`booking_key`)."""
    return stop_id.startswith("b") and stop_id[1:].isdigit()


def eta(day: date, at_s: int) -> datetime:
    """Seconds after midnight in Shenzhen on ``day`` as an aware UTC datetime."""
    return (datetime.combine(day, time(0), tzinfo=CHINA_TZ) + timedelta(seconds=at_s)).astimezone(UTC)


def move(
    session: Session,
    booking: Booking,
    status: BookingStatus,
    *,
    reason: str = "",
    user_id: int | None = None,
    eta: datetime | None = None,
    at: datetime | None = None,
) -> None:
    """Change a booking's status through the residents' model, which appends its history
    row (staged; the caller commits) as of ``at`` (default now). A plan saved again with
    the same outcome writes none."""
    if booking.status == status and booking.reason == reason and (eta is None or booking.eta == eta):
        return
    set_status(session, booking, status, reason=reason, user_id=user_id, eta=eta, at=at)
    if status == BookingStatus.UNASSIGNED:
        tell_unassigned(session, booking)


def tell_unassigned(session: Session, booking: Booking) -> bool:
    """Text the resident that the booking is on no route, and why (through the app's SMS
    sender). A failed send is logged, never fails the plan; a closed account gets none, nor
    a slot of a day gone by (the demo's past year is planned after the fact)."""
    from flask import has_app_context

    from webapp.residents.sms import SmsError
    from webapp.residents.views import sms_sender

    account = session.get(ResidentAccount, booking.resident_id)
    slot = session.get(Slot, booking.slot_id)
    if account is None or not account.phone or slot is None or not has_app_context():
        return False
    if slot.day < china_today():
        return False
    with force_locale(RESIDENT_LOCALE):
        message = _(
            "[ReLoop] Your doorstep pickup %(code)s on %(day)s %(window)s is not on a route yet: "
            "%(reason)s. Please reschedule in the app, or we will call you.",
            code=booking_label(booking.id),  # type: ignore[arg-type]
            day=f"{slot.day:%m-%d}",
            window=_window(slot),
            reason=booking.reason,
        )
    try:
        sms_sender().send(account.phone, message)
    except SmsError:
        log.warning("could not text booking %s's resident that it is unassigned", booking.id, exc_info=True)
        return False
    return True


def follow_plan(
    session: Session, plan: CollectionPlan, *, user_id: int | None = None, at: datetime | None = None
) -> dict[str, int]:
    """Bookings of the plan's day and depot follow it (staged): on a route ``assigned``
    with the arrival as ETA, left out ``unassigned`` with the reason in the resident's words;
    their history rows are dated ``at`` (default now).

    A plan that is not the one in force moves nothing when another plan is accepted for
    that day and depot: residents follow the plan the drivers will drive.
    """
    from webapp.dispatch.operations import plan_in_force

    current = plan_in_force(session, plan.day, plan.depot_id)
    if plan.status == PlanStatus.SUPERSEDED or (current is not None and current.id != plan.id):
        return {"assigned": 0, "unassigned": 0}
    routed = dict(
        session.exec(
            select(PlannedStop.booking_id, PlannedStop.arrival_s)
            .join(PlannedRoute, col(PlannedRoute.id) == PlannedStop.route_id)
            .where(PlannedRoute.plan_id == plan.id, col(PlannedStop.booking_id).is_not(None))
        ).all()
    )
    left = {int(u["booking_id"]): u for u in plan.unassigned if u.get("booking_id")}
    ids = set(routed) | set(left)
    counts = {"assigned": 0, "unassigned": 0}
    if not ids:
        return counts
    bookings = session.exec(
        select(Booking).where(col(Booking.id).in_(ids), col(Booking.status).in_(PLANNABLE))
    ).all()
    for booking in bookings:
        if booking.id in routed:
            move(
                session,
                booking,
                BookingStatus.ASSIGNED,
                user_id=user_id,
                eta=eta(plan.day, routed[booking.id]),
                at=at,
            )
            counts["assigned"] += 1
        else:
            move(
                session,
                booking,
                BookingStatus.UNASSIGNED,
                reason=resident_reason(left[booking.id]),  # type: ignore[index]
                user_id=user_id,
                at=at,
            )
            counts["unassigned"] += 1
    return counts


def resident_reason(entry: dict[str, Any]) -> str:
    """Why the booking is on no route, in the resident's language, with the figures."""
    from webapp.dispatch import reasons

    with force_locale(RESIDENT_LOCALE):
        label, detail = reasons.reason_label(entry.get("reason", "")), reasons.reason_detail(entry)
    return f"{label}（{detail}）" if detail else label


@dataclass(frozen=True)
class BoardBooking:
    """A booking of a plan as the dispatch board lists it."""

    booking_id: int
    code: str
    window: str
    route: int | None
    arrival: str
    status: BookingStatus
    reason: str


def plan_bookings(session: Session, plan: CollectionPlan) -> list[BoardBooking]:
    """The bookings of a plan, on routes (with their window and arrival) or left out with why."""
    from webapp.dispatch import reasons

    on_routes = session.exec(
        select(PlannedStop, PlannedRoute.number)
        .join(PlannedRoute, col(PlannedRoute.id) == PlannedStop.route_id)
        .where(PlannedRoute.plan_id == plan.id, col(PlannedStop.booking_id).is_not(None))
    ).all()
    left = [u for u in plan.unassigned if u.get("booking_id")]
    ids = [s.booking_id for s, _n in on_routes] + [int(u["booking_id"]) for u in left]
    found = {
        b.id: (b, s)
        for b, s in session.exec(
            select(Booking, Slot).join(Slot, col(Slot.id) == Booking.slot_id).where(col(Booking.id).in_(ids))
        ).all()
    }
    rows = []
    for stop, number in on_routes:
        booking, slot = found[stop.booking_id]
        rows.append(
            BoardBooking(
                stop.booking_id,  # type: ignore[arg-type]
                booking_label(stop.booking_id),  # type: ignore[arg-type]
                _window(slot),
                number,
                hhmm(stop.arrival_s),
                booking.status,
                "",
            )
        )
    for entry in left:
        booking, slot = found[int(entry["booking_id"])]
        why = reasons.reason_label(entry.get("reason", ""))
        detail = reasons.reason_detail(entry)
        rows.append(
            BoardBooking(
                int(entry["booking_id"]),
                booking_label(int(entry["booking_id"])),
                _window(slot),
                None,
                "",
                booking.status,
                f"{why}（{detail}）" if detail else why,
            )
        )
    return sorted(rows, key=lambda r: (r.route is not None, r.window, r.route or 0, r.arrival))


def hhmm(at_s: int) -> str:
    return f"{at_s // 3600:02d}:{at_s % 3600 // 60:02d}"


def _window(slot: Slot) -> str:
    return f"{slot.start:%H:%M}–{slot.end:%H:%M}"


def booking_ids_of(stops: Iterable[PlannedStop]) -> list[int]:
    return [s.booking_id for s in stops if s.booking_id is not None]


def day_board(session: Session, day: date, depot_id: int) -> list[BoardBooking]:
    """The open bookings of a day for this depot as the board lists them: the unassigned
    first (they need the dispatcher), then by slot; route and arrival from the plan in force."""
    from webapp.dispatch.operations import plan_in_force

    points = day_bookings(session, day, depot_id)
    if not points:
        return []
    current = plan_in_force(session, day, depot_id)
    on_routes = {}
    if current is not None:
        on_routes = {
            s.booking_id: (n, s.arrival_s)
            for s, n in session.exec(
                select(PlannedStop, PlannedRoute.number)
                .join(PlannedRoute, col(PlannedRoute.id) == PlannedStop.route_id)
                .where(PlannedRoute.plan_id == current.id, col(PlannedStop.booking_id).is_not(None))
            ).all()
        }
    found = {
        b.id: b
        for b in session.exec(select(Booking).where(col(Booking.id).in_([p.booking_id for p in points])))
    }
    rows = []
    for point in points:
        booking = found[point.booking_id]
        number, arrival = on_routes.get(point.booking_id, (None, None))
        rows.append(
            BoardBooking(
                point.booking_id,
                booking_label(point.booking_id),
                point.window_label,
                number,
                hhmm(arrival) if arrival is not None else "",
                booking.status,
                booking.reason,
            )
        )
    unassigned = BookingStatus.UNASSIGNED
    return sorted(rows, key=lambda r: (r.status != unassigned, r.window, r.route or 0, r.arrival))
