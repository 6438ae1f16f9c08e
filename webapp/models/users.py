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
    TECHNICIAN = "technician"  # battery cascade-use workshop staff
    WEIGHBRIDGE = "weighbridge"  # sorting-centre weighbridge operator
    RESIDENT = "resident"  # a resident of the Internet+ recycling channel

    @property
    def label(self) -> str:
        return str(
            {
                Role.ADMIN: _l("Administrator"),
                Role.DISPATCHER: _l("Dispatcher"),
                Role.DRIVER: _l("Driver"),
                Role.REGULATOR: _l("Regulator"),
                Role.TECHNICIAN: _l("Technician"),
                Role.WEIGHBRIDGE: _l("Weighbridge operator"),
                Role.RESIDENT: _l("Resident"),
            }[self]
        )

    @property
    def colour(self) -> str:
        return {
            Role.ADMIN: "#7c3aed",
            Role.DISPATCHER: "#0369a1",
            Role.DRIVER: "#15803d",
            Role.REGULATOR: "#b45309",
            Role.TECHNICIAN: "#0f766e",
            Role.WEIGHBRIDGE: "#4d7c0f",
            Role.RESIDENT: "#be185d",
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
    KIOSK = "kiosk"  # smart recycling kiosks posting residents' deposits
    CASCADE_CUSTOMER = "cascade_customer"  # customers' systems posting cascade products' health

    @property
    def label(self) -> str:
        return str(
            {
                TokenKind.SENSOR: _l("Sensor"),
                TokenKind.DEVICE: _l("Driver's phone"),
                TokenKind.PARTNER: _l("Partner system"),
                TokenKind.AUDITOR: _l("Auditor tool"),
                TokenKind.KIOSK: _l("Recycling kiosk"),
                TokenKind.CASCADE_CUSTOMER: _l("Cascade product customer"),
            }[self]
        )


class RevokeReason(StrEnum):
    """Why a token stopped working; the token row stays, so its history does too."""

    ADMIN = "admin"  # an administrator revoked it
    USER_DISABLED = "user_disabled"  # its user was disabled
    REPLACED = "replaced"  # the same phone asked for a new token
    LIMIT = "limit"  # the user's newest phones pushed it over the device limit


class TokenStatus(StrEnum):
    """A token's state as the admin page shows it (not an outlet's)."""

    VALID = "valid"
    EXPIRED = "expired"
    REVOKED = "revoked"

    @property
    def label(self) -> str:
        return str(
            {
                TokenStatus.VALID: _l("Valid"),
                TokenStatus.EXPIRED: _l("Expired"),
                TokenStatus.REVOKED: _l("Revoked"),
            }[self]
        )

    @property
    def colour(self) -> str:
        return {TokenStatus.VALID: "#15803d", TokenStatus.EXPIRED: "#b45309", TokenStatus.REVOKED: "#6b7280"}[
            self
        ]


class ApiToken(SQLModel, table=True):
    """A bearer token for sensors, drivers' phones and partner systems; only its SHA-256 is stored.

    A token is never deleted: revoking sets ``revoked_at`` and ``revoke_reason`` once,
    and the change log keeps who did it.
    """

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    org_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    name: str = Field(max_length=100)
    kind: TokenKind = Field(sa_type=str_enum(TokenKind))
    token_sha256: str = Field(max_length=64, unique=True, index=True)
    user_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # Every token expires; rows older than the column got one when it was added.
    expires_at: datetime = Field(sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoke_reason: RevokeReason | None = Field(default=None, sa_type=str_enum(RevokeReason))
    # A driver's phone: the id its page made once and keeps, and its model in short.
    device_id: str | None = Field(default=None, max_length=64, index=True)
    device_label: str = Field(default="", max_length=60)

    def status(self, now: datetime) -> TokenStatus:
        """Valid, expired or revoked at ``now``."""
        if self.revoked_at is not None:
            return TokenStatus.REVOKED
        if self.expires_at <= now:
            return TokenStatus.EXPIRED
        return TokenStatus.VALID
