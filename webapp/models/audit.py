"""The append-only change log: who changed what, when, before and after."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON
from sqlmodel import Field, SQLModel

from webapp.models._types import UTCDateTime, utcnow


class AuditRecord(SQLModel, table=True):
    """One change to a record, written by the operation that made it."""

    __tablename__ = "audit_record"

    id: int | None = Field(default=None, primary_key=True)
    org_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    user_id: int | None = Field(default=None, foreign_key="user.id")
    request_id: str = Field(default="", max_length=64)
    action: str = Field(max_length=40)
    object_type: str = Field(max_length=40, index=True)
    object_id: str = Field(max_length=64, index=True)
    before: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    after: dict[str, Any] | None = Field(default=None, sa_type=JSON)
