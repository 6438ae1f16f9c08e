"""Log in, log out, create users: plain functions over a Session."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask_login import UserMixin
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, select
from werkzeug.security import check_password_hash, generate_password_hash

from webapp.api import tokens
from webapp.auth import throttle
from webapp.auth.throttle import LoginLimits
from webapp.changelog import record
from webapp.models import Role, User, UserSession
from webapp.models._types import utcnow
from webapp.models.users import RevokeReason

# Bumping last_seen_at on every request would write on every page view.
_TOUCH_EVERY = timedelta(minutes=5)
# Compared against when the username is unknown, so both paths cost one hash check.
_DUMMY_HASH = generate_password_hash("not-a-password")


class AuthError(ValueError):
    """Login refused; the message is safe to show."""


@dataclass
class Principal(UserMixin):  # type: ignore[misc]
    """The logged-in user as views see it; its id for Flask-Login is the session id."""

    id: int
    username: str
    display_name: str
    role: Role
    org_id: int | None
    session_id: str

    def get_id(self) -> str:
        return self.session_id


def hash_password(password: str) -> str:
    """A salted scrypt hash."""
    return generate_password_hash(password)


def create_user(
    session: Session,
    *,
    username: str,
    password: str,
    role: Role,
    display_name: str = "",
    org_id: int | None = None,
    actor_id: int | None = None,
) -> User:
    """Add a user; refuses a taken username or a password under 8 characters."""
    username = username.strip()
    if not username:
        raise AuthError("username is required")
    if len(password) < 8:
        raise AuthError("password must have at least 8 characters")
    if session.exec(select(User).where(User.username == username)).first():
        raise AuthError(f"username {username!r} is taken")
    user = User(
        username=username,
        display_name=display_name or username,
        password_hash=hash_password(password),
        role=role,
        org_id=org_id,
    )
    session.add(user)
    session.flush()
    record(session, "create", user, after={"username": username, "role": role.value}, user_id=actor_id)
    return user


def login(
    session: Session,
    username: str,
    password: str,
    *,
    user_agent: str = "",
    remote_addr: str = "",
    limits: LoginLimits | None = None,
    request_id: str = "",
) -> UserSession:
    """Check the password and open a server-side session.

    Over the failed-login limits of ``remote_addr`` the password is not even checked
    (:class:`TooManyFailuresError`); a wrong one is recorded before it is refused.
    """
    address = remote_addr or "unknown"
    throttle.check(session, username, address, limits or LoginLimits())
    user = session.exec(select(User).where(User.username == username.strip())).first()
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
    if user is None or not check_password_hash(user.password_hash, password) or not user.active:
        throttle.record_failure(session, username, address, request_id=request_id)
        raise AuthError("wrong username or password")
    now = utcnow()
    user.last_login_at = now
    login_session = UserSession(
        id=secrets.token_urlsafe(32),
        user_id=user.id,  # type: ignore[arg-type]
        user_agent=user_agent[:255],
        remote_addr=remote_addr[:64],
        created_at=now,
        last_seen_at=now,
    )
    session.add_all([user, login_session])
    session.commit()
    return login_session


def load_principal(session: Session, session_id: str) -> Principal | None:
    """The principal of a live session, or None if it was revoked or the user disabled."""
    row = session.exec(
        select(UserSession, User)
        .join(User, User.id == UserSession.user_id)  # type: ignore[arg-type]
        .where(UserSession.id == session_id, UserSession.revoked_at.is_(None))  # type: ignore[union-attr]
    ).first()
    if row is None:
        return None
    login_session, user = row
    if not user.active:
        return None
    now = utcnow()
    if now - login_session.last_seen_at > _TOUCH_EVERY:
        login_session.last_seen_at = now
        session.add(login_session)
        try:
            session.commit()
        except DBAPIError:
            # A read-only or full database must not stop people reading pages.
            session.rollback()
    return Principal(
        id=user.id,  # type: ignore[arg-type]
        username=user.username,
        display_name=user.display_name,
        role=user.role,
        org_id=user.org_id,
        session_id=login_session.id,
    )


def logout(session: Session, session_id: str) -> None:
    """Revoke the session so its cookie, wherever copied, stops working."""
    row = session.get(UserSession, session_id)
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()
        session.add(row)
        session.commit()


def set_active(session: Session, user_id: int, active: bool, *, actor_id: int | None) -> User:
    """Enable or disable a user; disabling also revokes every open session and every token.

    Re-enabling brings back neither: the user logs in again and the phone asks anew.
    """
    user = session.get(User, user_id)
    if user is None:
        raise AuthError(f"no user with id {user_id}")
    before = {"active": user.active}
    user.active = active
    session.add(user)
    if not active:
        for open_session in session.exec(
            select(UserSession).where(
                UserSession.user_id == user_id,
                UserSession.revoked_at.is_(None),  # type: ignore[union-attr]
            )
        ):
            open_session.revoked_at = utcnow()
            session.add(open_session)
        tokens.revoke_user_tokens(session, user_id, RevokeReason.USER_DISABLED, actor_id=actor_id)
    record(
        session,
        "activate" if active else "deactivate",
        user,
        before=before,
        after={"active": active},
        user_id=actor_id,
    )
    session.commit()
    return user
