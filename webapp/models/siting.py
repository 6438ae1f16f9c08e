"""Siting scenarios: a question about where outlets should go, and its answer."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON
from sqlmodel import Field, SQLModel

from webapp.models._types import UTCDateTime, utcnow


class SitingScenario(SQLModel, table=True):
    """Parameters, the job that solved them, and the result (``run_scenario``'s dict)."""

    __tablename__ = "siting_scenario"

    id: int | None = Field(default=None, primary_key=True)
    org_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    name: str = Field(max_length=120)
    params: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    job_id: int | None = Field(default=None, foreign_key="job.id")
    result: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    adopted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
