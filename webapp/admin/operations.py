"""Admin use cases beyond ``webapp.auth.operations``: machine tokens and drivers' phones."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from webapp.api import tokens
from webapp.changelog import record
from webapp.models import ApiToken, Driver, TokenKind, User
from webapp.models.users import RevokeReason, TokenStatus


@dataclass(frozen=True)
class DeviceRow:
    """A driver's phone as the token page lists it."""

    token: ApiToken
    driver: str  # the driver profile's name, else the user's
    status: TokenStatus


def issue_sensor_token(
    session: Session, name: str, *, actor_id: int | None, org_id: int | None
) -> tuple[ApiToken, str]:
    """A new sensor token; its plain value is shown once."""
    row, plain = tokens.issue(
        session, name=name.strip()[:100] or "sensor", kind=TokenKind.SENSOR, org_id=org_id
    )
    record(
        session,
        "create",
        row,
        after={"name": row.name, "kind": row.kind.value, "expires_at": row.expires_at.isoformat()},
        user_id=actor_id,
    )
    session.commit()
    return row, plain


def revoke_token(session: Session, token_id: int, *, actor_id: int | None) -> ApiToken | None:
    """Stop a token from working (a revoked token stays revoked, with its first reason)."""
    row = session.get(ApiToken, token_id)
    if row is not None and tokens.revoke(session, row, RevokeReason.ADMIN, actor_id=actor_id):
        session.commit()
    return row


def machine_tokens(session: Session, now: datetime) -> list[tuple[ApiToken, TokenStatus]]:
    """Sensor, partner and auditor tokens, newest first, with their status at ``now``."""
    rows = session.exec(
        select(ApiToken)
        .where(ApiToken.kind != TokenKind.DEVICE)
        .order_by(col(ApiToken.created_at).desc(), col(ApiToken.id).desc())
    ).all()
    return [(row, row.status(now)) for row in rows]


def driver_devices(session: Session, now: datetime) -> list[DeviceRow]:
    """Drivers' phones, one row per phone: a token the same phone replaced is not listed again."""
    rows = session.exec(
        select(ApiToken, User, Driver)
        .join(User, col(User.id) == ApiToken.user_id, isouter=True)
        .join(Driver, col(Driver.user_id) == ApiToken.user_id, isouter=True)
        .where(
            ApiToken.kind == TokenKind.DEVICE,
            (col(ApiToken.revoke_reason).is_(None)) | (ApiToken.revoke_reason != RevokeReason.REPLACED),
        )
        .order_by(col(ApiToken.created_at).desc(), col(ApiToken.id).desc())
    ).all()
    seen: set[int] = set()
    found = []
    for token, user, driver in rows:
        if token.id in seen:  # a user with two driver profiles: list the phone once
            continue
        seen.add(token.id)  # type: ignore[arg-type]
        name = driver.name if driver else (user.display_name or user.username if user else "")
        found.append(DeviceRow(token=token, driver=name, status=token.status(now)))
    return found
