"""What drivers record at stops: collections (weights per material), skips with a
reason, and the photos and signatures that prove them.

A collection carries money (subsidy claims) and so is never updated in place: a
correction is a new row whose ``supersedes_id`` names the row it replaces. The
database refuses UPDATE and DELETE of collections and their weights (triggers from
:mod:`webapp.models.append_only`).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import Index, LargeBinary, text
from sqlmodel import Field, SQLModel

from webapp.models._types import UTCDateTime, str_enum, utcnow


class CollectionOutcome(StrEnum):
    """What happened at a stop."""

    COLLECTED = "collected"
    SKIPPED = "skipped"

    @property
    def label(self) -> str:
        return str(
            {CollectionOutcome.COLLECTED: _l("Collected"), CollectionOutcome.SKIPPED: _l("Skipped")}[self]
        )

    @property
    def colour(self) -> str:
        return {CollectionOutcome.COLLECTED: "#15803d", CollectionOutcome.SKIPPED: "#b45309"}[self]


class SkipReason(SQLModel, table=True):
    """Why a stop was not collected: an editable list seeded by ``reloop seed reference``."""

    __tablename__ = "skip_reason"

    id: int | None = Field(default=None, primary_key=True)
    org_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    code: str = Field(max_length=40, unique=True, index=True)
    name_zh: str = Field(max_length=60)
    name_en: str = Field(max_length=80)
    requires_photo: bool = False
    requires_note: bool = False
    sort_order: int = 0
    active: bool = True

    def name(self, locale: str) -> str:
        """The name in the reader's language."""
        return self.name_en if locale.startswith("en") else self.name_zh


class EvidenceFile(SQLModel, table=True):
    """A photo or signature, stored once per content hash.

    Kept in the database rather than on disk: it is evidence for subsidy claims,
    so it must be backed up and restored with the weights it proves, and the web
    processes of a platform deployment share no disk.
    """

    __tablename__ = "evidence_file"

    id: int | None = Field(default=None, primary_key=True)
    sha256: str = Field(max_length=64, unique=True, index=True)
    media_type: str = Field(max_length=32)
    size_bytes: int = Field(ge=0)
    data: bytes = Field(sa_type=LargeBinary)
    uploaded_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Collection(SQLModel, table=True):
    """One record made at a stop: collected with weights, or skipped with a reason.

    ``client_id`` is generated on the phone, so a record queued offline and sent
    twice is stored once. The record in force at a stop is the one no other row
    supersedes.

    The database keeps that record single: a stop has at most one first record (the
    partial unique index below) and a record is corrected at most once (the unique
    ``supersedes_id``), so each stop's records form one chain with one end. Two phones
    racing on one stop cannot both store a first record, whatever the code checked.
    """

    __tablename__ = "collection"
    __table_args__ = (
        Index(
            "uq_collection_first_record_per_stop",
            "stop_id",
            unique=True,
            sqlite_where=text("supersedes_id IS NULL"),
            postgresql_where=text("supersedes_id IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    org_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    client_id: str = Field(max_length=64, unique=True, index=True)
    stop_id: int = Field(foreign_key="planned_stop.id", index=True)
    route_id: int = Field(foreign_key="planned_route.id", index=True)
    # None at a booking stop (a resident's door): the stop names the booking.
    outlet_id: int | None = Field(default=None, foreign_key="outlet.id", index=True)
    driver_id: int = Field(foreign_key="driver.id", index=True)
    user_id: int | None = Field(default=None, foreign_key="user.id")
    token_id: int | None = Field(default=None, foreign_key="api_token.id")
    outcome: CollectionOutcome = Field(sa_type=str_enum(CollectionOutcome))
    total_g: int = Field(default=0, ge=0)
    skip_reason_id: int | None = Field(default=None, foreign_key="skip_reason.id")
    note: str = Field(default="", max_length=500)
    photo_id: int | None = Field(default=None, foreign_key="evidence_file.id")
    signature_id: int | None = Field(default=None, foreign_key="evidence_file.id")
    lon: float | None = None
    lat: float | None = None
    accuracy_m: float | None = None
    arrived_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    recorded_at: datetime = Field(sa_type=UTCDateTime, index=True)
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # Unique: a record is corrected at most once, so the chain never forks.
    supersedes_id: int | None = Field(default=None, foreign_key="collection.id", unique=True)
    correction_reason: str = Field(default="", max_length=255)
    out_of_order: bool = False
    # Hash of the normalised request, to tell a retry from a different record.
    body_sha256: str = Field(max_length=64)


class CollectionWeight(SQLModel, table=True):
    """The weight of one material in a collection, in integer grams."""

    __tablename__ = "collection_weight"

    collection_id: int = Field(foreign_key="collection.id", primary_key=True)
    material_id: int = Field(foreign_key="material.id", primary_key=True)
    grams: int = Field(ge=0)
