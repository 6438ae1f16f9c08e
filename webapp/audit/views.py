"""The regulator's audit of the battery log: read-only, for regulators and staff.

Find a battery by code (or by scanning the QR on its page), read its timeline,
custody chain and cascade lineage, see a verification badge recomputed on every
visit, the anomaly and deadline lists, and download filtered exports, the signed
tree head and the public key. The passport view is public, with the attributes
each role may see.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
from datetime import datetime

import qrcode
import qrcode.image.svg
from flask import (
    Blueprint,
    Response,
    abort,
    jsonify,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_login import current_user

from traceability import (
    CHINA_TZ,
    BatteryState,
    BatteryStatus,
    EventKind,
    china_today,
    normalize_code,
    public_key_pem,
)
from webapp.access import public, role_required
from webapp.audit import anomalies, deadlines, exports, filters, operations, passport, search
from webapp.cascade import lineage
from webapp.db import db_session
from webapp.models import Battery, FollowUpStatus, Role
from webapp.models._types import utcnow
from webapp.partials import is_partial
from webapp.trace import keys, treeheads
from webapp.trace.forms import ReportForm
from webapp.trace.records import TamperedEntryError, state_of
from webapp.trace.settings import trace_settings
from webapp.trace.verification import check_heads, verify_battery

bp = Blueprint("audit", __name__)
log = logging.getLogger(__name__)
AUDITORS = (Role.REGULATOR, Role.ADMIN, Role.DISPATCHER)
#: Who may acknowledge and follow up an anomaly.
FOLLOW_UP = (Role.REGULATOR, Role.ADMIN)
for _name, _filter in filters.FILTERS.items():
    bp.add_app_template_filter(_filter, _name)


@bp.app_errorhandler(TamperedEntryError)
def tampered(exc: TamperedEntryError) -> ResponseReturnValue:
    """A stored line no longer hashes to its leaf: name the entry (409), never answer 500.

    Any page or API that reads the log back ends here; a battery page also shows the
    badge, which lists every entry of the battery that fails.
    """
    log.error("battery log tampered: %s", exc)
    if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
        return jsonify(
            error=f"log entry {exc.seq} was altered after it was recorded; nothing is shown from it",
            reason="tampered",
            seq=exc.seq,
        ), 409
    code = (request.view_args or {}).get("code")
    check = None
    if code and request.endpoint == "audit.battery":
        check = verify_battery(db_session(), normalize_code(str(code)), keys.public_key())
    return render_template("audit/tampered.html", seq=exc.seq, code=code, check=check), 409


@bp.get("/audit/")
@role_required(*AUDITORS)
def index() -> ResponseReturnValue:
    """Search by code, manufacturer, holder, status and event date (combined, paged);
    overview of the log and the latest signed head."""
    wanted, errors = search.BatteryFilters.from_args(request.args)
    found = None if errors or wanted.is_empty else search.run(db_session(), wanted)
    if found and wanted.only_code and found.total == 1 and found.results[0].code == normalize_code(wanted.q):
        return redirect(url_for("audit.battery", code=found.results[0].code))
    page = render_template(
        "audit/index.html",
        q=wanted.q,
        wanted=wanted,
        errors=errors,
        found=found,
        described=search.describe(wanted, str(get_locale())),
        choices=search.choices(db_session(), str(get_locale())),
        overview=operations.overview(db_session()),
        statuses=list(BatteryStatus),
    )
    return (page, 400) if errors else page


@bp.get("/audit/batteries/<code>")
@role_required(*AUDITORS)
def battery(code: str) -> ResponseReturnValue:
    """One battery: badge, timeline, custody chain and map, lineage, deadlines, QR."""
    session = db_session()
    page = operations.battery_page(session, normalize_code(code))
    if page is None:
        abort(404)
    settings = trace_settings()
    duties = deadlines.obligations(
        session,
        today=china_today(),
        rules=settings.rules,
        holidays_path=settings.holidays_path,
        codes=[page.battery.code],
    )
    url = url_for("audit.battery", code=page.battery.code, _external=True)
    points = [
        {"lon": s.lon, "lat": s.lat, "label": f"{s.place} ({s.location})"}
        for s in page.custody
        if s.lon is not None
    ]
    return render_template(
        "audit/battery.html",
        page=page,
        duties=duties,
        qr=_qr_svg(url),
        url=url,
        points=json.dumps(points, ensure_ascii=False),
        check=verify_battery(session, page.battery.code, keys.public_key()),
        **lineage.context(session, page.battery.code),
    )


@bp.get("/audit/batteries/<code>/verification")
@role_required(*AUDITORS)
def verification(code: str) -> ResponseReturnValue:
    """Recompute the badge (htmx swaps it in place; without htmx it is a small page)."""
    check = verify_battery(db_session(), normalize_code(code), keys.public_key())
    template = "audit/_badge.html" if is_partial() else "audit/verification.html"
    return render_template(template, check=check)


@bp.get("/audit/anomalies")
@role_required(*AUDITORS)
def anomaly_lists() -> ResponseReturnValue:
    """Handovers not received, two places, retired not received, mass balance, recovery;
    each with its follow-up state and trail."""
    found = _anomalies()
    return _anomaly_page(found)


@bp.post("/audit/anomalies/follow-up")
@role_required(*FOLLOW_UP)
def anomaly_follow_up() -> ResponseReturnValue:
    """Acknowledge a finding with a note and a status: a new row of its trail, never an edit."""
    session = db_session()
    found = _anomalies()
    key = request.form.get("key", "")
    try:
        anomalies.acknowledge(
            session,
            found,
            key=key,
            status=request.form.get("status", ""),
            note=request.form.get("note", ""),
            actor_id=current_user.id,
        )
    except anomalies.FollowUpError as exc:
        session.rollback()
        return _anomaly_page(found, error=(key, exc.field, str(exc.message))), 400
    session.commit()
    return redirect(url_for("audit.anomaly_lists", _anchor=f"ack-{key_anchor(key)}"))


def _anomalies() -> dict[str, list[anomalies.Anomaly]]:
    settings = trace_settings()
    return anomalies.find_all(
        db_session(),
        now=utcnow(),
        in_transit_days=settings.in_transit_days,
        retired_days=settings.retired_days,
    )


def _anomaly_page(
    found: dict[str, list[anomalies.Anomaly]], *, error: tuple[str, str, str] | None = None
) -> str:
    keys = [a.key for items in found.values() for a in items]
    return render_template(
        "audit/anomalies.html",
        found=found,
        settings=trace_settings(),
        thresholds=anomalies.THRESHOLDS_PERMILLE,
        trails=anomalies.trails(db_session(), keys),
        follow_up_statuses=list(FollowUpStatus),
        may_follow_up=current_user.role in FOLLOW_UP,
        key_anchor=key_anchor,
        error=error,
    )


def key_anchor(key: str) -> str:
    """An HTML id for a finding (keys hold colons and arbitrary event ids)."""
    return hashlib.sha256(key.encode()).hexdigest()[:12]


@bp.get("/audit/deadlines")
@role_required(*AUDITORS)
def deadline_lists() -> ResponseReturnValue:
    """Overdue and nearly due reporting obligations, and reports made late."""
    settings = trace_settings()
    found = deadlines.obligations(
        db_session(), today=china_today(), rules=settings.rules, holidays_path=settings.holidays_path
    )
    return render_template(
        "audit/deadlines.html",
        lists=deadlines.split(found),
        today=china_today(),
        last_official=deadlines.official_last_year(settings.holidays_path),
        rules=settings.rules,
        form=ReportForm(),
    )


@bp.get("/audit/export")
@role_required(*AUDITORS)
def export() -> ResponseReturnValue:
    """The export form and the download links."""
    filters, errors = exports.ExportFilters.from_args(request.args)
    return render_template(
        "audit/export.html",
        filters=filters,
        errors=errors,
        kinds=list(EventKind),
        head=treeheads.latest_tree_head(db_session()),
        key_id=keys.public_key_id(),
    )


@bp.get("/audit/export.<fmt>")
@role_required(*AUDITORS)
def export_file(fmt: str) -> ResponseReturnValue:
    """Stream the filtered export as JSONL (exact lines) or CSV."""
    if fmt not in ("jsonl", "csv"):
        abort(404)
    filters, errors = exports.ExportFilters.from_args(request.args)
    if errors:
        return render_template(
            "audit/export.html",
            filters=filters,
            errors=errors,
            kinds=list(EventKind),
            head=treeheads.latest_tree_head(db_session()),
            key_id=keys.public_key_id(),
        ), 422
    body = exports.jsonl if fmt == "jsonl" else exports.csv_text
    stamp = datetime.now(CHINA_TZ).strftime("%Y%m%d-%H%M")
    name = f"battery-log-{stamp}{'' if filters.is_empty else '-filtered'}.{fmt}"
    mimetype = "application/x-ndjson" if fmt == "jsonl" else "text/csv"
    return Response(
        stream_with_context(body(db_session(), filters)),
        mimetype=mimetype,
        headers={"Content-Disposition": f"attachment; filename={name}"},
    )


@bp.get("/audit/tree-head.json")
@role_required(*AUDITORS)
def tree_head_file() -> ResponseReturnValue:
    """The latest signed tree head with the public key, for ``reloop trace verify``."""
    head = treeheads.latest_tree_head(db_session())
    if head is None:
        abort(404)
    body = head.to_json_dict() | {"public_key_pem": public_key_pem(keys.public_key()).decode()}
    return Response(
        json.dumps(body, indent=2),
        mimetype="application/json",
        headers={"Content-Disposition": f"attachment; filename=tree-head-{head.tree_size}.json"},
    )


@bp.get("/audit/public-key.pem")
@role_required(*AUDITORS)
def public_key_file() -> ResponseReturnValue:
    """The PEM key that verifies the tree heads."""
    return Response(
        public_key_pem(keys.public_key()),
        mimetype="application/x-pem-file",
        headers={"Content-Disposition": "attachment; filename=reloop-trace-key.pem"},
    )


@bp.get("/audit/tree-heads")
@role_required(*AUDITORS)
def tree_head_list() -> ResponseReturnValue:
    """Issued heads, each signature and each step's consistency proof checked."""
    return render_template(
        "audit/tree_heads.html",
        checks=check_heads(db_session(), keys.public_key()),
        key_id=keys.public_key_id(),
    )


@bp.get("/passport/<code>")
@public
def passport_view(code: str) -> ResponseReturnValue:
    """The battery passport, showing the tiers the visitor's role may see."""
    data = _passport(normalize_code(code))
    role = current_user.role if current_user.is_authenticated else None
    shown, withheld = passport.visible(data[1], role)
    locale = str(get_locale())
    return render_template(
        "audit/passport.html",
        battery=data[0],
        national=passport.national(data[0], data[2], locale),
        attributes=shown,
        withheld=withheld,
        tier=passport.TIER_OF_ROLE.get(role),
        section_label=lambda s: passport.section_label(s, locale),
        attribute_label=lambda n: passport.attribute_label(n, locale),
        value_text=lambda a: passport.value_text(a, locale),
    )


@bp.get("/passport/<code>/label")
@public
def passport_label(code: str) -> ResponseReturnValue:
    """A printable QR label that opens the passport."""
    battery, _found, _state = _passport(normalize_code(code))
    url = url_for("audit.passport_view", code=battery.code, _external=True)
    return render_template("audit/label.html", battery=battery, qr=_qr_svg(url), url=url)


def _passport(code: str) -> tuple[Battery, list[passport.Attribute], BatteryState]:
    page_battery = operations.find(db_session(), code)
    if page_battery is None:
        abort(404)
    state, _stored = state_of(db_session(), code)
    return page_battery, passport.attributes(page_battery, state), state


def _qr_svg(url: str) -> str:
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode()
    return svg[svg.index("<svg") :]  # inline: drop the XML declaration
