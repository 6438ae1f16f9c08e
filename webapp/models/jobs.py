"""Background jobs: a row the page polls while a huey worker runs the work."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON
from sqlmodel import Field, SQLModel

from webapp.models._types import UTCDateTime, str_enum, utcnow


class JobStatus(StrEnum):
    """Where a job is."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"

    @property
    def label(self) -> str:
        return str(
            {
                JobStatus.QUEUED: _l("Queued"),
                JobStatus.RUNNING: _l("Running"),
                JobStatus.SUCCEEDED: _l("Succeeded"),
                JobStatus.FAILED: _l("Failed"),
            }[self]
        )

    @property
    def colour(self) -> str:
        return {
            JobStatus.QUEUED: "#6b7280",
            JobStatus.RUNNING: "#0369a1",
            JobStatus.SUCCEEDED: "#15803d",
            JobStatus.FAILED: "#b91c1c",
        }[self]

    @property
    def finished(self) -> bool:
        return self in (JobStatus.SUCCEEDED, JobStatus.FAILED)


class Job(SQLModel, table=True):
    """One unit of background work, its progress and its outcome."""

    id: int | None = Field(default=None, primary_key=True)
    org_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    kind: str = Field(max_length=40, index=True)
    status: JobStatus = Field(default=JobStatus.QUEUED, sa_type=str_enum(JobStatus))
    progress: int = Field(default=0, ge=0, le=100)
    message: str = Field(default="", max_length=255)
    params: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    result: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    error: str | None = None
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Written every few seconds while a worker runs the job: a running job whose
    # heartbeat stopped was left by a worker that died (see jobs.operations).
    heartbeat_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
