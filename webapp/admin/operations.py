"""Admin use cases beyond ``webapp.auth.operations``: sensor tokens."""

from __future__ import annotations

from sqlmodel import Session

from webapp.api import tokens
from webapp.changelog import record
from webapp.models import ApiToken, TokenKind
from webapp.models._types import utcnow


def issue_sensor_token(
    session: Session, name: str, *, actor_id: int | None, org_id: int | None
) -> tuple[ApiToken, str]:
    """A new sensor token; its plain value is shown once."""
    row, plain = tokens.issue(
        session, name=name.strip()[:100] or "sensor", kind=TokenKind.SENSOR, org_id=org_id
    )
    record(session, "create", row, after={"name": row.name, "kind": row.kind.value}, user_id=actor_id)
    session.commit()
    return row, plain


def revoke_token(session: Session, token_id: int, *, actor_id: int | None) -> ApiToken | None:
    """Stop a token from working."""
    row = session.get(ApiToken, token_id)
    if row is None or row.revoked_at is not None:
        return row
    row.revoked_at = utcnow()
    session.add(row)
    record(session, "revoke", row, user_id=actor_id)
    session.commit()
    return row
