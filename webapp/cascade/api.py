"""The customers' API: health readings of cascade products in service (token ``cascade_customer``)."""

from __future__ import annotations

from flask import Blueprint, g, jsonify, request
from flask.typing import ResponseReturnValue

from webapp.access import token_required
from webapp.cascade import health
from webapp.db import db_session
from webapp.models import TokenKind

bp = Blueprint("cascade_api", __name__, url_prefix="/api/v1/cascade")


@bp.post("/health-readings")
@token_required(TokenKind.CASCADE_CUSTOMER)
def post_health_reading() -> ResponseReturnValue:
    """Store one health reading; the same reading id with the same body answers the same (200)."""
    session = db_session()
    try:
        posted = health.post(
            session, request.get_json(silent=True), token_id=g.api_token.id, customer=g.api_token.name
        )
    except health.ReadingError as exc:
        session.rollback()
        message = {
            409: "reading id reused with another body",
            403: "not this customer's product; nothing stored",
        }.get(exc.status, "invalid reading; nothing stored")
        return jsonify(error=message, errors=exc.errors), exc.status
    return jsonify(posted.as_dict()), 201 if posted.created else 200
