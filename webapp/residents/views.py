"""The residents' phone app: register, addresses, book a pickup, follow it, cancel, history.

Every page of a resident shows only the resident's own rows: another resident's
booking answers 404, exactly as a booking that does not exist.
"""

from __future__ import annotations

import io
import os
from datetime import timedelta
from typing import Any

import qrcode
import qrcode.image.svg
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_user
from sqlmodel import select

from traceability.deadlines import CHINA_TZ
from webapp import geo, installable
from webapp.access import public, role_required
from webapp.auth import operations as auth_operations
from webapp.db import db_session
from webapp.models import Material, Outlet, OutletStatus, Role
from webapp.models._types import utcnow
from webapp.models.residents import ResidentAccount, ResidentAddress, Slot
from webapp.outlets import search
from webapp.residents import accounts, bookings, compounds
from webapp.residents.bookings import BookingError, ItemInput, NotFoundError
from webapp.residents.sms import ConsoleSender, SmsError, SmsSender, sender_from_env

bp = Blueprint("residents", __name__, url_prefix="/r")

# Files the service worker keeps for offline use; their content hash versions it.
SHELL_STATIC = ["css/reloop.css", "residents/residents.css"]


def cutoff() -> timedelta:
    """How long before a slot starts residents may still cancel or reschedule."""
    hours = current_app.config.get("RESIDENT_CUTOFF_H", os.environ.get("RELOOP_BOOKING_CUTOFF_H", "2"))
    try:
        value = float(hours)
    except ValueError:
        raise RuntimeError(f"RELOOP_BOOKING_CUTOFF_H must be a number of hours, not {hours!r}") from None
    return timedelta(hours=value)


def sms_sender() -> SmsSender:
    """The app's SMS sender (the console sender unless a gateway is configured)."""
    sender = current_app.extensions.get("reloop.sms")
    if sender is None:
        sender = current_app.extensions["reloop.sms"] = sender_from_env()
    return sender  # type: ignore[no-any-return]


def _me() -> ResidentAccount:
    account = accounts.account_of_user(db_session(), current_user.id)
    if account is None:
        abort(404)
    return account


# -- registration ---------------------------------------------------------------------------


@bp.route("/register", methods=["GET", "POST"])
@public
def register() -> ResponseReturnValue:
    """Step 1: the mobile number gets a code. Step 2: code and password make the account."""
    errors: dict[str, str] = {}
    values = request.form
    step = "phone"
    if request.method == "POST":
        try:
            if request.form.get("action") == "send":
                accounts.send_code(db_session(), request.form.get("phone", ""), sms_sender())
                flash(_("A code was sent to your phone."), "info")
                step = "code"
            else:
                step = "code"
                account = accounts.register(
                    db_session(),
                    request.form.get("phone", ""),
                    request.form.get("code", ""),
                    request.form.get("password", ""),
                )
                return _log_in(account, request.form.get("password", ""))
        except BookingError as exc:
            errors[exc.field] = exc.message
        except SmsError:
            errors["phone"] = _("The code could not be sent; try again in a minute.")
    status = 422 if errors else 200
    return render_template("residents/register.html", errors=errors, values=values, step=step), status


def _log_in(account: ResidentAccount, password: str) -> ResponseReturnValue:
    login_session = auth_operations.login(
        db_session(),
        account.phone or "",
        password,
        user_agent=request.user_agent.string,
        remote_addr=request.remote_addr or "",
        request_id=g.get("request_id", ""),
    )
    principal = auth_operations.load_principal(db_session(), login_session.id)
    session.clear()
    login_user(principal)
    return redirect(url_for("residents.home"))


# -- the app ----------------------------------------------------------------------------------


@bp.get("/")
@role_required(Role.RESIDENT)
def home() -> ResponseReturnValue:
    """Upcoming bookings with their status and code, the balance, links to everything else."""
    me = _me()
    rows = bookings.resident_bookings(db_session(), me.id)  # type: ignore[arg-type]
    upcoming = [(b, s) for b, s in rows if b.status.open]
    return render_template(
        "residents/home.html",
        me=me,
        upcoming=upcoming,
        balance=_balance(me),
        has_address=bool(accounts.addresses(db_session(), me.id)),  # type: ignore[arg-type]
    )


@bp.get("/history")
@role_required(Role.RESIDENT)
def history() -> ResponseReturnValue:
    """Every booking of the resident, newest first."""
    me = _me()
    rows = bookings.resident_bookings(db_session(), me.id)  # type: ignore[arg-type]
    return render_template("residents/history.html", me=me, rows=rows, balance=_balance(me))


@bp.route("/addresses", methods=["GET", "POST"])
@role_required(Role.RESIDENT)
def addresses() -> ResponseReturnValue:
    """The resident's pickup addresses; a new one is picked on the map or from the
    residential compounds (searched by ``q``), and moved onto a street when just outside."""
    me = _me()
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            _add_address(me)
        except BookingError as exc:
            errors[exc.field] = exc.message
        else:
            return redirect(
                request.args.get("then") == "book" and url_for("residents.book") or url_for(".addresses")
            )
    rows = accounts.addresses(db_session(), me.id)  # type: ignore[arg-type]
    query = request.args.get("q", "")[:40]
    found = compounds.search(db_session(), query)
    page = render_template(
        "residents/addresses.html", rows=rows, errors=errors, values=request.form, compounds=found, q=query
    )
    return page, 422 if errors else 200


def _add_address(me: ResidentAccount) -> None:
    """Save the form's address (a compound's point, or the map's), saying when it moved."""
    detail = request.form.get("detail", "")
    if request.form.get("compound"):
        compound = compounds.pick(db_session(), request.form["compound"])
        lon, lat = compound.lon, compound.lat
        detail = f"{compound.name} {detail.strip()}" if detail.strip() else ""
    else:
        lon, lat = _float(request.form.get("lon"), "lon"), _float(request.form.get("lat"), "lat")
    area = geo.service_area()
    moved: list[float] = []

    def snap(x: float, y: float) -> tuple[float, float, float]:
        found = area.snap_inside(x, y)
        moved.append(found[2])
        return found

    accounts.add_address(
        db_session(),
        me,
        lon=lon,
        lat=lat,
        detail=detail,
        label=request.form.get("label", ""),
        inside_area=lambda x, y: (area.contains(x, y), area.distance_to_street_m(x, y)),
        district_of=geo.district_of,
        snap=snap,
    )
    if moved:
        flash(_("Address saved, moved %(m)s m onto the nearest street.", m=f"{moved[0]:,.0f}"), "info")
    else:
        flash(_("Address saved."), "info")


def _float(text: str | None, field: str) -> float:
    try:
        return float(text or "")
    except ValueError:
        raise BookingError(field, _("pick the address on the map (longitude and latitude)")) from None


@bp.get("/places")
@role_required(Role.RESIDENT)
def places() -> ResponseReturnValue:
    """Streets and crossings matching ``q``, to find the address before tapping the map."""
    query = request.args.get("q", "")
    problem = search.query_problem(query)
    if problem:
        return jsonify(error=problem, field="q"), 400
    return jsonify(results=search.places(query, locale=str(get_locale())))


@bp.route("/book", methods=["GET", "POST"])
@role_required(Role.RESIDENT)
def book() -> ResponseReturnValue:
    """Book a doorstep pickup: address, slot, materials with kg or bags, optional photo."""
    me = _me()
    places = accounts.addresses(db_session(), me.id)  # type: ignore[arg-type]
    if not places:
        return redirect(url_for(".addresses", then="book"))
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            booking = bookings.book(
                db_session(),
                me,
                address_id=_int(request.form.get("address_id"), "address_id"),
                slot_id=_int(request.form.get("slot_id"), "slot_id"),
                items=_items(request.form),
                note=request.form.get("note", ""),
                photo=_photo(),
            )
        except BookingError as exc:
            errors[exc.field] = exc.message
        else:
            if _wants_json():
                return jsonify(id=booking.id, status=booking.status.value, code=booking.code), 201
            flash(_("Booked. Show the code %(code)s to the driver.", code=booking.code), "info")
            return redirect(url_for(".show_booking", booking_id=booking.id))
        if _wants_json():
            return _json_errors(errors)
    chosen = _int_or_none(request.values.get("address_id")) or places[0].id
    address = next((a for a in places if a.id == chosen), places[0])
    slots = bookings.open_slots(db_session(), address.service_area_id)
    materials = (
        db_session().exec(select(Material).where(Material.active == True).order_by(Material.sort_order)).all()
    )  # noqa: E712
    page = render_template(
        "residents/book.html",
        places=places,
        address=address,
        slots=slots,
        materials=materials,
        errors=errors,
        values=request.form,
        locale=str(get_locale()),
    )
    return page, 422 if errors else 200


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _json_errors(errors: dict[str, str]) -> ResponseReturnValue:
    body = [{"index": 0, "field": field, "message": message} for field, message in errors.items()]
    return jsonify(errors=body), 422


def _int(text: str | None, field: str) -> int:
    value = _int_or_none(text)
    if value is None:
        raise BookingError(field, _("choose one"))
    return value


def _int_or_none(text: str | None) -> int | None:
    try:
        return int(text or "")
    except ValueError:
        return None


def _items(form: Any) -> list[ItemInput]:
    """``kg_<material id>`` (kilograms, decimals allowed) or ``bags_<material id>`` per material."""
    items = []
    for material_id in form.getlist("material"):
        mid = _int(material_id, "materials")
        kg, bags = form.get(f"kg_{mid}", "").strip(), form.get(f"bags_{mid}", "").strip()
        try:
            grams = round(float(kg) * 1000) if kg else None
            count = int(bags) if bags else None
        except ValueError:
            raise BookingError("materials", _("kilograms and bags must be numbers")) from None
        items.append(ItemInput(material_id=mid, estimated_g=grams, bags=count))
    return items


def _photo() -> bytes | None:
    upload = request.files.get("photo")
    if upload is None or not upload.filename:
        return None
    return upload.read(4 * 1024 * 1024)


@bp.get("/bookings/<int:booking_id>")
@role_required(Role.RESIDENT)
def show_booking(booking_id: int) -> ResponseReturnValue:
    """A booking's status, code, window, history, weights and points."""
    me = _me()
    try:
        booking = bookings.own_booking(db_session(), me.id, booking_id)  # type: ignore[arg-type]
    except NotFoundError:
        abort(404)
    return _render_booking(me, booking)


def _render_booking(
    me: ResidentAccount, booking: Any, errors: dict[str, str] | None = None
) -> ResponseReturnValue:
    dbs = db_session()
    slot = dbs.get(Slot, booking.slot_id)
    address = dbs.get(ResidentAddress, booking.address_id)
    names = {m.id: m.name(str(get_locale())) for m in dbs.exec(select(Material)).all()}
    can_change = booking.status.open and booking.status.value != "on_the_way"
    can_change = can_change and bookings.slot_window(slot)[0] - cutoff() > utcnow()  # type: ignore[arg-type]
    page = render_template(
        "residents/booking.html",
        booking=booking,
        slot=slot,
        address=address,
        items=bookings.booking_items(dbs, booking.id),
        events=bookings.history(dbs, booking.id),
        weights=[(names.get(m, m), g) for m, g in bookings.booking_weights(dbs, booking.id)],
        points=_points_of(me, booking.id),
        names=names,
        can_change=can_change,
        slots=[s for s in bookings.open_slots(dbs, slot.service_area_id) if s.id != slot.id and s.free]  # type: ignore[union-attr]
        if can_change
        else [],
        cutoff_h=f"{cutoff().total_seconds() / 3600:g}",
        errors=errors or {},
        eta_local=booking.eta.astimezone(CHINA_TZ).strftime("%H:%M") if booking.eta else "",
    )
    return page, 422 if errors else 200


@bp.post("/bookings/<int:booking_id>/cancel")
@role_required(Role.RESIDENT)
def cancel_booking(booking_id: int) -> ResponseReturnValue:
    """Cancel before the cut-off."""
    me = _me()
    try:
        booking = bookings.cancel(db_session(), me, booking_id, cutoff=cutoff())
    except NotFoundError:
        abort(404)
    except BookingError as exc:
        return _render_booking(
            me, bookings.own_booking(db_session(), me.id, booking_id), {exc.field: exc.message}
        )  # type: ignore[arg-type]
    flash(_("Booking cancelled."), "info")
    return redirect(url_for(".show_booking", booking_id=booking.id))


@bp.post("/bookings/<int:booking_id>/reschedule")
@role_required(Role.RESIDENT)
def reschedule_booking(booking_id: int) -> ResponseReturnValue:
    """Move to another slot before the cut-off."""
    me = _me()
    try:
        slot_id = _int(request.form.get("slot_id"), "slot_id")
        booking = bookings.reschedule(db_session(), me, booking_id, slot_id, cutoff=cutoff())
    except NotFoundError:
        abort(404)
    except BookingError as exc:
        return _render_booking(
            me, bookings.own_booking(db_session(), me.id, booking_id), {exc.field: exc.message}
        )  # type: ignore[arg-type]
    flash(_("Booking moved to the new slot."), "info")
    return redirect(url_for(".show_booking", booking_id=booking.id))


@bp.get("/prices")
@role_required(Role.RESIDENT)
def prices() -> ResponseReturnValue:
    """What a kilogram of each material pays today, in yuan and points."""
    lines = _price_lines()
    return render_template("residents/prices.html", lines=lines, locale=str(get_locale()))


def _price_lines() -> list[Any]:
    try:
        from webapp.kiosk import ledger
    except ImportError:  # the price list comes with the points area
        return []
    return ledger.resident_prices(db_session(), bookings.shenzhen_now().date())


def _balance(me: ResidentAccount) -> int | None:
    try:
        from webapp.kiosk import ledger
    except ImportError:
        return None
    return ledger.balance(db_session(), me.id)  # type: ignore[arg-type]


def _points_of(me: ResidentAccount, booking_id: int) -> int | None:
    """Points credited for the collection at this booking's stop, if any."""
    try:
        from webapp.models.points import PointsEntry
    except ImportError:
        return None
    refs = [f"collection:{cid}" for cid in bookings.booking_collection_ids(db_session(), booking_id)]
    if not refs:
        return None
    rows = (
        db_session()
        .exec(
            select(PointsEntry).where(PointsEntry.resident_id == me.id, PointsEntry.source_ref.in_(refs))  # type: ignore[attr-defined]
        )
        .all()
    )
    return sum(r.points for r in rows) if rows else None


@bp.get("/map")
@role_required(Role.RESIDENT)
def nearby() -> ResponseReturnValue:
    """Outlets and kiosks near the resident's first address, on a map."""
    me = _me()
    places = accounts.addresses(db_session(), me.id)  # type: ignore[arg-type]
    return render_template("residents/map.html", home=places[0] if places else None)


@bp.get("/map/outlets.json")
@role_required(Role.RESIDENT)
def nearby_json() -> ResponseReturnValue:
    """The 20 active outlets nearest to ``lon``/``lat`` (or the first address) as GeoJSON."""
    me = _me()
    places = accounts.addresses(db_session(), me.id)  # type: ignore[arg-type]
    try:
        lon = float(request.args.get("lon", places[0].lon if places else 114.06))
        lat = float(request.args.get("lat", places[0].lat if places else 22.54))
    except ValueError:
        return jsonify(errors=[{"index": 0, "field": "lon", "message": _("not a number")}]), 422
    outlets = db_session().exec(select(Outlet).where(Outlet.status == OutletStatus.ACTIVE)).all()
    nearest = sorted(outlets, key=lambda o: (o.lon - lon) ** 2 + ((o.lat - lat) * 1.08) ** 2)[:20]
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [o.lon, o.lat]},
            "properties": {
                "name": o.name,
                "kind": o.kind.value,
                "kind_label": o.kind.label,
                "address": o.address,
            },
        }
        for o in nearest
    ]
    return jsonify(type="FeatureCollection", features=features)


# -- PIPL: export and close -----------------------------------------------------------------


@bp.get("/account")
@role_required(Role.RESIDENT)
def account() -> ResponseReturnValue:
    """The account: card number and QR for kiosks, export, close."""
    me = _me()
    image = qrcode.make(me.qr_secret, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode()
    return render_template("residents/account.html", me=me, svg=svg[svg.index("<svg") :])


@bp.get("/account/export.json")
@role_required(Role.RESIDENT)
def export() -> ResponseReturnValue:
    """Everything held about the resident, as a JSON download."""
    me = _me()
    data = accounts.export_data(db_session(), me)
    response = jsonify(data)
    response.headers["Content-Disposition"] = 'attachment; filename="reloop-my-data.json"'
    return response


@bp.post("/account/close")
@role_required(Role.RESIDENT)
def close() -> ResponseReturnValue:
    """Close the account: number and addresses anonymised, the collection records stay."""
    me = _me()
    if request.form.get("confirm") != "yes":
        flash(_("Tick the box to confirm closing your account."), "error")
        return redirect(url_for(".account")), 303
    accounts.close_account(db_session(), me, actor_id=current_user.id, reason="closed by the resident")
    session.clear()
    flash(_("Your account is closed."), "info")
    return redirect(url_for("auth.login"))


# -- installable app ------------------------------------------------------------------------


@bp.get("/manifest.webmanifest")
@public
def manifest() -> ResponseReturnValue:
    """Install the resident app on the phone's home screen."""
    return installable.manifest_response(
        name=_("ReLoop recycling at home"),
        short_name=_("ReLoop"),
        start_url=url_for("residents.home"),
        theme_color="#be185d",
    )


@bp.get("/sw.js")
@public
def service_worker() -> ResponseReturnValue:
    """A small service worker: the app shell offline, pages always fresh from the network."""
    return installable.service_worker_response(
        "residents/sw.js",
        scope=url_for("residents.home"),
        shell_files=SHELL_STATIC,
        offline_url=url_for("residents.offline"),
    )


@bp.get("/offline")
@public
def offline() -> ResponseReturnValue:
    """Shown by the service worker when there is no signal."""
    return render_template("residents/offline.html")


def console_outbox() -> ConsoleSender | None:
    """The console sender of the running app, for tests and the demo."""
    sender = current_app.extensions.get("reloop.sms")
    return sender if isinstance(sender, ConsoleSender) else None
