"""The dispatcher's side of doorstep pickups: bookings by day and slot (list and map),
slot configuration, no-shows and cancellations, residents search (masked).

Every page that shows residents' data writes who looked to the change log.
"""

from __future__ import annotations

from datetime import date, time
from typing import Any

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlmodel import Session, col, select

from webapp import geo
from webapp.access import role_required
from webapp.db import db_session
from webapp.models import Role
from webapp.models.residents import (
    Booking,
    BookingStatus,
    ResidentAccount,
    ResidentAddress,
    ServiceArea,
    Slot,
)
from webapp.residents import accounts, bookings, compounds
from webapp.residents.bookings import BookingError

bp = Blueprint("bookings_office", __name__, url_prefix="/bookings")

STAFF = (Role.ADMIN, Role.DISPATCHER)


def _day() -> date:
    text = request.args.get("day") or request.form.get("day") or ""
    try:
        return date.fromisoformat(text) if text else bookings.shenzhen_now().date()
    except ValueError:
        abort(400, description=_("day must be a date like 2026-12-04"))


def day_rows(session: Session, day: date) -> list[tuple[Booking, Slot, ResidentAddress, ResidentAccount]]:
    """Every booking of ``day`` with its slot, address and resident, by slot."""
    rows = session.exec(
        select(Booking, Slot, ResidentAddress, ResidentAccount)
        .join(Slot, Slot.id == Booking.slot_id)  # type: ignore[arg-type]
        .join(ResidentAddress, ResidentAddress.id == Booking.address_id)  # type: ignore[arg-type]
        .join(ResidentAccount, ResidentAccount.id == Booking.resident_id)  # type: ignore[arg-type]
        .where(Slot.day == day)
        .order_by(Slot.service_area_id, Slot.start, Booking.id)
    ).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def _log_views(session: Session, residents: list[ResidentAccount], what: str) -> None:
    for resident in {r.id: r for r in residents}.values():
        accounts.record_staff_access(session, resident, user_id=current_user.id, what=what)
    session.commit()


@bp.get("/")
@role_required(*STAFF)
def day() -> ResponseReturnValue:
    """The day's bookings by slot, on a list and a map."""
    dbs = db_session()
    the_day = _day()
    rows = day_rows(dbs, the_day)
    _log_views(dbs, [r[3] for r in rows], f"bookings of {the_day.isoformat()}")
    counts: dict[str, int] = {}
    for booking, *_rest in rows:
        counts[booking.status.value] = counts.get(booking.status.value, 0) + 1
    # ?status=no_show&status=cancelled: the no-shows and cancellations of the day.
    wanted = {s for s in request.args.getlist("status") if s in {x.value for x in BookingStatus}}
    shown = [r for r in rows if not wanted or r[0].status.value in wanted]
    return render_template(
        "residents/office_day.html",
        day=the_day,
        rows=shown,
        counts=counts,
        statuses=list(BookingStatus),
        wanted=wanted,
    )


@bp.get("/map.json")
@role_required(*STAFF)
def day_map() -> ResponseReturnValue:
    """The day's bookings as GeoJSON points (masked phone, status, window)."""
    the_day = _day()
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [a.lon, a.lat]},
            "properties": {
                "id": b.id,
                "status": b.status.value,
                "status_label": b.status.label,
                "colour": b.status.colour,
                "window": f"{s.start:%H:%M}-{s.end:%H:%M}",
                "phone": r.masked_phone,
            },
        }
        for b, s, a, r in day_rows(db_session(), the_day)
    ]
    return jsonify(type="FeatureCollection", features=features)


@bp.post("/<int:booking_id>/no-show")
@role_required(*STAFF)
def no_show(booking_id: int) -> ResponseReturnValue:
    """Record that nobody was at the door."""
    dbs = db_session()
    booking = dbs.get(Booking, booking_id) or abort(404)
    if not booking.status.open:
        flash(_("Only an open booking can be marked a no-show."), "error")
    else:
        bookings.release_for_no_show(
            dbs, booking, reason=request.form.get("reason", ""), user_id=current_user.id
        )
        dbs.commit()
    slot = dbs.get(Slot, booking.slot_id)
    return redirect(url_for(".day", day=slot.day.isoformat() if slot else None))


@bp.post("/<int:booking_id>/cancel")
@role_required(*STAFF)
def cancel(booking_id: int) -> ResponseReturnValue:
    """Cancel a booking for the resident (the reason is shown to them); frees its place."""
    dbs = db_session()
    booking = dbs.get(Booking, booking_id) or abort(404)
    reason = request.form.get("reason", "").strip()
    if not reason:
        flash(_("Give a reason: the resident is told."), "error")
    elif booking.status.open:
        bookings._release_place(dbs, booking.slot_id)
        booking.cancelled_at = bookings.utcnow()
        bookings.set_status(dbs, booking, BookingStatus.CANCELLED, reason=reason, user_id=current_user.id)
        dbs.commit()
    slot = dbs.get(Slot, booking.slot_id)
    return redirect(url_for(".day", day=slot.day.isoformat() if slot else None))


@bp.route("/slots", methods=["GET", "POST"])
@role_required(*STAFF)
def slots() -> ResponseReturnValue:
    """Slots of a day per service area; generate windows of N hours with a capacity each."""
    dbs = db_session()
    areas = accounts.ensure_service_areas(dbs)
    the_day = _day()
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            area = dbs.get(ServiceArea, _number("area_id")) or _refuse("area_id", _("unknown service area"))
            made = bookings.generate_slots(
                dbs,
                area,
                the_day,
                first=_time("first"),
                last_end=_time("last_end"),
                hours=_number("hours"),
                capacity=_number("capacity"),
                user_id=current_user.id,
            )
        except BookingError as exc:
            errors[exc.field] = exc.message
        else:
            flash(_("%(n)d slots added.", n=len(made)), "info")
            return redirect(url_for(".slots", day=the_day.isoformat()))
    rows = dbs.exec(select(Slot).where(Slot.day == the_day).order_by(Slot.service_area_id, Slot.start)).all()
    names = {a.id: a.name for a in areas}
    page = render_template(
        "residents/office_slots.html",
        day=the_day,
        areas=areas,
        rows=rows,
        names=names,
        errors=errors,
        values=request.form,
    )
    return page, 422 if errors else 200


@bp.post("/slots/<int:slot_id>/capacity")
@role_required(*STAFF)
def slot_capacity(slot_id: int) -> ResponseReturnValue:
    """Change one slot's capacity (never below its bookings)."""
    dbs = db_session()
    slot = dbs.get(Slot, slot_id) or abort(404)
    try:
        bookings.set_capacity(dbs, slot_id, _number("capacity"))
    except BookingError as exc:
        flash(exc.message, "error")
    return redirect(url_for(".slots", day=slot.day.isoformat()))


def _refuse(field: str, message: str) -> ServiceArea:
    raise BookingError(field, message)


def _number(field: str) -> int:
    try:
        return int(request.form.get(field, ""))
    except ValueError:
        raise BookingError(field, _("must be a whole number")) from None


def _time(field: str) -> time:
    try:
        return time.fromisoformat(request.form.get(field, ""))
    except ValueError:
        raise BookingError(field, _("must be a time like 08:00")) from None


@bp.get("/residents")
@role_required(*STAFF)
def residents() -> ResponseReturnValue:
    """Find a resident by the last digits of the number or the card number; numbers stay masked."""
    dbs = db_session()
    q = request.args.get("q", "").strip()
    found: list[ResidentAccount] = []
    if len(q) >= 4:
        found = list(
            dbs.exec(
                select(ResidentAccount)
                .where(
                    col(ResidentAccount.phone).endswith(q) | (ResidentAccount.card_no == q.upper()),
                    col(ResidentAccount.closed_at).is_(None),
                )
                .limit(50)
            ).all()
        )
        _log_views(dbs, found, f"residents search {q!r}")
    counts = {r.id: len(dbs.exec(select(Booking.id).where(Booking.resident_id == r.id)).all()) for r in found}
    return render_template("residents/office_residents.html", q=q, found=found, counts=counts)


@bp.route("/compounds", methods=["GET", "POST"])
@role_required(*STAFF)
def compounds_page() -> ResponseReturnValue:
    """Residential compounds residents pick from: search them, and upload more as CSV."""
    dbs = db_session()
    problems: list[compounds.CompoundProblem] = []
    status = 200
    if request.method == "POST":
        upload = request.files.get("file")
        try:
            text = upload.read().decode("utf-8") if upload else ""
        except UnicodeDecodeError:
            text = None
        if text is None:
            problems = [compounds.CompoundProblem(1, "file", _("the file is not UTF-8 text"))]
        elif not text.strip():
            problems = [compounds.CompoundProblem(1, "file", _("choose a CSV file"))]
        else:
            try:
                made = compounds.import_compounds(dbs, text, org_id=current_user.org_id, **address_checks())
            except compounds.CompoundImportError as refused:
                dbs.rollback()
                problems = refused.problems
            else:
                flash(_("%(n)s compounds added.", n=len(made)), "success")
                return redirect(url_for("bookings_office.compounds_page")), 303
        status = 422
    q = request.args.get("q", "")
    return (
        render_template(
            "residents/office_compounds.html",
            q=q,
            found=compounds.search(dbs, q, limit=200),
            problems=problems,
            columns=",".join(compounds.COMPOUND_COLUMNS),
            districts=geo.district_names(str(get_locale())),
        ),
        status,
    )


def address_checks() -> dict[str, Any]:
    """The service-area checks a resident's address and an uploaded compound both pass."""
    area = geo.service_area()
    return {
        "inside_area": lambda x, y: (area.contains(x, y), area.distance_to_street_m(x, y)),
        "district_of": geo.district_of,
        "snap": area.snap_inside,
    }
