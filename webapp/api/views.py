"""JSON API for machines under /api/v1, authenticated by bearer token (no cookies, no CSRF)."""

from __future__ import annotations

from flask import Blueprint, g, jsonify, request
from flask.typing import ResponseReturnValue
from sqlmodel import select

from webapp.access import token_required
from webapp.api.readings import parse_readings
from webapp.db import db_session
from webapp.models import Outlet, ReadingSource, TokenKind
from webapp.outlets.operations import OutletError, ReadingConflictError, record_fill

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.post("/fill-readings")
@token_required(TokenKind.SENSOR)
def post_fill_readings() -> ResponseReturnValue:
    """Store one reading or a batch; each reading id is stored once.

    All readings of a request are stored, or none: any bad reading makes a 422
    naming its index and field.
    """
    session = db_session()
    token = g.api_token
    body = request.get_json(silent=True)
    readings, errors = parse_readings(body)
    if errors:
        return jsonify(error="invalid readings; nothing was stored", errors=errors), 422
    codes = {r.outlet_code for r in readings}
    outlets = {o.code: o for o in session.exec(select(Outlet).where(Outlet.code.in_(codes)))}  # type: ignore[attr-defined]
    results = []
    for index, reading in enumerate(readings):
        outlet = outlets.get(reading.outlet_code)
        if outlet is None:
            errors.append(
                {"index": index, "field": "outlet_code", "message": f"unknown outlet {reading.outlet_code}"}
            )
            continue
        try:
            row, created = record_fill(
                session,
                outlet,
                reading_id=reading.reading_id,
                fill_pct=reading.fill_pct,
                measured_at=reading.measured_at,
                source=ReadingSource.SENSOR,
                token_id=token.id,
            )
        except ReadingConflictError as exc:
            errors.append({"index": index, "field": "reading_id", "message": str(exc)})
            continue
        except OutletError as exc:
            errors.append({"index": index, "field": "", "message": str(exc)})
            continue
        session.flush()
        results.append(
            {
                "reading_id": row.reading_id,
                "id": row.id,
                "outlet_code": outlet.code,
                "status": "created" if created else "duplicate",
                "due": outlet.due,
            }
        )
    if errors:
        session.rollback()
        return jsonify(error="invalid readings; nothing was stored", errors=errors), 422
    session.commit()
    status = 201 if any(r["status"] == "created" for r in results) else 200
    return jsonify(readings=results), status
