"""What the weighbridge pages do: read the ticket form, list the day's unload visits
at a facility, and save a ticket with its photo."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from sqlmodel import Session, col, select
from werkzeug.datastructures import FileStorage, MultiDict

from traceability import CHINA_TZ
from webapp.driver.evidence import EvidenceError, store_evidence
from webapp.models import (
    CollectionPlan,
    Driver,
    Facility,
    FacilityKind,
    PlannedRoute,
    PlannedStop,
    PlanStatus,
    Vehicle,
)
from webapp.models.weighbridge import TicketDirection, WeighIn, WeighTicket
from webapp.weighbridge.tickets import TicketError, in_force, record_ticket, record_weigh_in

# Form fields in kg, the ticket's in grams: an error on gross_g belongs to gross_kg.
FORM_FIELD = {"gross_g": "gross_kg", "tare_g": "tare_kg"}


@dataclass(frozen=True)
class UnloadOption:
    """An unload visit planned at the facility on a day, for the ticket form."""

    stop: PlannedStop
    route: PlannedRoute
    vehicle: Vehicle
    driver: Driver | None
    ticket_number: str | None  # the ticket in force for it, if weighed already


def weighing_sites(session: Session) -> list[Facility]:
    """Facilities with a weighbridge: sorting centres and transfer stations (and depots that unload)."""
    kinds = [FacilityKind.SORTING_CENTRE, FacilityKind.TRANSFER_STATION, FacilityKind.DEPOT]
    rows = session.exec(select(Facility).where(col(Facility.kind).in_(kinds)).order_by(col(Facility.id)))
    return sorted(rows, key=lambda f: (f.kind != FacilityKind.SORTING_CENTRE, f.id))


def unload_options(session: Session, facility_id: int, day: date) -> list[UnloadOption]:
    """The day's unload visits at the facility on accepted routes, in planned order."""
    rows = session.exec(
        select(PlannedStop, PlannedRoute, Vehicle)
        .join(PlannedRoute, col(PlannedRoute.id) == PlannedStop.route_id)
        .join(CollectionPlan, col(CollectionPlan.id) == PlannedRoute.plan_id)
        .join(Vehicle, col(Vehicle.id) == PlannedRoute.vehicle_id)
        .where(
            PlannedStop.kind == "unload",
            PlannedStop.facility_id == facility_id,
            CollectionPlan.day == day,
            CollectionPlan.status == PlanStatus.ACCEPTED,
        )
        .order_by(col(PlannedStop.arrival_s), col(PlannedStop.id))
    ).all()
    stop_ids = [s.id for s, _r, _v in rows]
    weighed = dict(
        session.exec(
            select(WeighTicket.stop_id, WeighTicket.number).where(
                col(WeighTicket.stop_id).in_(stop_ids),
                WeighTicket.direction == TicketDirection.IN,
                in_force(),
            )
        ).all()
    )
    drivers = {d.id: d for d in session.exec(select(Driver))}
    return [UnloadOption(s, r, v, drivers.get(r.driver_id), weighed.get(s.id)) for s, r, v in rows]


def grams(form: MultiDict[str, str], name: str, errors: dict[str, str], *, required: bool) -> int | None:
    """A kg field as exact integer grams (at most 3 decimals)."""
    text = (form.get(name) or "").strip()
    if not text:
        if required:
            errors[name] = _("Enter the weight in kg.")
        return None
    try:
        kg = Decimal(text)
    except InvalidOperation:
        errors[name] = _("Not a number.")
        return None
    value = kg * 1000
    if not kg.is_finite() or value != value.to_integral_value():
        errors[name] = _("At most 3 decimals (grams).")
        return None
    if value < 0:
        errors[name] = _("Must not be negative.")
        return None
    return int(value)


def _int(form: MultiDict[str, str], name: str, errors: dict[str, str]) -> int | None:
    text = (form.get(name) or "").strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        errors[name] = _("Not a number.")
        return None


def _moment(form: MultiDict[str, str], errors: dict[str, str]) -> datetime | None:
    text = (form.get("weighed_at") or "").strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        errors["weighed_at"] = _("Write the time as YYYY-MM-DD HH:MM.")
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=CHINA_TZ)


def save_from_form(
    session: Session,
    form: MultiDict[str, str],
    photo: FileStorage | None,
    *,
    facility_id: int,
    operator_id: int,
    voids: WeighTicket | None = None,
) -> WeighTicket | WeighIn:
    """Read the ticket form, store the photo, record the ticket (or, for the "weigh in"
    button, the truck's first weighing). Raises FormError."""
    errors: dict[str, str] = {}
    direction_text = form.get("direction", "in")
    direction = TicketDirection.OUT if direction_text == "out" else TicketDirection.IN
    stop_id = _int(form, "stop_id", errors)
    vehicle_id = _int(form, "vehicle_id", errors)
    if stop_id is not None and vehicle_id is None:
        stop = session.get(PlannedStop, stop_id)
        route = session.get(PlannedRoute, stop.route_id) if stop else None
        vehicle_id = route.vehicle_id if route else None
    weigh_in_id = _int(form, "weigh_in_id", errors)
    fields: dict[str, Any] = dict(
        facility_id=facility_id,
        direction=direction,
        gross_g=grams(form, "gross_kg", errors, required=weigh_in_id is None) or 0,
        tare_g=grams(form, "tare_kg", errors, required=False),
        vehicle_id=vehicle_id,
        plate=form.get("plate", ""),
        stop_id=stop_id if direction == TicketDirection.IN else None,
        material_id=_int(form, "material_id", errors),
        weighed_at=_moment(form, errors),
        client_id=(form.get("client_id") or "").strip()[:64] or None,
        reference=form.get("reference", "").strip(),
        note=form.get("note", "").strip(),
    )
    if voids is not None:
        fields |= dict(voids_id=voids.id, void_reason=form.get("void_reason", ""))
    elif weigh_in_id is not None:
        fields |= dict(weigh_in_id=weigh_in_id)
    if errors:
        raise FormError(errors)
    if photo is not None and photo.filename:
        try:
            stored, _new = store_evidence(session, photo.read(), user_id=operator_id)
        except EvidenceError as exc:
            raise FormError({"photo": str(exc)}) from None
        fields["photo_id"] = stored.id
    try:
        if form.get("action") == "weigh_in" and voids is None and weigh_in_id is None:
            fields.pop("tare_g")
            return record_weigh_in(session, operator_id=operator_id, **fields)
        return record_ticket(session, operator_id=operator_id, **fields)
    except TicketError as exc:
        raise FormError({FORM_FIELD.get(e["field"], e["field"]): e["message"] for e in exc.errors}) from None


class FormError(ValueError):
    """The ticket form was refused; ``errors`` maps form field names to messages."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors
