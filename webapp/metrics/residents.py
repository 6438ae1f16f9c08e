"""The residents' channel (互联网+回收): residents, bookings served in their slot, kilograms
by channel and points, with the records behind each figure.

``to_json()`` (the ``residents`` key of the report):

- ``registered`` (count): accounts opened by the period's end and not closed before it;
  ``new`` (count): opened in the period; ``active`` (count): residents with a kiosk
  deposit or a booking (not cancelled) in the period;
- ``bookings`` (count): bookings of the period's slots, cancellations left out;
  ``collected`` (count) of them; ``served_in_slot``: Ratio of collected bookings whose
  collection time lies inside their slot's window (Shenzhen time) to those collected;
- ``kg_by_channel``: grams (the report's unit for weights), each a Figure in "g":
  ``outlet_g`` what drivers collected at outlets (the collection total, kiosks emptied
  included), ``doorstep_g`` what drivers weighed at residents' doors (booking stops),
  ``kiosk_g`` what residents deposited at kiosks as the kiosks weighed it (deposits
  not rejected by a reviewer; this is the residents' side of what later reappears in
  ``outlet_g`` when a kiosk is emptied, so the three are not to be added up);
- ``points_issued`` (unit "points"): credits written in the period, ``points_reversed``
  (reversals, as a positive number), ``points_redeemed`` (redemptions, positive),
  ``cash_out_fen`` (fen of cash-out payables created in the period).

A district scope narrows kiosk figures by the kiosk outlet's district, bookings by
their service area's district and residents by their address; points follow residents.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from sqlalchemy import ColumnElement, exists, func, or_, union
from sqlmodel import Session, col, select

from traceability import CHINA_TZ
from webapp.metrics import _records
from webapp.metrics.figures import Drill, Figure, Ratio, Scope
from webapp.models import Collection, CollectionPlan, CollectionWeight, Outlet, PlannedRoute, PlannedStop
from webapp.models.points import DepositReview, EntryKind, Kiosk, KioskDeposit, Payable, PointsEntry
from webapp.models.residents import (
    Booking,
    BookingStatus,
    ResidentAccount,
    ResidentAddress,
    ServiceArea,
    Slot,
)


@dataclass(frozen=True)
class ResidentIndicators:
    """Figures of the residents' channel for one scope."""

    registered: Figure
    new: Figure
    active: Figure
    bookings: Figure
    collected: Figure
    served_in_slot: Ratio
    outlet_g: Figure
    doorstep_g: Figure
    kiosk_g: Figure
    points_issued: Figure
    points_reversed: Figure
    points_redeemed: Figure
    cash_out_fen: Figure

    def to_json(self) -> dict[str, Any]:
        return {
            "registered": self.registered.to_json(),
            "new": self.new.to_json(),
            "active": self.active.to_json(),
            "bookings": self.bookings.to_json(),
            "collected": self.collected.to_json(),
            "served_in_slot": self.served_in_slot.to_json(),
            "kg_by_channel": {
                "outlet_g": self.outlet_g.to_json(),
                "doorstep_g": self.doorstep_g.to_json(),
                "kiosk_g": self.kiosk_g.to_json(),
            },
            "points_issued": self.points_issued.to_json(),
            "points_reversed": self.points_reversed.to_json(),
            "points_redeemed": self.points_redeemed.to_json(),
            "cash_out_fen": self.cash_out_fen.to_json(),
        }


# ---- the filters shared by the figures and their drill-down -------------------------


def residents_where(scope: Scope, which: str) -> list[ColumnElement[bool]]:
    """Accounts ``registered`` by the end, ``new`` in the period, or ``active`` in it."""
    where: list[ColumnElement[bool]] = [col(ResidentAccount.created_at) < scope.end_utc]
    if which == "registered":
        where.append(
            or_(col(ResidentAccount.closed_at).is_(None), col(ResidentAccount.closed_at) >= scope.end_utc)
        )
    elif which == "new":
        where.append(col(ResidentAccount.created_at) >= scope.start_utc)
    else:
        deposited = select(KioskDeposit.resident_id).where(*deposits_where(scope))
        booked = (
            select(Booking.resident_id)
            .join(Slot, col(Slot.id) == Booking.slot_id)
            .where(*bookings_where(scope))
        )
        where.append(col(ResidentAccount.id).in_(union(deposited, booked)))
    if scope.org_id is not None:
        where.append(ResidentAccount.org_id == scope.org_id)
    if scope.district:
        where.append(
            exists().where(
                ResidentAddress.resident_id == ResidentAccount.id, ResidentAddress.district == scope.district
            )
        )
    return where


def deposits_where(scope: Scope) -> list[ColumnElement[bool]]:
    """Kiosk deposits of the period not rejected by a reviewer."""
    rejected = exists().where(
        DepositReview.deposit_id == KioskDeposit.id, col(DepositReview.approved).is_(False)
    )
    where = [
        col(KioskDeposit.kiosk_time) >= scope.start_utc,
        col(KioskDeposit.kiosk_time) < scope.end_utc,
        ~rejected,
    ]
    if scope.org_id is not None:
        where.append(KioskDeposit.org_id == scope.org_id)
    if scope.district:
        where.append(
            col(KioskDeposit.kiosk_id).in_(
                select(Kiosk.id)
                .join(Outlet, col(Outlet.id) == Kiosk.outlet_id)
                .where(Outlet.district == scope.district)
            )
        )
    return where


def bookings_where(scope: Scope, status: str | None = None) -> list[ColumnElement[bool]]:
    """Bookings of the period's slots (joined to ``slot``), cancellations left out."""
    where = [col(Slot.day).between(scope.start, scope.end), Booking.status != BookingStatus.CANCELLED]
    if status == "collected":
        where.append(Booking.status == BookingStatus.COLLECTED)
    if scope.org_id is not None:
        where.append(Booking.org_id == scope.org_id)
    if scope.district:
        where.append(
            col(Slot.service_area_id).in_(
                select(ServiceArea.id).where(ServiceArea.district == scope.district)
            )
        )
    return where


def doorstep_where(scope: Scope) -> list[ColumnElement[bool]]:
    """Collections in force at booking stops on plans of the period."""
    where = [
        col(CollectionPlan.day).between(scope.start, scope.end),
        col(PlannedStop.booking_id).is_not(None),
        col(Collection.outlet_id).is_(None),
        _records.in_force(),
    ]
    if scope.org_id is not None:
        where.append(Collection.org_id == scope.org_id)
    if scope.district:
        # The same district as the collection totals give it (webapp.metrics._records).
        where.append(_records.booking_district(Collection.stop_id) == scope.district)
    return where


def doorstep_joins(query: Any) -> Any:
    """Join ``collection`` (with its weights) to its stop, route and plan."""
    return (
        query.join(PlannedStop, col(PlannedStop.id) == Collection.stop_id)
        .join(PlannedRoute, col(PlannedRoute.id) == Collection.route_id)
        .join(CollectionPlan, col(CollectionPlan.id) == PlannedRoute.plan_id)
    )


def points_where(scope: Scope, kind: str) -> list[ColumnElement[bool]]:
    """Ledger rows of ``kind`` written for moments of the period."""
    where = [
        PointsEntry.kind == EntryKind(kind),
        col(PointsEntry.at) >= scope.start_utc,
        col(PointsEntry.at) < scope.end_utc,
    ]
    if scope.org_id is not None:
        where.append(PointsEntry.org_id == scope.org_id)
    if scope.district:
        where.append(
            exists().where(
                ResidentAddress.resident_id == PointsEntry.resident_id,
                ResidentAddress.district == scope.district,
            )
        )
    return where


def in_slot(booking_collected_at: datetime | None, day: Any, start: time, end: time) -> bool:
    """Whether a collection time lies inside the slot's window on its day (Shenzhen)."""
    if booking_collected_at is None:
        return False
    local = booking_collected_at.astimezone(CHINA_TZ)
    return local.date() == day and start <= local.time().replace(tzinfo=None) <= end


# ---- the figures -------------------------------------------------------------------


def compute(session: Session, scope: Scope, outlet_total: Figure) -> ResidentIndicators:
    """Every figure of the residents' channel; ``outlet_total`` is the collection total."""

    def count(where: list[ColumnElement[bool]], which: str) -> Figure:
        n = session.exec(select(func.count()).select_from(ResidentAccount).where(*where)).one()
        return Figure(int(n), "count", Drill.of("residents", scope, residents=which))

    booked = session.exec(
        select(Booking.status, Booking.collected_at, Slot.day, Slot.start, Slot.end)
        .join(Slot, col(Slot.id) == Booking.slot_id)
        .where(*bookings_where(scope))
    ).all()
    collected = [b for b in booked if b[0] == BookingStatus.COLLECTED]
    in_window = sum(in_slot(b[1], b[2], b[3], b[4]) for b in collected)
    collected_fig = Figure(len(collected), "count", Drill.of("bookings", scope, booking_status="collected"))
    doorstep = session.exec(
        doorstep_joins(select(func.coalesce(func.sum(CollectionWeight.grams), 0)).select_from(Collection))
        .join(CollectionWeight, col(CollectionWeight.collection_id) == Collection.id)
        .where(*doorstep_where(scope))
    ).one()
    kiosk = session.exec(
        select(func.coalesce(func.sum(KioskDeposit.grams), 0)).where(*deposits_where(scope))
    ).one()

    def points(kind: str) -> Figure:
        total = session.exec(
            select(func.coalesce(func.sum(PointsEntry.points), 0)).where(*points_where(scope, kind))
        ).one()
        return Figure(abs(int(total)), "points", Drill.of("points_entries", scope, entry_kind=kind))

    cash = session.exec(
        select(func.coalesce(func.sum(Payable.fen), 0)).where(
            col(Payable.created_at) >= scope.start_utc,
            col(Payable.created_at) < scope.end_utc,
            *([Payable.org_id == scope.org_id] if scope.org_id is not None else []),
        )
    ).one()
    return ResidentIndicators(
        registered=count(residents_where(scope, "registered"), "registered"),
        new=count(residents_where(scope, "new"), "new"),
        active=count(residents_where(scope, "active"), "active"),
        bookings=Figure(len(booked), "count", Drill.of("bookings", scope)),
        collected=collected_fig,
        served_in_slot=Ratio(Figure(in_window, "count"), collected_fig),
        outlet_g=outlet_total,
        doorstep_g=Figure(int(doorstep), "g", Drill.of("doorstep", scope)),
        kiosk_g=Figure(int(kiosk), "g", Drill.of("kiosk_deposits", scope)),
        points_issued=points("credit"),
        points_reversed=points("reversal"),
        points_redeemed=points("redemption"),
        cash_out_fen=Figure(int(cash), "fen"),
    )


# ---- drill-down --------------------------------------------------------------------


def drill_residents(session: Session, scope: Scope, params: dict[str, str], offset: int, limit: int) -> Any:
    """Accounts (card numbers and masked phones only: PIPL)."""
    where = residents_where(scope, params.get("residents", "registered"))
    rows = session.exec(
        select(ResidentAccount).where(*where).order_by(col(ResidentAccount.id)).offset(offset).limit(limit)
    ).all()
    n = session.exec(select(func.count()).select_from(ResidentAccount).where(*where)).one()
    listed = [
        {
            "id": r.id,
            "card_no": r.card_no,
            "phone": r.masked_phone,
            "created_at": r.created_at,
            "closed_at": r.closed_at,
        }
        for r in rows
    ]
    return listed, {"count": int(n)}


def drill_bookings(session: Session, scope: Scope, params: dict[str, str], offset: int, limit: int) -> Any:
    """Bookings with their slot and whether they were served inside it."""
    where = bookings_where(scope, params.get("booking_status"))
    base = select(Booking, Slot).join(Slot, col(Slot.id) == Booking.slot_id).where(*where)
    rows = session.exec(base.order_by(col(Slot.day), col(Booking.id)).offset(offset).limit(limit)).all()
    n = session.exec(
        select(func.count()).select_from(Booking).join(Slot, col(Slot.id) == Booking.slot_id).where(*where)
    ).one()
    listed = [
        {
            "id": b.id,
            "day": s.day,
            "slot": f"{s.start:%H:%M}-{s.end:%H:%M}",
            "status": b.status.value,
            "collected_at": b.collected_at,
            "in_slot": int(in_slot(b.collected_at, s.day, s.start, s.end)),
        }
        for b, s in rows
    ]
    return listed, {"count": int(n)}


def drill_doorstep(session: Session, scope: Scope, params: dict[str, str], offset: int, limit: int) -> Any:
    """Collections at residents' doors with their grams."""
    base = (
        doorstep_joins(select().select_from(Collection))
        .join(CollectionWeight, col(CollectionWeight.collection_id) == Collection.id)
        .where(*doorstep_where(scope))
    )
    grams = func.sum(CollectionWeight.grams).label("grams")
    query = (
        base.add_columns(
            Collection.id, CollectionPlan.day, PlannedStop.booking_id, Collection.recorded_at, grams
        )
        .group_by(Collection.id, CollectionPlan.day, PlannedStop.booking_id, Collection.recorded_at)
        .order_by(CollectionPlan.day, Collection.id)
    )
    rows = [dict(r._mapping) for r in session.execute(query.offset(offset).limit(limit))]
    n, total = session.execute(
        base.add_columns(
            func.count(func.distinct(Collection.id)), func.coalesce(func.sum(CollectionWeight.grams), 0)
        )
    ).one()
    return rows, {"count": int(n), "g": int(total)}


def drill_kiosk_deposits(
    session: Session, scope: Scope, params: dict[str, str], offset: int, limit: int
) -> Any:
    """Kiosk deposits with their kiosk, weight and hold reason."""
    where = deposits_where(scope)
    query = (
        select(
            KioskDeposit.id,
            KioskDeposit.deposit_id,
            Kiosk.serial,
            KioskDeposit.kiosk_time,
            KioskDeposit.grams,
            KioskDeposit.hold_reason,
        )
        .join(Kiosk, col(Kiosk.id) == KioskDeposit.kiosk_id)
        .where(*where)
        .order_by(col(KioskDeposit.kiosk_time), col(KioskDeposit.id))
    )
    rows = [dict(r._mapping) for r in session.execute(query.offset(offset).limit(limit))]
    n, total = session.execute(
        select(func.count(), func.coalesce(func.sum(KioskDeposit.grams), 0)).where(*where)
    ).one()
    return rows, {"count": int(n), "g": int(total)}


def drill_points(session: Session, scope: Scope, params: dict[str, str], offset: int, limit: int) -> Any:
    """Ledger rows of one kind; ``points`` sums as the figure does (positive)."""
    where = points_where(scope, params.get("entry_kind", "credit"))
    query = (
        select(
            PointsEntry.id,
            PointsEntry.resident_id,
            PointsEntry.kind,
            PointsEntry.points,
            PointsEntry.source_ref,
            PointsEntry.at,
        )
        .where(*where)
        .order_by(col(PointsEntry.at), col(PointsEntry.id))
    )
    rows = [dict(r._mapping) for r in session.execute(query.offset(offset).limit(limit))]
    n, total = session.execute(
        select(func.count(), func.coalesce(func.sum(PointsEntry.points), 0)).where(*where)
    ).one()
    return rows, {"count": int(n), "points": abs(int(total))}


DRILLS = {
    "residents": drill_residents,
    "bookings": drill_bookings,
    "doorstep": drill_doorstep,
    "kiosk_deposits": drill_kiosk_deposits,
    "points_entries": drill_points,
}
