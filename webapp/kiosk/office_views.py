"""Back-office pages of the points channel: register kiosks (the token shown once), the
rewards catalogue as history, and cash-out payables marked as paid."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import TypeVar

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlmodel import Session

from traceability import china_today
from traceability.deadlines import CHINA_TZ
from webapp.access import role_required
from webapp.db import db_session
from webapp.kiosk import office, redeem
from webapp.kiosk.ledger import LedgerError
from webapp.models import Role
from webapp.models.points import Kiosk

bp = Blueprint("kiosk_office", __name__, url_prefix="/kiosk/office")

_T = TypeVar("_T")


@bp.get("/kiosks")
@role_required(Role.ADMIN)
def kiosks() -> ResponseReturnValue:
    """Kiosk outlets not yet registered, with the form that registers one."""
    return _kiosks_page({})


def _kiosks_page(errors: dict[str, str], status: int = 200, **shown: object) -> ResponseReturnValue:
    outlets = office.unregistered_kiosk_outlets(db_session())
    page = render_template(
        "kiosk/office_kiosks.html", outlets=outlets, errors=errors, values=request.form, **shown
    )
    return page, status


@bp.post("/kiosks")
@role_required(Role.ADMIN)
def register() -> ResponseReturnValue:
    """Register a kiosk and show its token once (it is stored hashed)."""
    form = request.form

    def change(session: Session) -> tuple[Kiosk, str]:
        outlet_id = _whole(form.get("outlet", ""), "outlet")
        cap = form.get("daily_cap_kg", "").strip()
        daily_cap_g = _whole(cap, "daily_cap_kg") * 1000 if cap else None
        return office.register(
            session, outlet_id=outlet_id, serial=form.get("serial", ""), daily_cap_g=daily_cap_g or None
        )

    return _submit(
        change,
        _kiosks_page,
        lambda done: _kiosks_page({}, 201, registered=done[0], token=done[1]),
    )


@bp.get("/catalogue")
@role_required(Role.ADMIN)
def catalogue() -> ResponseReturnValue:
    """The goods with their terms in force, the forms for a new good or new terms, the history."""
    return _catalogue_page({})


def _catalogue_page(errors: dict[str, str], status: int = 200) -> ResponseReturnValue:
    session = db_session()
    goods = office.catalogue(session)
    page = render_template(
        "kiosk/office_catalogue.html",
        goods=goods,
        stocks={g.id: redeem.stock(session, g.id) for g in goods},
        history=office.versions(session),
        errors=errors,
        values=request.form,
        now=datetime.now(CHINA_TZ).strftime("%Y-%m-%dT%H:%M"),
        tz=CHINA_TZ,
    )
    return page, status


def _terms() -> office.TermsIn:
    form = request.form
    limit = form.get("monthly_limit", "").strip()
    return office.TermsIn(
        name_zh=form.get("name_zh", ""),
        name_en=form.get("name_en", ""),
        points=_whole(form.get("points", ""), "points"),
        monthly_limit=_whole(limit, "monthly_limit") if limit else None,
        active=form.get("active") == "1",
    )


@bp.post("/catalogue/goods")
@role_required(Role.ADMIN)
def add_good() -> ResponseReturnValue:
    """A new good with its first terms and opening stock."""
    return _submit(
        lambda session: office.add_good(
            session,
            code=request.form.get("code", ""),
            terms_in=_terms(),
            stock=_whole(request.form.get("stock", "0") or "0", "stock"),
            actor_id=current_user.id,
            org_id=current_user.org_id,
        ),
        _catalogue_page,
        _back(".catalogue", _("Good added to the catalogue.")),
    )


@bp.post("/catalogue/versions")
@role_required(Role.ADMIN)
def add_version() -> ResponseReturnValue:
    """New terms of a good from a moment on; the earlier terms stay in the history."""
    return _submit(
        lambda session: office.add_version(
            session,
            item_code=request.form.get("item", ""),
            terms_in=_terms(),
            valid_from=_moment(request.form.get("valid_from", "")),
            actor_id=current_user.id,
        ),
        _catalogue_page,
        _back(".catalogue", _("New terms saved; they apply from their moment on.")),
    )


@bp.get("/payables")
@role_required(Role.ADMIN)
def payables() -> ResponseReturnValue:
    """Cash-outs finance owes, each paid or with the form that records its payment."""
    return _payables_page({})


def _payables_page(errors: dict[str, str], status: int = 200) -> ResponseReturnValue:
    session = db_session()
    page = render_template(
        "kiosk/office_payables.html",
        rows=redeem.payables(session),
        paid=office.payments(session),
        errors=errors,
        today=china_today(),
        tz=CHINA_TZ,
    )
    return page, status


@bp.post("/payables/<int:payable_id>/paid")
@role_required(Role.ADMIN)
def mark_paid(payable_id: int) -> ResponseReturnValue:
    """Record the payment of one payable with its reference (a new row, never edited)."""
    return _submit(
        lambda session: office.mark_paid(
            session,
            payable_id,
            reference=request.form.get("reference", ""),
            paid_on=_day(request.form.get("paid_on", "")),
            actor_id=current_user.id,
        ),
        _payables_page,
        _back(".payables", _("Payable marked as paid.")),
    )


def _submit(
    change: Callable[[Session], _T],
    page: Callable[[dict[str, str], int], ResponseReturnValue],
    done: Callable[[_T], ResponseReturnValue],
) -> ResponseReturnValue:
    """Parse and apply one back-office change and commit it, then answer with ``done``.

    ``change`` reads the form inside the attempt, so a field it cannot parse fails the
    same way as one the ledger refuses: rolled back, the page shown again with that
    field's message (422) and the values as typed.
    """
    session = db_session()
    try:
        result = change(session)
        session.commit()
    except LedgerError as exc:
        session.rollback()
        return page({exc.field: exc.message}, 422)
    return done(result)


def _back(endpoint: str, message: str) -> Callable[[object], ResponseReturnValue]:
    """Flash ``message`` and send the browser back to ``endpoint`` (POST-redirect-GET)."""

    def answer(_result: object) -> ResponseReturnValue:
        flash(message, "success")
        return redirect(url_for(endpoint)), 303

    return answer


def _whole(text: str, field: str) -> int:
    if not text.strip().isdigit():
        raise LedgerError(field, _("must be a whole number"))
    return int(text)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise LedgerError("paid_on", _("must be a date (YYYY-MM-DD)")) from None


def _moment(text: str) -> datetime:
    """A Shenzhen wall-clock moment from the form (``YYYY-MM-DDTHH:MM``), or now when empty."""
    if not text.strip():
        return datetime.now(CHINA_TZ)
    try:
        found = datetime.fromisoformat(text.strip())
    except ValueError:
        raise LedgerError("valid_from", _("must be a date and time (YYYY-MM-DD HH:MM)")) from None
    return found.replace(tzinfo=CHINA_TZ) if found.tzinfo is None else found
