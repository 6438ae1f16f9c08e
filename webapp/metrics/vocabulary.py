"""The words the record tables speak: column headings, filter names and every coded value
(outlet kinds and statuses, outcomes, skip reasons, event kinds, roles, battery statuses,
product types, chemistries, materials, districts, drivers) in the page's language.

The drill rows keep their codes (the JSON answer and the filters use them); only what a
person reads goes through here, so no internal code reaches a Chinese page or file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select

from traceability import DEFAULT_SPEC, ActorRole, BatteryStatus, DeadlineStatus, EventKind
from webapp.models import Driver, Material, Outlet, OutletKind, OutletStatus, SkipReason
from webapp.models.pickups import CollectionOutcome

_DISTRICTS = {"futian": ("福田区", "Futian"), "nanshan": ("南山区", "Nanshan")}
_METALS = {
    "li": ("锂", "lithium"),
    "ni": ("镍", "nickel"),
    "co": ("钴", "cobalt"),
    "mn": ("锰", "manganese"),
    "electrode_powder": ("电极粉料", "electrode powder"),
}
_BATTERY_SETS = {
    "received": ("接收的电池", "batteries received"),
    "cascade": ("进入梯次产品的电池", "batteries in cascade products"),
    "complete": ("记录完整的电池", "batteries with a complete record"),
    "verified": ("验证通过的电池", "batteries verified"),
    "complete_and_verified": ("记录完整且验证通过", "complete and verified"),
}
_STOP_STATUS = {
    "served": ("已收运", "served"),
    "skipped": ("已跳过", "skipped"),
    "unserved": ("未收运", "not served"),
    "due": ("应收运", "due"),
}
_OBLIGATIONS = {"decided": ("已有结论", "decided"), "late": ("迟报", "late")}
_PARAMS = {
    "from": ("起始日期", "from"),
    "to": ("截止日期", "to"),
    "org": ("企业", "enterprise"),
    "district": ("行政区", "district"),
    "active_on": ("在用日期", "active on"),
    "opened": ("期内新建", "opened in the period"),
    "outlet_kind": ("网点类型", "outlet kind"),
    "outlet": ("回收网点", "outlet"),
    "material": ("品类", "material"),
    "low_value": ("低值可回收物", "low-value recyclables"),
    "status": ("状态", "status"),
    "reason": ("跳过原因", "skip reason"),
    "set": ("范围", "set"),
    "event": ("事件", "event"),
    "obligation": ("上报义务", "reporting obligation"),
    "below_threshold": ("回收率未达标", "recovery below threshold"),
    "channel": ("回收渠道", "channel"),
}

KINDS = {
    "outlets": _l("Outlets"),
    "collections": _l("Collections"),
    "stops": _l("Planned stops"),
    "routes": _l("Routes"),
    "batteries": _l("Batteries"),
    "battery_events": _l("Battery log events"),
    "residents": _l("Residents"),
    "bookings": _l("Doorstep bookings"),
    "doorstep": _l("Doorstep collections"),
    "kiosk_deposits": _l("Kiosk deposits"),
    "points_entries": _l("Points ledger rows"),
    "workshop": _l("Cascade-use workshop"),
    "tickets": _l("Weighbridge tickets"),
    "batches": _l("Sorting batches"),
    "sales": _l("Sales"),
}
COLUMNS = {
    "id": _l("No."),
    "code": _l("Code"),
    "name": _l("Name"),
    "kind": _l("Kind"),
    "status": _l("Status"),
    "district": _l("District"),
    "partner": _l("Partner"),
    "opened_on": _l("Opened"),
    "closed_on": _l("Closed"),
    "lon": _l("Longitude"),
    "lat": _l("Latitude"),
    "day": _l("Day"),
    "outlet": _l("Outlet"),
    "outlet_name": _l("Outlet name"),
    "driver_id": _l("Driver"),
    "recorded_at": _l("Recorded at"),
    "supersedes_id": _l("Corrects"),
    "correction_reason": _l("Correction reason"),
    "grams": _l("kg"),
    "number": _l("Route"),
    "collection_id": _l("Collection"),
    "outcome": _l("Outcome"),
    "skip_reason_id": _l("Skip reason"),
    "plan_id": _l("Plan"),
    "distance_m": _l("km"),
    "stop_count": _l("Stops"),
    "product_type": _l("Product"),
    "chemistry": _l("Chemistry"),
    "mass_g": _l("kg"),
    "energy_wh": _l("kWh"),
    "holder": _l("Holder"),
    "location": _l("Location"),
    "last_event_at": _l("Last event"),
    "seq": _l("Log entry"),
    "event_id": _l("Event id"),
    "battery_code": _l("Battery code"),
    "actor": _l("Actor"),
    "occurred_at": _l("Occurred at"),
    "input_mass_g": _l("Input kg"),
    "rated_energy_wh": _l("kWh"),
    "role": _l("Role"),
    "event_date": _l("Event date"),
    "due": _l("Due"),
    "reported_on": _l("Reported on"),
    "provisional": _l("Provisional deadline"),
    # The residents' channel (webapp/metrics/residents.py).
    "card_no": _l("Card number"),
    "phone": _l("Mobile number"),
    "created_at": _l("Registered"),
    "closed_at": _l("Account closed"),
    "slot": _l("Slot"),
    "collected_at": _l("Collected at"),
    "in_slot": _l("In the slot (1 = yes)"),
    "booking_id": _l("Booking"),
    "deposit_id": _l("Deposit id"),
    "serial": _l("Kiosk"),
    "kiosk_time": _l("Kiosk time"),
    "hold_reason": _l("Why held"),
    "resident_id": _l("Resident"),
    "points": _l("Points"),
    "source_ref": _l("For"),
    "at": _l("Time"),
    # The cascade-use workshop (webapp/metrics/workshop.py).
    "product": _l("Cascade product"),
    "short_code": _l("Short code"),
    "built_at": _l("Built at"),
    "capacity_spread_bp": _l("Capacity spread (0.01 %)"),
    "taken_back_at": _l("Taken back at"),
    "li_g": _l("Lithium recovered (g)"),
    "ni_g": _l("Nickel recovered (g)"),
    "co_g": _l("Cobalt recovered (g)"),
    "mn_g": _l("Manganese recovered (g)"),
    "electrode_powder_g": _l("Electrode powder recovered (g)"),
    # The sorting centre (webapp/metrics/mass_balance.py).
    "ticket": _l("Ticket number"),
    "facility_id": _l("Facility"),
    "weighed_at": _l("Weighed at"),
    "route_id": _l("Route"),
    "net_g": _l("Net kg"),
    "material": _l("Material"),
    "residue_g": _l("Residue kg"),
    "buyer": _l("Buyer"),
    "licence_no": _l("Licence number"),
    "grade": _l("Grade"),
    "fen": _l("Amount (yuan)"),
    "g": _l("kg"),
}
_WORKSHOP_SETS = {
    "received": ("接收的电池包", "packs received"),
    "tested": ("完成余能检测的单体", "units tested"),
    "cascade": ("进入梯次利用的单体", "units to cascade use"),
    "recycling": ("进入再生利用的电池", "batteries to recycling"),
    "built": ("重组的梯次产品", "products built"),
    "in_service": ("在用梯次产品", "products in service"),
    "taken_back": ("回收的梯次产品", "products taken back"),
}


def _valid(enum: Any, value: str) -> bool:
    return value in {member.value for member in enum}


def _pick(pair: tuple[str, str], locale: str) -> str:
    return pair[1] if locale.startswith("en") else pair[0]


def enum_label(value: Any, locale: str) -> str:
    """A domain enum's name: ``label_zh``/``label_en`` (traceability) or its ``label`` (webapp)."""
    if hasattr(value, "label_zh"):
        return str(value.label_en if locale.startswith("en") else value.label_zh)
    return str(value.label)


def unit_label(unit: str, locale: str) -> str:
    """A sum's unit: counts, tonnes, kWh, km, and the metals of the recovery sums."""
    base = {"count": ("条记录", "records"), "g": ("吨", "tonnes"), "Wh": ("kWh", "kWh"), "m": ("km", "km")}
    base["points"] = ("积分", "points")  # the residents' points ledger
    base["bp"] = ("容量极差合计（0.01%）", "capacity spreads summed (0.01 %)")  # the workshop's products
    base["residue_g"] = ("残余物（吨）", "residue (tonnes)")  # the sorting centre's batches
    base["fen"] = ("金额（元）", "amount (yuan)")  # its sales
    if unit in base:
        return _pick(base[unit], locale)
    metal = unit.removeprefix("input_").removesuffix("_g")
    if metal in _METALS:
        name = _pick(_METALS[metal], locale)
        if unit.startswith("input_"):
            return f"投入{name}（吨）" if not locale.startswith("en") else f"{name} fed (t)"
        return f"回收{name}（吨）" if not locale.startswith("en") else f"{name} recovered (t)"
    return unit


@dataclass
class Names:
    """Names the rows refer to by id or code, read once per page."""

    drivers: dict[int, str] = field(default_factory=dict)
    reasons: dict[Any, tuple[str, str]] = field(default_factory=dict)
    materials: dict[str, tuple[str, str]] = field(default_factory=dict)
    outlets: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session) -> Names:
        names = cls()
        names.drivers = {d.id: d.name for d in session.exec(select(Driver)) if d.id is not None}
        for reason in session.exec(select(SkipReason)):
            names.reasons[reason.id] = names.reasons[reason.code] = (reason.name_zh, reason.name_en)
        names.materials = {m.code: (m.name_zh, m.name_en) for m in session.exec(select(Material))}
        return names

    def outlet(self, session: Session, outlet_id: str) -> str:
        if outlet_id not in self.outlets:
            row = session.get(Outlet, int(outlet_id)) if outlet_id.isdigit() else None
            self.outlets[outlet_id] = f"{row.code} {row.name}" if row else outlet_id
        return self.outlets[outlet_id]


def _coded(kind: str, column: str, value: str, names: Names, locale: str) -> str | None:
    """The label of a coded cell value, or None when the column carries no code."""
    if kind in ("bookings", "kiosk_deposits", "points_entries"):
        return _resident_coded(column, value, locale)
    if column == "kind" and kind == "outlets":
        return enum_label(OutletKind(value), locale)
    if column == "kind":
        return enum_label(EventKind(value), locale)
    if column == "status" and kind == "outlets":
        return enum_label(OutletStatus(value), locale)
    if column == "status":
        return enum_label(BatteryStatus(value), locale)
    if column == "outcome":
        return enum_label(CollectionOutcome(value), locale)
    if column == "role":
        return enum_label(ActorRole(value), locale)
    if column == "district" and value in _DISTRICTS:
        return _pick(_DISTRICTS[value], locale)
    if column == "product_type" and value in DEFAULT_SPEC.product_types:
        return enum_label(DEFAULT_SPEC.product_types[value][0], locale)
    if column == "material" and value in names.materials:
        return _pick(names.materials[value], locale)
    if column == "chemistry" and value in DEFAULT_SPEC.chemistries:
        label = DEFAULT_SPEC.chemistries[value]
        return label.en if locale.startswith("en") else label.zh
    return None


def _resident_coded(column: str, value: str, locale: str) -> str | None:
    from webapp.models.points import EntryKind, HoldReason
    from webapp.models.residents import BookingStatus

    enum = {"status": BookingStatus, "kind": EntryKind, "hold_reason": HoldReason}.get(column)
    return enum_label(enum(value), locale) if enum is not None else None


def cell_label(kind: str, column: str, value: Any, names: Names, locale: str) -> Any:
    """What a person reads in a drill cell; values that are no code come back unchanged."""
    if value is None:
        return value
    if column == "driver_id":
        return names.drivers.get(value, value)
    if column == "skip_reason_id":
        return _pick(names.reasons[value], locale) if value in names.reasons else value
    raw = getattr(value, "value", value)
    if isinstance(raw, str):
        try:
            found = _coded(kind, column, raw, names, locale)
        except ValueError:  # a code outside the vocabulary is shown as stored
            found = None
        if found is not None:
            return found
    return value


_RESIDENT_PARAMS = {
    "residents": ("居民范围", "residents"),
    "booking_status": ("预约状态", "booking status"),
    "entry_kind": ("积分类型", "points kind"),
}
_RESIDENT_SETS = {
    "registered": ("注册居民", "registered"),
    "new": ("新注册居民", "new"),
    "active": ("活跃居民", "active"),
}


def _resident_param(key: str, value: str, locale: str) -> tuple[str, str | None]:
    from webapp.models.points import EntryKind
    from webapp.models.residents import BookingStatus

    text: str | None = None
    if key == "residents" and value in _RESIDENT_SETS:
        text = _pick(_RESIDENT_SETS[value], locale)
    elif key == "booking_status" and _valid(BookingStatus, value):
        text = enum_label(BookingStatus(value), locale)
    elif key == "entry_kind" and _valid(EntryKind, value):
        text = enum_label(EntryKind(value), locale)
    return _pick(_RESIDENT_PARAMS[key], locale), text


def param_label(key: str, value: str, names: Names, locale: str, session: Session) -> tuple[str, str]:
    """A drill filter as (name, value) for the line above the table."""
    name = _pick(_PARAMS[key], locale) if key in _PARAMS else key
    text: str | None = None
    if key in ("district",) and value in _DISTRICTS:
        text = _pick(_DISTRICTS[value], locale)
    elif key == "outlet_kind":
        text = enum_label(OutletKind(value), locale) if _valid(OutletKind, value) else None
    elif key == "material" and value in names.materials:
        text = _pick(names.materials[value], locale)
    elif key == "reason" and value in names.reasons:
        text = _pick(names.reasons[value], locale)
    elif key == "status" and value in _STOP_STATUS:
        text = _pick(_STOP_STATUS[value], locale)
    elif key == "set" and value in _BATTERY_SETS:
        text = _pick(_BATTERY_SETS[value], locale)
    elif key == "event" and _valid(EventKind, value):
        text = enum_label(EventKind(value), locale)
    elif key == "obligation":
        text = _pick(_OBLIGATIONS[value], locale) if value in _OBLIGATIONS else None
        if _valid(DeadlineStatus, value):
            text = enum_label(DeadlineStatus(value), locale)
    elif key == "below_threshold" and value in _METALS:
        text = _pick(_METALS[value], locale)
    elif key == "outlet":
        text = names.outlet(session, value)
    elif key == "channel" and value == "doorstep":
        text = _pick(("上门回收（预约）", "doorstep (bookings)"), locale)
    elif key in ("opened", "low_value"):
        text = "是" if not locale.startswith("en") else "yes"
    elif key == "org":
        return name, value
    elif key in _RESIDENT_PARAMS:
        name, text = _resident_param(key, value, locale)
    elif key == "which" and value in _WORKSHOP_SETS:
        name, text = _pick(("范围", "set"), locale), _pick(_WORKSHOP_SETS[value], locale)
    return name, text if text is not None else value
