"""JSON API of the battery log for partner systems and auditors' tools.

Bearer tokens only (no cookies, hence no CSRF): ``partner`` tokens post events and
ask for tree heads; ``auditor`` tokens read. Every refusal names the field.

- ``POST /api/v1/battery-events``: one event or ``{"events": [...]}``, all or none;
  422 for malformed input (``index``/``field``), 409 for lifecycle conflicts
  (``index``/``code``/``message``); idempotent by ``event_id``.
- ``GET /api/v1/trace/batteries/<code>/events``: the battery's entries and state.
- ``GET|POST /api/v1/trace/tree-head``: the latest signed head / sign one now.
- ``GET /api/v1/trace/proofs/inclusion?event_id=&tree_size=``
- ``GET /api/v1/trace/proofs/consistency?first=&second=``
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, g, jsonify, request
from flask.typing import ResponseReturnValue

from traceability import event_record, normalize_code, validate_code
from webapp.access import token_required
from webapp.api.text import storable
from webapp.db import db_session
from webapp.models import TokenKind
from webapp.trace import keys, treeheads
from webapp.trace.inputs import LIMITS, code_message, parse_batch
from webapp.trace.operations import RecordError, record_events
from webapp.trace.records import LogIntegrityError, state_of

bp = Blueprint("trace_api", __name__, url_prefix="/api/v1")
log = logging.getLogger(__name__)
READERS = (TokenKind.PARTNER, TokenKind.AUDITOR)
MAX_SIZE_DIGITS = 18


@bp.post("/battery-events")
@token_required(TokenKind.PARTNER)
def post_events() -> ResponseReturnValue:
    """Record one event or a batch, all or none."""
    token = g.api_token
    events, errors = parse_batch(request.get_json(silent=True))
    if errors:
        return jsonify(error="invalid events; nothing was recorded", errors=errors), 422
    try:
        results = record_events(db_session(), events, actor_id=token.user_id, org_id=token.org_id)
    except RecordError as exc:
        word = "invalid events" if exc.status == 422 else "lifecycle conflict"
        return jsonify(
            error=f"{word}; nothing was recorded", errors=[e.as_dict() for e in exc.errors]
        ), exc.status
    except LogIntegrityError as exc:
        log.error("battery log integrity: %s", exc)
        return jsonify(error="the log failed its integrity check; appends are stopped"), 503
    body = [
        {
            "index": r.index,
            "event_id": r.event_id,
            "seq": r.seq,
            "leaf_hash": r.leaf_hash,
            "status": "created" if r.created else "duplicate",
        }
        for r in results
    ]
    return jsonify(events=body), 201 if any(r.created for r in results) else 200


@bp.get("/trace/batteries/<code>/events")
@token_required(*READERS)
def battery_events(code: str) -> ResponseReturnValue:
    """A battery's entries in log order, with its replayed state."""
    code = normalize_code(code)
    problems = validate_code(code)
    if problems:  # a malformed code cannot be in the log, and need not reach the database
        return jsonify(error="; ".join(code_message(p) for p in problems), field="code"), 422
    state, stored = state_of(db_session(), code)
    if not stored:
        return jsonify(error=f"no events for battery {code}", field="code"), 404
    in_force = {e.event_id for e in state.history}
    return jsonify(
        battery=_state(state),
        events=[
            {
                "seq": s.seq,
                "leaf_hash": s.leaf_hash,
                "in_force": s.event.event_id in in_force,
                "event": event_record(s.event),
            }
            for s in stored
        ],
    )


def _state(state: Any) -> dict[str, Any]:
    return {
        "code": state.code,
        "status": state.status.value,
        "holder": state.custodian,
        "location": state.location,
        "parent": state.parent,
        "sources": list(state.sources),
        "parts": list(state.parts),
        "is_cascade_product": state.is_cascade_product,
    }


@bp.get("/trace/tree-head")
@token_required(*READERS)
def get_tree_head() -> ResponseReturnValue:
    """The latest signed tree head."""
    head = treeheads.latest_tree_head(db_session())
    if head is None:
        return jsonify(error="no tree head has been issued yet"), 404
    return jsonify(head.to_json_dict())


@bp.post("/trace/tree-head")
@token_required(TokenKind.PARTNER)
def post_tree_head() -> ResponseReturnValue:
    """Sign the log's current size and root now."""
    head = treeheads.issue_tree_head(db_session(), keys.signing_key())
    return jsonify(head.to_json_dict()), 201


@bp.get("/trace/proofs/inclusion")
@token_required(*READERS)
def inclusion() -> ResponseReturnValue:
    """Audit path of ``event_id`` in the tree of ``tree_size`` entries (default: all)."""
    event_id = request.args.get("event_id", "")
    if not event_id:
        return jsonify(error="event_id is required", field="event_id"), 422
    if len(event_id) > LIMITS["event_id"] or not storable(event_id):  # never stored, so unknown
        return jsonify(error="no such event in the log", field="event_id"), 404
    size = _size_arg("tree_size", required=False)
    if isinstance(size, tuple):
        return size
    try:
        proof = treeheads.inclusion_proof(db_session(), event_id, size)
    except treeheads.ProofRequestError as exc:
        return jsonify(error=str(exc), field=exc.field), exc.status
    return jsonify(proof.as_dict())


@bp.get("/trace/proofs/consistency")
@token_required(*READERS)
def consistency() -> ResponseReturnValue:
    """Proof that the log at ``first`` entries is a prefix of the log at ``second``."""
    first, second = _size_arg("first"), _size_arg("second")
    for value in (first, second):
        if isinstance(value, tuple):
            return value
    try:
        proof = treeheads.consistency_proof(db_session(), first, second)  # type: ignore[arg-type]
    except treeheads.ProofRequestError as exc:
        return jsonify(error=str(exc), field=exc.field), exc.status
    return jsonify(proof.as_dict())


def _size_arg(name: str, *, required: bool = True) -> Any:
    raw = request.args.get(name, "")
    if not raw and not required:
        return None
    # isdigit() alone takes "²" (which int() refuses) and 5,000 digits (which it also refuses).
    if not (raw.isascii() and raw.isdigit()) or len(raw) > MAX_SIZE_DIGITS:
        return jsonify(
            error=f"{name} must be a whole number of at most {MAX_SIZE_DIGITS} digits", field=name
        ), 422
    return int(raw)
