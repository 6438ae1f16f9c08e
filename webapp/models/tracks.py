"""Tables of the tracks area: the positions a driver's phone sends while a route runs (issue 16)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from webapp.models._types import UTCDateTime, utcnow


class GpsPoint(SQLModel, table=True):
    """One position of a truck on a route, as the driver's phone measured it (WGS-84).

    ``client_id`` is made on the phone, so a batch queued offline and sent twice is
    stored once. A point is never changed: one the server doubts keeps its ``flag``
    ("outside_china", "too_fast") and is left out of the driven distance and the map.
    """

    __tablename__ = "gps_point"
    __table_args__ = (Index("ix_gps_point_route_time", "route_id", "recorded_at"),)

    id: int | None = Field(default=None, primary_key=True)
    org_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    client_id: str = Field(max_length=64, unique=True)
    route_id: int = Field(foreign_key="planned_route.id")
    driver_id: int = Field(foreign_key="driver.id", index=True)
    token_id: int | None = Field(default=None, foreign_key="api_token.id")
    recorded_at: datetime = Field(sa_type=UTCDateTime)
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    lon: float
    lat: float
    accuracy_m: float | None = None
    speed_mps: float | None = None
    heading_deg: float | None = None
    flag: str = Field(default="", max_length=32)
    # Hash of the normalised point, to tell a resend from another point under the same id.
    body_sha256: str = Field(max_length=64)
