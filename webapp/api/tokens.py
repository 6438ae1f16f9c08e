"""Bearer tokens for machines: issue, check, revoke. Only a token's SHA-256 is stored.

Every machine API (sensors, drivers' phones, partner systems and auditors' tools) is
guarded by :func:`webapp.access.token_required`, which calls :func:`authenticate` and
answers :func:`unauthorized`: one check and one 401. A token
works while it is not revoked, not expired, of a kind the endpoint takes, and (when it
speaks for a user) while that user is active.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta

from flask import current_app, has_app_context, jsonify, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlmodel import Session, col, select

from webapp.changelog import record
from webapp.config import TOKEN_DAYS
from webapp.models import ApiToken, TokenKind, User
from webapp.models._types import utcnow
from webapp.models.users import RevokeReason

#: What a phone's own id may look like (the page makes a UUID once and keeps it).
DEVICE_ID = re.compile(r"[A-Za-z0-9-]{8,64}")
# Issued tokens are "rl_" + 43 URL-safe characters; anything far longer or outside
# printable ASCII cannot be one and is refused before it reaches the database.
_TOKEN = re.compile(r"[\x21-\x7e]{1,200}")


def digest(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def lifetime(kind: TokenKind) -> timedelta:
    """How long a new token of ``kind`` lives: the app's setting, or the default."""
    days = dict(TOKEN_DAYS)
    if has_app_context():
        days.update(current_app.config["RELOOP_SETTINGS"].token_days)
    return timedelta(days=days[kind.value])


def issue(
    session: Session,
    *,
    name: str,
    kind: TokenKind,
    org_id: int | None = None,
    user_id: int | None = None,
    expires_in: timedelta | None = None,
    device_id: str | None = None,
    device_label: str = "",
) -> tuple[ApiToken, str]:
    """Create a token; the plain value is returned once and never stored. Commits."""
    plain = "rl_" + secrets.token_urlsafe(32)
    now = utcnow()
    row = ApiToken(
        name=name,
        kind=kind,
        token_sha256=digest(plain),
        org_id=org_id,
        user_id=user_id,
        created_at=now,
        expires_at=now + (expires_in if expires_in is not None else lifetime(kind)),
        device_id=device_id,
        device_label=device_label[:60],
    )
    session.add(row)
    session.commit()
    return row, plain


def bearer_value() -> str | None:
    """The token of the request's ``Authorization: Bearer`` header, if it can be one."""
    scheme, _sep, value = request.headers.get("Authorization", "").strip().partition(" ")
    value = value.strip()
    if scheme.lower() != "bearer" or not _TOKEN.fullmatch(value):
        return None
    return value


def authenticate(session: Session, *kinds: TokenKind) -> ApiToken | None:
    """The live token of one of ``kinds`` in the request's ``Authorization: Bearer`` header."""
    value = bearer_value()
    if value is None:
        return None
    row = session.exec(select(ApiToken).where(ApiToken.token_sha256 == digest(value))).first()
    if row is None or row.kind not in kinds or row.revoked_at is not None or row.expires_at <= utcnow():
        return None
    if row.user_id is not None:
        user = session.get(User, row.user_id)
        if user is None or not user.active:  # disabling revokes too; this covers a race with it
            return None
    return row


def unauthorized(*kinds: TokenKind) -> ResponseReturnValue:
    """The one 401 of every machine API: JSON ``{error, status}`` and a Bearer challenge.

    Missing, unknown, revoked, expired and wrong-kind tokens all get this same answer,
    so a caller learns nothing about a token it does not hold.
    """
    names = " / ".join(k.value for k in kinds)
    response = jsonify(
        error=_("A valid %(kinds)s token is required (Authorization: Bearer …).", kinds=names), status=401
    )
    response.status_code = 401
    challenge = 'Bearer realm="reloop"'
    if request.headers.get("Authorization"):
        challenge += ', error="invalid_token"'
    response.headers["WWW-Authenticate"] = challenge
    return response


def revoke(session: Session, row: ApiToken, reason: RevokeReason, *, actor_id: int | None) -> bool:
    """Stop a token from working, once, with the reason in its row and the change log.

    Returns False for a token that was revoked already (its first reason stays).
    Does not commit.
    """
    if row.revoked_at is not None:
        return False
    row.revoked_at = utcnow()
    row.revoke_reason = reason
    session.add(row)
    session.flush()
    record(session, "revoke", row, after={"reason": reason.value}, user_id=actor_id)
    return True


def revoke_user_tokens(session: Session, user_id: int, reason: RevokeReason, *, actor_id: int | None) -> int:
    """Revoke every token that speaks for a user; returns how many. Does not commit."""
    rows = session.exec(
        select(ApiToken).where(ApiToken.user_id == user_id, col(ApiToken.revoked_at).is_(None))
    ).all()
    return sum(revoke(session, row, reason, actor_id=actor_id) for row in rows)


def issue_device_token(
    session: Session,
    *,
    user_id: int,
    org_id: int | None,
    owner: str,
    user_agent: str,
    device_id: str | None,
    max_live: int | None = None,
) -> tuple[ApiToken, str]:
    """A token for one of a driver's phones, named "owner · model". Commits.

    The phone's earlier tokens (same ``device_id``) are revoked, so a phone is listed
    once however often it asks; beyond ``max_live`` live tokens per user the oldest
    are revoked.
    """
    if device_id is not None and not DEVICE_ID.fullmatch(device_id):
        raise ValueError("device_id must be 8 to 64 letters, digits or hyphens")
    if max_live is None:
        max_live = current_app.config["RELOOP_SETTINGS"].max_device_tokens if has_app_context() else 3
    now = utcnow()
    live = session.exec(
        select(ApiToken)
        .where(
            ApiToken.user_id == user_id,
            ApiToken.kind == TokenKind.DEVICE,
            col(ApiToken.revoked_at).is_(None),
            col(ApiToken.expires_at) > now,
        )
        .order_by(col(ApiToken.created_at), col(ApiToken.id))
    ).all()
    same = [t for t in live if device_id is not None and t.device_id == device_id]
    for row in same:
        revoke(session, row, RevokeReason.REPLACED, actor_id=user_id)
    others = [t for t in live if t not in same]
    for row in others[: max(0, len(others) - (max_live - 1))]:
        revoke(session, row, RevokeReason.LIMIT, actor_id=user_id)
    label = device_label(user_agent)
    row, plain = issue(
        session,
        name=(f"{owner} · {label}" if label else owner)[:100],
        kind=TokenKind.DEVICE,
        org_id=org_id,
        user_id=user_id,
        device_id=device_id,
        device_label=label,
    )
    record(session, "issue_token", row, after={"device": label, "device_id": device_id}, user_id=user_id)
    session.commit()
    return row, plain


# Brand words of Chinese and other phones' User-Agents (browser names included), in order.
_BRANDS = (
    ("Redmi", "Redmi"),
    ("Xiaomi", "Xiaomi"),
    ("XiaoMi", "Xiaomi"),
    ("MIUI", "Xiaomi"),
    ("HUAWEI", "HUAWEI"),
    ("HuaweiBrowser", "HUAWEI"),
    ("HONOR", "HONOR"),
    ("OPPO", "OPPO"),
    ("HeyTap", "OPPO"),
    ("vivo", "vivo"),
    ("VivoBrowser", "vivo"),
    ("OnePlus", "OnePlus"),
    ("SamsungBrowser", "Samsung"),
    ("SM-", "Samsung"),
    ("Pixel", "Pixel"),
    ("Meizu", "Meizu"),
    ("ZTE", "ZTE"),
    ("Lenovo", "Lenovo"),
    ("realme", "realme"),
)


def device_label(user_agent: str) -> str:
    """A phone's model in short from its User-Agent: "iPhone", "Android 14 · Xiaomi", "" if unknown.

    Android browsers since 2023 may send only "Android 10; K": then the version is
    all there is to show.
    """
    ua = user_agent or ""
    for apple in ("iPhone", "iPad"):
        if apple in ua:
            return apple
    android = re.search(r"Android (\d+)", ua)
    if android:
        brand = next((name for key, name in _BRANDS if key in ua), "")
        return f"Android {android.group(1)}" + (f" · {brand}" if brand else "")
    if "HarmonyOS" in ua or "OpenHarmony" in ua:
        return "HarmonyOS"
    systems = (("Windows", "Windows"), ("Macintosh", "Mac"), ("CrOS", "ChromeOS"), ("Linux", "Linux"))
    return next((name for key, name in systems if key in ua), "")
