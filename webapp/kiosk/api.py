"""Kiosk token API: POST /api/v1/kiosk/deposits (one deposit or a batch)."""

from __future__ import annotations

from flask import Blueprint, g, jsonify, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from webapp.access import token_required
from webapp.db import db_session
from webapp.kiosk.deposits import parse_deposits
from webapp.kiosk.operations import DepositsRefusedError, Limits, kiosk_of_token, record_deposits
from webapp.models import TokenKind

bp = Blueprint("kiosk_api", __name__, url_prefix="/api/v1/kiosk")

#: A resend racing its first post collides on the unique deposit id; run again, it is a repeat.
_ATTEMPTS = 3


@bp.post("/deposits")
@token_required(TokenKind.KIOSK)
def post_deposits() -> ResponseReturnValue:
    """Store one deposit or a batch, each deposit id once; all stored or none.

    Bad input is a 422 naming each deposit's index and field; a deposit id sent again
    with other content is a 409 naming ``deposit_id``.
    """
    session = db_session()
    token = g.api_token
    kiosk = kiosk_of_token(session, token.id)
    if kiosk is None:
        return jsonify(error=_("This token is not registered to an active kiosk."), status=403), 403
    deposits, errors = parse_deposits(request.get_json(silent=True))
    if errors:
        return jsonify(error="invalid deposits; nothing was stored", errors=errors), 422
    for attempt in range(_ATTEMPTS):
        try:
            results = record_deposits(session, kiosk, deposits, limits=Limits.from_env(), token_id=token.id)
            session.commit()
            break
        except DepositsRefusedError as exc:
            session.rollback()
            message = "deposit id reused with other content" if exc.status == 409 else "invalid deposits"
            return jsonify(
                error=f"{message}; nothing was stored", errors=[e.as_dict() for e in exc.errors]
            ), exc.status
        except IntegrityError:
            session.rollback()
            if attempt == _ATTEMPTS - 1:
                raise
    body = [r.as_dict() for r in results]
    return jsonify(deposits=body), 201 if any(r.created for r in results) else 200
