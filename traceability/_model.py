"""Lifecycle vocabulary and records: event kinds, roles, statuses, events, states."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Any


class EventKind(StrEnum):
    """What happened to a battery."""

    RETIRED_FROM_VEHICLE = "retired_from_vehicle"
    RECEIVED_AT_OUTLET = "received_at_outlet"
    HANDED_OVER = "handed_over"
    RECEIVED_BY_ENTERPRISE = "received_by_enterprise"
    INSPECTED = "inspected"
    CAPACITY_TESTED = "capacity_tested"
    DISASSEMBLED = "disassembled"
    REGROUPED = "regrouped"
    CASCADE_SHIPPED = "cascade_shipped"
    CASCADE_RETIRED = "cascade_retired"
    RECYCLED = "recycled"
    DISPOSED = "disposed"

    @property
    def label_zh(self) -> str:
        """Name in the regulations' own terms."""
        return _KIND_LABELS[self][0]

    @property
    def label_en(self) -> str:
        """English name."""
        return _KIND_LABELS[self][1]


_KIND_LABELS = {
    EventKind.RETIRED_FROM_VEHICLE: ("退役拆卸", "retired from vehicle"),
    EventKind.RECEIVED_AT_OUTLET: ("回收入库", "received at collection outlet"),
    EventKind.HANDED_OVER: ("移交出库", "handed over"),
    EventKind.RECEIVED_BY_ENTERPRISE: ("企业入库", "received by enterprise"),
    EventKind.INSPECTED: ("入库安全检查", "intake safety inspection"),
    EventKind.CAPACITY_TESTED: ("余能检测", "residual capacity tested"),
    EventKind.DISASSEMBLED: ("拆解", "disassembled"),
    EventKind.REGROUPED: ("梯次利用重组", "regrouped into cascade product"),
    EventKind.CASCADE_SHIPPED: ("梯次产品出库", "cascade product shipped"),
    EventKind.CASCADE_RETIRED: ("梯次产品退役", "cascade product retired"),
    EventKind.RECYCLED: ("再生利用", "recycled"),
    EventKind.DISPOSED: ("最终处置", "finally disposed"),
}


class ActorRole(StrEnum):
    """The kind of organisation that records an event (2018 traceability rules)."""

    MANUFACTURER = "manufacturer"
    COLLECTOR = "collector"
    DISMANTLER = "dismantler"
    CASCADE_USER = "cascade_user"
    RECYCLER = "recycler"

    @property
    def label_zh(self) -> str:
        """Name in the regulations' own terms."""
        return _ROLE_LABELS[self][0]

    @property
    def label_en(self) -> str:
        """English name."""
        return _ROLE_LABELS[self][1]


_ROLE_LABELS = {
    ActorRole.MANUFACTURER: ("汽车生产企业", "vehicle or battery manufacturer"),
    ActorRole.COLLECTOR: ("回收服务网点", "collection outlet operator"),
    ActorRole.DISMANTLER: ("报废机动车回收拆解企业", "end-of-life vehicle dismantler"),
    ActorRole.CASCADE_USER: ("梯次利用企业", "cascade-use enterprise"),
    ActorRole.RECYCLER: ("再生利用企业", "recycling enterprise"),
}


class BatteryStatus(StrEnum):
    """Where a battery stands in its lifecycle."""

    NEW = "new"
    RETIRED = "retired"
    AT_OUTLET = "at_outlet"
    IN_TRANSIT = "in_transit"
    AT_ENTERPRISE = "at_enterprise"
    IN_SERVICE = "in_service"
    IN_CASCADE_PRODUCT = "in_cascade_product"
    DISASSEMBLED = "disassembled"
    RECYCLED = "recycled"
    DISPOSED = "disposed"

    @property
    def label_zh(self) -> str:
        """Chinese label."""
        return _STATUS_LABELS[self][0]

    @property
    def label_en(self) -> str:
        """English label."""
        return _STATUS_LABELS[self][1]

    @property
    def colour(self) -> str:
        """Badge colour name for the UI."""
        return _STATUS_LABELS[self][2]

    @property
    def is_final(self) -> bool:
        """True when no further event may be recorded on this code."""
        return self in _FINAL


_STATUS_LABELS = {
    BatteryStatus.NEW: ("未登记", "not yet recorded", "secondary"),
    BatteryStatus.RETIRED: ("已退役", "retired", "info"),
    BatteryStatus.AT_OUTLET: ("网点在库", "at collection outlet", "primary"),
    BatteryStatus.IN_TRANSIT: ("移交途中", "in transit", "warning"),
    BatteryStatus.AT_ENTERPRISE: ("企业在库", "at enterprise", "primary"),
    BatteryStatus.IN_SERVICE: ("梯次使用中", "in cascade use", "success"),
    BatteryStatus.IN_CASCADE_PRODUCT: ("已重组为梯次产品", "part of a cascade product", "dark"),
    BatteryStatus.DISASSEMBLED: ("已拆解", "disassembled", "dark"),
    BatteryStatus.RECYCLED: ("已再生利用", "recycled", "dark"),
    BatteryStatus.DISPOSED: ("已处置", "disposed", "dark"),
}
_FINAL = frozenset({BatteryStatus.IN_CASCADE_PRODUCT, BatteryStatus.DISASSEMBLED, BatteryStatus.DISPOSED})


class LifecycleError(ValueError):
    """An event is impossible in the battery's current state.

    ``code`` is stable and machine-readable (e.g. ``not_received``,
    ``already_in_custody``, ``in_cascade_product``); ``message`` is for people.
    """

    def __init__(self, code: str, message: str, *, event_id: str | None = None) -> None:
        self.code = code
        self.message = message
        self.event_id = event_id
        super().__init__(f"{code}: {message}")


@dataclass(frozen=True)
class TraceEvent:
    """One recorded lifecycle event: who, where, when it happened, when recorded, what.

    Timestamps must be timezone-aware. ``corrects``/``correction_reason`` are set
    together on a correction and on nothing else.
    """

    event_id: str
    kind: EventKind
    battery_code: str
    actor: str
    actor_role: ActorRole
    location: str
    occurred_at: datetime
    recorded_at: datetime
    payload: Mapping[str, Any] = field(default_factory=dict, hash=False)
    corrects: str | None = None
    correction_reason: str | None = None

    def __post_init__(self) -> None:
        for name in ("event_id", "battery_code", "actor", "location"):
            if not getattr(self, name):
                raise ValueError(f"TraceEvent.{name} must not be empty")
        for name in ("occurred_at", "recorded_at"):
            if getattr(self, name).utcoffset() is None:
                raise ValueError(f"TraceEvent.{name} must be timezone-aware")
        if (self.corrects is None) != (self.correction_reason is None):
            raise ValueError("corrects and correction_reason go together")
        if self.correction_reason is not None and not self.correction_reason.strip():
            raise ValueError("a correction needs a reason")
        object.__setattr__(self, "kind", EventKind(self.kind))
        object.__setattr__(self, "actor_role", ActorRole(self.actor_role))
        object.__setattr__(self, "payload", MappingProxyType(dict(self.payload)))

    @property
    def is_correction(self) -> bool:
        """True when this event supersedes an earlier one."""
        return self.corrects is not None


@dataclass(frozen=True)
class BatteryState:
    """What the record says about one battery after its events so far.

    ``history`` holds the events in force (a superseded event is replaced by its
    correction) including events of other batteries that touched this one.
    """

    code: str
    status: BatteryStatus = BatteryStatus.NEW
    custodian: str | None = None
    location: str | None = None
    destination: tuple[str, str] | None = None
    is_cascade_product: bool = False
    sources: tuple[str, ...] = ()
    parts: tuple[str, ...] = ()
    parent: str | None = None
    tested: bool = False
    last_occurred_at: datetime | None = None
    history: tuple[TraceEvent, ...] = ()
    superseded: frozenset[str] = frozenset()

    def event_ids(self) -> frozenset[str]:
        """Ids of every event applied, in force or superseded."""
        return frozenset(e.event_id for e in self.history) | self.superseded
