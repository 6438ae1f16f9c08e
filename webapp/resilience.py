"""When the database cannot take a request: a clear 503 instead of a 500.

The one place that maps driver errors to what a client can do about them. A
database that is down or restarting, read-only, out of disk space or too busy
is a passing state: the answer is ``503 Service Unavailable`` with a
``Retry-After`` header, JSON for machine clients and a page for browsers, and
the request's transaction is rolled back so nothing of it stays. Any other
database error (a bug, such as a missing table) stays a 500 and is logged.

Recovery needs no restart: PostgreSQL connections are checked before use
(``pool_pre_ping`` in ``webapp.db``) and SQLAlchemy drops the whole pool when
it sees a connection die, so the first request after the server is back gets a
fresh connection; SQLite re-reads the file's state on every transaction.
"""

from __future__ import annotations

import logging
import os
from enum import StrEnum
from pathlib import Path
from typing import Any

from flask import Flask, current_app, g, jsonify, render_template, request
from flask_babel import gettext as _
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

log = logging.getLogger(__name__)

__all__ = ["Cause", "classify", "init_app"]


class Cause(StrEnum):
    """Why the database cannot take the request right now."""

    UNAVAILABLE = "unavailable"
    READ_ONLY = "read_only"
    DISK_FULL = "disk_full"
    BUSY = "busy"

    @property
    def retry_after_s(self) -> int:
        """How long a client should wait before trying again."""
        return {Cause.UNAVAILABLE: 5, Cause.READ_ONLY: 30, Cause.DISK_FULL: 30, Cause.BUSY: 2}[self]

    @property
    def message(self) -> str:
        """What the user is told, in their language."""
        return {
            Cause.UNAVAILABLE: _(
                "The database is not reachable (it may be restarting). "
                "Nothing was saved; please try again shortly."
            ),
            Cause.READ_ONLY: _(
                "The database is read-only: changes cannot be saved right now. "
                "Nothing was saved; pages can still be viewed."
            ),
            Cause.DISK_FULL: _(
                "The database disk is full: changes cannot be saved right now. "
                "Nothing was saved; pages can still be viewed."
            ),
            Cause.BUSY: _(
                "The database is too busy to take this request. "
                "Nothing was saved; please try again in a moment."
            ),
        }[self]


# PostgreSQL SQLSTATE codes (appendix A of its manual) that mean "try again later".
_PG_STATES = {
    "25006": Cause.READ_ONLY,  # read_only_sql_transaction (a standby, or read-only by setting)
    "53100": Cause.DISK_FULL,
    "53200": Cause.BUSY,  # out_of_memory
    "53300": Cause.BUSY,  # too_many_connections
    "55P03": Cause.BUSY,  # lock_not_available (lock_timeout)
    "57014": Cause.BUSY,  # query_canceled (statement_timeout)
    "40001": Cause.BUSY,  # serialization_failure
    "40P01": Cause.BUSY,  # deadlock_detected
    "57P01": Cause.UNAVAILABLE,  # admin_shutdown
    "57P02": Cause.UNAVAILABLE,  # crash_shutdown
    "57P03": Cause.UNAVAILABLE,  # cannot_connect_now (starting up, shutting down)
}


def classify(exc: BaseException, *, sqlite_path: str | None = None) -> Cause | None:
    """The passing cause behind a database error, or None for an error that is a bug.

    ``sqlite_path`` is the database file, used to tell a read-only file or a full
    disk from other I/O errors that SQLite reports alike.
    """
    if isinstance(exc, PoolTimeoutError):
        return Cause.BUSY  # every pooled connection is taken
    if not isinstance(exc, DBAPIError):
        return None
    orig = exc.orig
    name = getattr(orig, "sqlite_errorname", None)
    if name is not None:
        return _sqlite_cause(str(name), sqlite_path)
    state = getattr(orig, "sqlstate", None)
    if state in _PG_STATES:
        return _PG_STATES[state]
    if state is not None and state.startswith("08"):
        return Cause.UNAVAILABLE  # connection_exception class
    if exc.connection_invalidated or (state is None and isinstance(exc, (OperationalError, InterfaceError))):
        # Refused, reset or closed connections carry no SQLSTATE.
        return Cause.UNAVAILABLE
    return None


def _sqlite_cause(name: str, path: str | None) -> Cause | None:
    if name.startswith("SQLITE_READONLY"):
        return Cause.READ_ONLY
    if name == "SQLITE_FULL":
        return Cause.DISK_FULL
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return Cause.BUSY
    if name.startswith("SQLITE_CANTOPEN"):
        return Cause.UNAVAILABLE
    if name.startswith("SQLITE_IOERR"):
        # A connection opened before the file turned read-only, or before the disk
        # filled, gets a bare I/O error; the file system says which it was.
        return _storage_cause(path)
    return None


def _storage_cause(path: str | None) -> Cause:
    if path:
        folder = Path(path).parent
        # access(2) sees read-only mounts and immutable files even for root; it opens
        # nothing (closing a second descriptor would drop SQLite's POSIX locks).
        if not os.access(path, os.W_OK) or not os.access(folder, os.W_OK):
            return Cause.READ_ONLY
        try:
            stats = os.statvfs(folder)
        except OSError:
            return Cause.UNAVAILABLE
        if stats.f_bavail * stats.f_frsize < 1024 * 1024:
            return Cause.DISK_FULL
    return Cause.UNAVAILABLE


def init_app(app: Flask) -> None:
    """Answer 503 for database errors that pass; leave the rest to the 500 handler."""
    app.register_error_handler(DBAPIError, _database_error)
    app.register_error_handler(PoolTimeoutError, _database_error)


def _database_error(exc: Exception) -> Any:
    engine = current_app.extensions["reloop.engine"]
    sqlite_path = engine.url.database if engine.dialect.name == "sqlite" else None
    cause = classify(exc, sqlite_path=sqlite_path)
    if cause is None:
        raise exc  # a bug, not an outage: Flask logs it and answers 500
    # A SQLite connection opened while the file was read-only stays read-only: drop it,
    # so the pool opens a writable one once the file is writable again.
    _discard_session(invalidate=sqlite_path is not None and cause is Cause.READ_ONLY)
    log.warning(
        "database %s: %s %s answered 503 (%s)",
        cause.value,
        request.method,
        request.path,
        (str(getattr(exc, "orig", exc)).splitlines() or [""])[0][:200],
    )
    retry = cause.retry_after_s
    if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
        response = jsonify(error=cause.message, status=503, cause=cause.value, retry_after_s=retry)
        response.status_code = 503
    else:
        page = render_template(
            "errors/error.html", code=503, title=_("Service unavailable"), message=cause.message
        )
        response = current_app.response_class(page, status=503)
    response.headers["Retry-After"] = str(retry)
    return response


def _discard_session(*, invalidate: bool) -> None:
    """Roll back and drop the request's session, and keep the error page off the database."""
    session = g.pop("db_session", None)
    if session is not None:
        try:
            if invalidate:
                session.invalidate()
            else:
                session.rollback()
                session.close()
        except Exception:  # noqa: BLE001 - the connection is gone; the pool will replace it
            session.invalidate()
    if "_login_user" not in g:
        # Loading the user is what failed (or would fail): render the page signed out.
        g._login_user = current_app.login_manager.anonymous_user()  # type: ignore[attr-defined]
