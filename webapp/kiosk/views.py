"""Back office of the points channel: held deposits to review, payables to export, and the
resident's points partial the resident app includes."""

from __future__ import annotations

from datetime import date, datetime

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlmodel import Session, select

from traceability import china_today
from traceability.deadlines import CHINA_TZ
from webapp.access import STAFF, role_required
from webapp.db import db_session
from webapp.kiosk import ledger, office, redeem
from webapp.kiosk.operations import Limits, held_deposits, review_deposit
from webapp.models import Material, Outlet, Role
from webapp.models.points import Kiosk, ResidentPrice
from webapp.models.residents import ResidentAccount

bp = Blueprint("kiosk", __name__, url_prefix="/kiosk")


def points_context(session: Session, resident_id: int) -> dict[str, object]:
    """What ``templates/kiosk/_points.html`` shows: the balance and the latest rows."""
    return {
        "points_balance": ledger.balance(session, resident_id),
        "points_rows": ledger.history(session, resident_id),
        "tz": CHINA_TZ,
    }


@bp.get("/held")
@role_required(*STAFF)
def held() -> ResponseReturnValue:
    """Held deposits waiting for a reviewer, with why each was held."""
    session = db_session()
    rows = held_deposits(session)
    residents = {
        r.id: r
        for r in session.exec(
            select(ResidentAccount).where(ResidentAccount.id.in_({d.resident_id for d in rows}))
        )
    }  # type: ignore[attr-defined]
    kiosks = {k.id: k for k in session.exec(select(Kiosk))}
    materials = {m.id: m for m in session.exec(select(Material))}
    return render_template(
        "kiosk/held.html", rows=rows, residents=residents, kiosks=kiosks, materials=materials, tz=CHINA_TZ
    )


@bp.post("/held/<int:deposit_id>/review")
@role_required(*STAFF)
def review(deposit_id: int) -> ResponseReturnValue:
    """Approve (credit) or reject (with a reason) one held deposit."""
    session = db_session()
    decision = request.form.get("decision", "")
    if decision not in ("approve", "reject"):
        abort(400)
    try:
        review_deposit(
            session,
            deposit_id,
            approve=decision == "approve",
            reason=request.form.get("reason", ""),
            reviewer_id=current_user.id,
        )
        session.commit()
    except ledger.LedgerError as exc:
        session.rollback()
        flash(_("Not reviewed: %(field)s %(message)s", field=exc.field, message=exc.message), "error")
        return redirect(url_for("kiosk.held")), 303
    flash(_("Deposit approved and credited.") if decision == "approve" else _("Deposit rejected."), "success")
    return redirect(url_for("kiosk.held")), 303


@bp.get("/payables.<fmt>")
@role_required(Role.ADMIN)
def payables(fmt: str) -> ResponseReturnValue:
    """Cash-outs finance owes residents, as CSV or XLSX (card numbers, no phone numbers)."""
    if fmt not in ("csv", "xlsx"):
        abort(404)
    session = db_session()
    rows, paid = redeem.payables(session), redeem.payments(session)
    stamp = datetime.now(CHINA_TZ).strftime("%Y%m%d")
    if fmt == "csv":
        body, mime = redeem.payables_csv(rows, paid), "text/csv; charset=utf-8"
    else:
        body, mime = (
            redeem.payables_xlsx(rows, paid),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    return Response(
        body, mimetype=mime, headers={"Content-Disposition": f'attachment; filename="payables-{stamp}.{fmt}"'}
    )


def _my_account() -> ResidentAccount:
    from webapp.residents.accounts import account_of_user

    account = account_of_user(db_session(), current_user.id)
    if account is None or account.closed_at is not None:
        abort(404)
    return account


@bp.get("/points")
@role_required(Role.RESIDENT)
def points() -> ResponseReturnValue:
    """The resident's points: balance, latest rows, cash-out and the rewards catalogue."""
    return _points_page(_my_account(), {})


def _points_page(me: ResidentAccount, errors: dict[str, str], status: int = 200) -> ResponseReturnValue:
    session = db_session()
    items = office.catalogue(session, offered_only=True)  # the terms in force now
    stocks = {i.id: redeem.stock(session, i.id) for i in items}  # type: ignore[arg-type]
    context = points_context(session, me.id)  # type: ignore[arg-type]
    limits = Limits.from_env()
    return render_template(
        "kiosk/points.html", items=items, stocks=stocks, errors=errors, limits=limits, **context
    ), status


@bp.post("/points/cash-out")
@role_required(Role.RESIDENT)
def cash_out() -> ResponseReturnValue:
    """Ask for points to be paid out: a payable for finance, paid outside the platform."""
    me = _my_account()
    session = db_session()
    text = request.form.get("points", "").strip()
    try:
        if not text.isdigit():
            raise ledger.LedgerError("points", _("must be a whole number of points"))
        payable = redeem.cash_out(session, me, int(text), limits=Limits.from_env(), actor_id=current_user.id)
        session.commit()
    except ledger.LedgerError as exc:
        session.rollback()
        return _points_page(me, {exc.field: exc.message}, 422)
    flash(
        _("Cash-out of %(yuan)s yuan requested; finance pays it.", yuan=f"{payable.fen / 100:.2f}"), "success"
    )
    return redirect(url_for("kiosk.points")), 303


@bp.post("/points/exchange")
@role_required(Role.RESIDENT)
def exchange() -> ResponseReturnValue:
    """Exchange points for one item of the catalogue."""
    me = _my_account()
    session = db_session()
    try:
        redeem.exchange(
            session, me, request.form.get("item", ""), 1, limits=Limits.from_env(), actor_id=current_user.id
        )
        session.commit()
    except ledger.LedgerError as exc:
        session.rollback()
        return _points_page(me, {exc.field: exc.message}, 422)
    flash(_("Exchanged; collect it at the service desk."), "success")
    return redirect(url_for("kiosk.points")), 303


@bp.get("/")
@role_required(*STAFF)
def index() -> ResponseReturnValue:
    """Registered kiosks with their fill level, and residents' prices: in force and history."""
    return _index_page({})


def _index_page(errors: dict[str, str], status: int = 200) -> ResponseReturnValue:
    session = db_session()
    kiosks = session.exec(
        select(Kiosk, Outlet).join(Outlet, Outlet.id == Kiosk.outlet_id).order_by(Outlet.code)  # type: ignore[arg-type]
    ).all()
    today = china_today()
    history = session.exec(
        select(ResidentPrice, Material)
        .join(Material, Material.id == ResidentPrice.material_id)  # type: ignore[arg-type]
        .order_by(Material.sort_order, ResidentPrice.valid_from.desc(), ResidentPrice.id.desc())  # type: ignore[attr-defined]
    ).all()
    materials = session.exec(
        select(Material).where(Material.active == True).order_by(Material.sort_order)
    ).all()  # noqa: E712
    return render_template(
        "kiosk/index.html",
        kiosks=kiosks,
        prices=ledger.resident_prices(session, today),
        history=history,
        materials=materials,
        errors=errors,
        today=today,
    ), status


@bp.post("/prices")
@role_required(Role.ADMIN)
def new_price() -> ResponseReturnValue:
    """Put a new resident price in force from a day; the earlier rows stay for the days before."""
    session = db_session()
    form = request.form
    try:
        day = _form_day(form.get("valid_from", ""))
        ledger.add_price(
            session,
            material=form.get("material", ""),
            fen_per_kg=_form_int(form.get("fen_per_kg", ""), "fen_per_kg"),
            points_per_kg=_form_int(form.get("points_per_kg", ""), "points_per_kg"),
            valid_from=day,
            note=form.get("note", ""),
            actor_id=current_user.id,
            org_id=current_user.org_id,
        )
        session.commit()
    except ledger.LedgerError as exc:
        session.rollback()
        return _index_page({exc.field: exc.message}, 422)
    flash(_("Price added; it applies from its day on."), "success")
    return redirect(url_for("kiosk.index")), 303


def _form_int(text: str, field: str) -> int:
    if not text.strip().isdigit():
        raise ledger.LedgerError(field, _("must be a whole number"))
    return int(text)


def _form_day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ledger.LedgerError("valid_from", _("must be a date (YYYY-MM-DD)")) from None
