"""Login throttling: failed logins are rows of the change log, counted per window.

Counting in the database, not in process memory, makes the limit hold across every
gunicorn worker and every host behind the load balancer. Two requests racing past the
check together can each make one more attempt; the limit bounds guessing, it is not a
lock. Each failure is an ``audit_record`` row (``action='login_failed'``,
``object_type='login'``, ``object_id`` = client address) whose ``after`` holds only a
digest of the username: people type passwords into the username field.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, select

from webapp.models import AuditRecord, User, UserSession
from webapp.models._types import utcnow

ACTION = "login_failed"
OBJECT_TYPE = "login"


@dataclass(frozen=True)
class LoginLimits:
    """At most ``per_user`` failures per username and address, and ``per_ip`` per address,
    within ``window``."""

    per_user: int = 5
    per_ip: int = 50
    window: timedelta = timedelta(minutes=15)


class TooManyFailuresError(Exception):
    """Logins from this address (for this username) are paused for ``retry_after_s``."""

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(f"too many failed logins; retry after {retry_after_s} s")
        self.retry_after_s = retry_after_s


def username_digest(username: str) -> str:
    """What the log keeps of a username: a SHA-256, case-folded so 'Admin' counts as 'admin'."""
    return hashlib.sha256(username.strip().casefold().encode()).hexdigest()


def check(
    session: Session, username: str, address: str, limits: LoginLimits, *, now: datetime | None = None
) -> None:
    """Raise :class:`TooManyFailuresError` if this attempt is over a limit.

    The per-username count restarts at the user's last successful login from the same
    address, so a person who mistyped a few times is not held to them afterwards; the
    per-address ceiling does not, or one valid account would reset it for a guesser.
    """
    now = now or utcnow()
    since = now - limits.window
    everyone = _failures(session, address, since, limits.per_ip)
    if len(everyone) >= limits.per_ip:
        raise TooManyFailuresError(_retry_after(everyone[-1], limits.window, now))
    last_login = session.exec(
        select(func.max(UserSession.created_at))
        .join(User, User.id == UserSession.user_id)  # type: ignore[arg-type]
        .where(User.username == username.strip(), UserSession.remote_addr == address[:64])
    ).one()
    if last_login is not None:
        since = max(since, last_login)
    mine = _failures(session, address, since, limits.per_user, digest=username_digest(username))
    if len(mine) >= limits.per_user:
        raise TooManyFailuresError(_retry_after(mine[-1], limits.window, now))


def record_failure(session: Session, username: str, address: str, *, request_id: str = "") -> None:
    """Append one failed login to the change log and commit it, whatever else fails."""
    session.add(
        AuditRecord(
            action=ACTION,
            object_type=OBJECT_TYPE,
            object_id=address[:64],
            request_id=request_id[:64],
            after={"username_sha256": username_digest(username)},
        )
    )
    session.commit()


def _failures(
    session: Session, address: str, since: datetime, limit: int, *, digest: str | None = None
) -> list[datetime]:
    """Times of the newest ``limit`` failures from ``address`` after ``since``, newest first."""
    query = select(AuditRecord.at).where(
        AuditRecord.action == ACTION,
        AuditRecord.object_type == OBJECT_TYPE,
        AuditRecord.object_id == address[:64],
        AuditRecord.at > since,
    )
    if digest is not None:
        query = query.where(AuditRecord.after["username_sha256"].as_string() == digest)  # type: ignore[index]
    return list(session.exec(query.order_by(AuditRecord.at.desc()).limit(limit)))  # type: ignore[attr-defined]


def _retry_after(oldest_counted: datetime, window: timedelta, now: datetime) -> int:
    """Seconds until the oldest failure that still counts leaves the window."""
    return max(1, math.ceil((oldest_counted + window - now).total_seconds()))
