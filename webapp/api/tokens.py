"""Bearer tokens for machines. Only a token's SHA-256 is stored."""

from __future__ import annotations

import hashlib
import secrets

from flask import request
from sqlmodel import Session, select

from webapp.models import ApiToken, TokenKind


def digest(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def issue(
    session: Session, *, name: str, kind: TokenKind, org_id: int | None = None, user_id: int | None = None
) -> tuple[ApiToken, str]:
    """Create a token; the plain value is returned once and never stored."""
    plain = "rl_" + secrets.token_urlsafe(32)
    row = ApiToken(name=name, kind=kind, token_sha256=digest(plain), org_id=org_id, user_id=user_id)
    session.add(row)
    session.commit()
    return row, plain


def authenticate(session: Session, kind: TokenKind) -> ApiToken | None:
    """The live token of ``kind`` in the request's ``Authorization: Bearer`` header."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    row = session.exec(select(ApiToken).where(ApiToken.token_sha256 == digest(value.strip()))).first()
    if row is None or row.revoked_at is not None or row.kind != kind:
        return None
    return row
