"""Organisations: every owned table carries a nullable ``org_id`` from day one."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from webapp.models._types import UTCDateTime, utcnow


class Organisation(SQLModel, table=True):
    """A recycling enterprise (or partner) whose records ReLoop keeps."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    credit_code: str | None = Field(default=None, max_length=18)  # 统一社会信用代码
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
