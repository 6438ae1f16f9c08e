"""Fill sensors that report over MQTT: the device registry with its calibration and
health, the sensor side of each reading, and the bridge's message counts.

The reading itself is a :class:`~webapp.models.outlets.FillReading` (one source of
truth for "how full was it"); :class:`SensorReading` keeps what only a sensor says
about it: the message id, the raw distance, battery, signal and material.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlmodel import Field, SQLModel

from webapp.models._types import UTCDateTime, str_enum, utcnow


class MessageOutcome(StrEnum):
    """What the bridge did with one MQTT message."""

    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"
    BAD = "bad"

    @property
    def label(self) -> str:
        return str(
            {
                MessageOutcome.ACCEPTED: _l("Accepted"),
                MessageOutcome.DUPLICATE: _l("Duplicate"),
                MessageOutcome.BAD: _l("Refused"),
            }[self]
        )


class SensorDevice(SQLModel, table=True):
    """A fill sensor mounted in one outlet's container.

    Calibration for the raw distance payload: the sensor looks down from
    ``sensor_height_mm`` above the container's bottom; the container is full when the
    surface is ``container_depth_mm`` above the bottom. Health fields hold the latest
    state the device reported, kept beside it so the list needs no subquery.
    """

    __tablename__ = "sensor_device"

    id: int | None = Field(default=None, primary_key=True)
    org_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    code: str = Field(max_length=32, unique=True, index=True)  # the device id in topics and payloads
    outlet_id: int = Field(foreign_key="outlet.id", index=True)
    material_id: int | None = Field(default=None, foreign_key="material.id")
    sensor_height_mm: int | None = Field(default=None, gt=0)
    container_depth_mm: int | None = Field(default=None, gt=0)
    active: bool = True
    note: str = Field(default="", max_length=255)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_seen_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    last_measured_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_fill_pct: float | None = None
    battery_pct: int | None = None
    signal_dbm: int | None = None
    last_problem: str = Field(default="", max_length=255)
    last_problem_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class SensorReading(SQLModel, table=True):
    """What a sensor's message said beside the fill reading it became."""

    __tablename__ = "sensor_reading"

    id: int | None = Field(default=None, primary_key=True)
    fill_reading_id: int = Field(foreign_key="fill_reading.id", unique=True)
    device_id: int = Field(foreign_key="sensor_device.id", index=True)
    message_id: str = Field(max_length=64)
    distance_mm: int | None = None  # raw payloads only
    reported_fill_pct: float | None = None  # JSON payloads only
    battery_pct: int | None = None
    signal_dbm: int | None = None
    material_id: int | None = Field(default=None, foreign_key="material.id")
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SensorTally(SQLModel, table=True):
    """How many messages of one device had one outcome on one Shenzhen day.

    ``device_code`` is empty for messages that named no registered device (their
    claimed id is in the bridge's log, not here: a stranger could fill a table with ids).
    """

    __tablename__ = "sensor_tally"

    day: date = Field(primary_key=True)
    device_code: str = Field(default="", max_length=32, primary_key=True)
    outcome: MessageOutcome = Field(sa_type=str_enum(MessageOutcome), primary_key=True)
    count: int = 0
