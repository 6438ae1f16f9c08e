"""Power-battery traceability: batteries, the append-only event log, its Merkle
tree and signed tree heads.

``trace_event``, ``merkle_node``, ``tree_head`` and ``trace_report`` refuse UPDATE
and DELETE in the database itself (triggers from ``webapp.models.append_only``); a correction is a
new event that names the one it supersedes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Text
from sqlmodel import Field, SQLModel

from webapp.models._types import UTCDateTime, utcnow


class Battery(SQLModel, table=True):
    """A pack, module, cell or cascade product known by its GB/T 34014 code.

    ``status``, ``holder`` and ``parent_code`` are derived from the log by replaying
    its events; they are kept here so lists and searches need no replay.
    """

    id: int | None = Field(default=None, primary_key=True)
    org_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    code: str = Field(max_length=24, unique=True, index=True)
    product_type: str = Field(max_length=1)  # P pack, M module, C cell
    chemistry: str = Field(max_length=1)
    manufacturer_code: str = Field(max_length=3, index=True)
    rated_energy_wh: int | None = Field(default=None, ge=0)
    mass_g: int | None = Field(default=None, ge=0)
    is_cascade_product: bool = False
    status: str = Field(default="new", max_length=32, index=True)
    holder: str = Field(default="", max_length=120)
    location: str = Field(default="", max_length=120)
    parent_code: str | None = Field(default=None, max_length=24, index=True)
    last_event_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class BatteryLink(SQLModel, table=True):
    """A parent/child tie between codes: a pack holding modules, or a cascade
    product regrouped from sources. ``since_seq``/``until_seq`` bound it in the log."""

    __tablename__ = "battery_link"

    id: int | None = Field(default=None, primary_key=True)
    parent_code: str = Field(max_length=24, index=True)
    child_code: str = Field(max_length=24, index=True)
    kind: str = Field(max_length=20)  # "contains" | "regrouped_from"
    since_seq: int
    until_seq: int | None = None


class TraceEventRow(SQLModel, table=True):
    """One entry of the log, exactly as it was hashed.

    ``line`` is the canonical leaf text (the export line); ``leaf_hash`` is its
    RFC 9162 leaf hash and ``prev_hash`` the previous leaf's, so the rows alone
    let anyone recompute the tree.
    """

    __tablename__ = "trace_event"

    seq: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    org_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    event_id: str = Field(max_length=64, unique=True, index=True)
    battery_code: str = Field(max_length=24, index=True)
    kind: str = Field(max_length=32, index=True)
    actor: str = Field(max_length=120)
    actor_role: str = Field(max_length=32)
    location: str = Field(max_length=120)
    occurred_at: datetime = Field(sa_type=UTCDateTime, index=True)
    recorded_at: datetime = Field(sa_type=UTCDateTime)
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    corrects: str | None = Field(default=None, max_length=64, index=True)
    correction_reason: str | None = Field(default=None, max_length=255)
    prev_hash: str = Field(max_length=64)
    leaf_hash: str = Field(max_length=64, index=True)
    line: str = Field(sa_type=Text)
    recorded_by_id: int | None = Field(default=None, foreign_key="user.id")


class MerkleNode(SQLModel, table=True):
    """Hash of a complete subtree: node ``idx`` of ``level`` (level 0 = leaves)."""

    __tablename__ = "merkle_node"

    level: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    idx: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    digest: str = Field(max_length=64)


class TreeHead(SQLModel, table=True):
    """A signed tree head as issued (daily and on demand)."""

    __tablename__ = "tree_head"

    id: int | None = Field(default=None, primary_key=True)
    log_id: str = Field(max_length=64)
    tree_size: int = Field(index=True)
    # Milliseconds since 1970 outgrow PostgreSQL's 32-bit INTEGER.
    timestamp_ms: int = Field(sa_type=BigInteger)
    root_hash: str = Field(max_length=64)
    key_id: str = Field(max_length=64)
    signature: str = Field(max_length=128)
    body: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class TraceReport(SQLModel, table=True):
    """An event's report to the national traceability platform (国家溯源管理平台).

    The reporting deadlines run until this row exists. Append-only like the log: a
    wrong report is followed by another row, and the earliest one counts.
    """

    __tablename__ = "trace_report"

    id: int | None = Field(default=None, primary_key=True)
    event_id: str = Field(max_length=64, index=True)
    reported_at: datetime = Field(sa_type=UTCDateTime)
    reference: str = Field(default="", max_length=120)
    reported_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
