"""The regulator's follow-up of an anomaly: an append-only trail of acknowledgements.

A finding of :mod:`webapp.audit.anomalies` is computed from the log on every visit,
so it has no row of its own; it is known by a stable key (kind, battery, event and
rule). Each acknowledgement is a new row naming that key, who, when, a note and the
state the finding is in from then on. Rows are never edited or deleted (database
triggers, as for the other records): the latest row is the finding's state and the
rows before it are its history.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlmodel import Field, SQLModel

from webapp.models._types import UTCDateTime, str_enum, utcnow


class FollowUpStatus(StrEnum):
    """Where a finding stands: 待处理, 已确认, 跟进中, 已关闭."""

    PENDING = "pending"
    CONFIRMED = "confirmed"
    FOLLOWING_UP = "following_up"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return str(
            {
                FollowUpStatus.PENDING: _l("Pending"),
                FollowUpStatus.CONFIRMED: _l("Confirmed"),
                FollowUpStatus.FOLLOWING_UP: _l("Following up"),
                FollowUpStatus.CLOSED: _l("Closed"),
            }[self]
        )

    @property
    def colour(self) -> str:
        return {
            FollowUpStatus.PENDING: "warning",
            FollowUpStatus.CONFIRMED: "danger",
            FollowUpStatus.FOLLOWING_UP: "info",
            FollowUpStatus.CLOSED: "success",
        }[self]


class AnomalyFollowUp(SQLModel, table=True):
    """One acknowledgement of an anomaly: who, when, the note and the state it sets."""

    __tablename__ = "anomaly_follow_up"

    id: int | None = Field(default=None, primary_key=True)
    anomaly_key: str = Field(max_length=200, index=True)
    kind: str = Field(max_length=32)
    battery_code: str = Field(max_length=24, index=True)
    status: FollowUpStatus = Field(sa_type=str_enum(FollowUpStatus))
    note: str = Field(max_length=1000)
    user_id: int | None = Field(default=None, foreign_key="user.id")
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
