"""Users, their server-side login sessions, and API tokens for machines."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlmodel import Field, SQLModel

from webapp.models._types import UTCDateTime, str_enum, utcnow


class Role(StrEnum):
    """What a user may do; the access table in ``webapp.access`` maps views to roles."""

    ADMIN = "admin"
    DISPATCHER = "dispatcher"
    DRIVER = "driver"
    REGULATOR = "regulator"

    @property
    def label(self) -> str:
        return str(
            {
                Role.ADMIN: _l("Administrator"),
                Role.DISPATCHER: _l("Dispatcher"),
                Role.DRIVER: _l("Driver"),
                Role.REGULATOR: _l("Regulator"),
            }[self]
        )

    @property
    def colour(self) -> str:
        return {
            Role.ADMIN: "#7c3aed",
            Role.DISPATCHER: "#0369a1",
            Role.DRIVER: "#15803d",
            Role.REGULATOR: "#b45309",
        }[self]


class User(SQLModel, table=True):
    """A person who logs in. Passwords are stored only as salted hashes."""

    id: int | None = Field(default=None, primary_key=True)
    org_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    username: str = Field(max_length=64, unique=True, index=True)
    display_name: str = Field(max_length=100)
    password_hash: str = Field(max_length=255)
    role: Role = Field(sa_type=str_enum(Role))
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_login_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class UserSession(SQLModel, table=True):
    """One login. The cookie holds only this row's random id, so revoking the row
    (logout, deactivation) ends the session even for a copied cookie."""

    __tablename__ = "user_session"

    id: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="user.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    user_agent: str = Field(default="", max_length=255)
    remote_addr: str = Field(default="", max_length=64)


class TokenKind(StrEnum):
    """What a machine token is for."""

    SENSOR = "sensor"
    DEVICE = "device"
    PARTNER = "partner"  # partner systems posting battery events
    AUDITOR = "auditor"  # read-only access to the battery log and its proofs


class ApiToken(SQLModel, table=True):
    """A bearer token for sensors and partner systems; only its SHA-256 is stored."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    org_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    name: str = Field(max_length=100)
    kind: TokenKind = Field(sa_type=str_enum(TokenKind))
    token_sha256: str = Field(max_length=64, unique=True, index=True)
    user_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
