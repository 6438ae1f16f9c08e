"""The intake safety checklist (GB/T 38698.1-2020 Annex A style) and inspections.

The items are data: seeded from :data:`DEFAULT_ITEMS`, edited by an administrator.
An inspection answers every active item; any failed item makes the unit unsafe: it is
quarantined and may only go to recycling (再生利用). Each inspection is also an
``inspected`` event in the battery log. The inspection keeps a copy of
each item as answered, so editing the checklist never changes a past inspection.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from traceability import EventKind
from webapp.models import Battery
from webapp.models._types import utcnow
from webapp.models.workshop import Inspection, InspectionItem, ItemKind
from webapp.workshop import logbook
from webapp.workshop.errors import Problem, WorkshopInputError
from webapp.workshop.settings import WorkshopSettings

SECTIONS = ("appearance", "electrical", "thermal")


@dataclass(frozen=True)
class DefaultItem:
    """A shipped checklist item."""

    code: str
    section: str
    label_zh: str
    label_en: str
    kind: ItemKind = ItemKind.VISUAL
    unit: str = ""
    min_value: float | None = None
    max_value: float | None = None


#: Annex A style items; limits are examples an administrator sets per pack family.
DEFAULT_ITEMS: tuple[DefaultItem, ...] = (
    DefaultItem("deformation", "appearance", "外壳无变形", "no deformation of the casing"),
    DefaultItem("swelling", "appearance", "无鼓胀", "no swelling"),
    DefaultItem("leakage", "appearance", "无漏液", "no electrolyte leakage"),
    DefaultItem("corrosion", "appearance", "无腐蚀（端子、外壳）", "no corrosion of terminals or casing"),
    DefaultItem("burn_marks", "appearance", "无烧蚀、冒烟痕迹", "no burn or smoke marks"),
    DefaultItem("ocv", "electrical", "开路电压", "open-circuit voltage", ItemKind.MEASURED, "V", 1.0, None),
    DefaultItem(
        "insulation", "electrical", "绝缘电阻", "insulation resistance", ItemKind.MEASURED, "MΩ", 1.0, None
    ),
    DefaultItem(
        "temperature", "thermal", "表面温度", "surface temperature", ItemKind.MEASURED, "°C", -20.0, 45.0
    ),
    DefaultItem(
        "self_discharge",
        "electrical",
        "自放电（24 h 压降）",
        "self-discharge (24 h voltage drop)",
        ItemKind.MEASURED,
        "mV",
        0.0,
        50.0,
    ),
)


def seed_items(session: Session) -> int:
    """Add the shipped items whose code is not in the table yet (no commit)."""
    have = set(session.exec(select(InspectionItem.code)))
    added = 0
    for order, item in enumerate(DEFAULT_ITEMS, start=1):
        if item.code in have:
            continue
        session.add(
            InspectionItem(
                code=item.code,
                section=item.section,
                label_zh=item.label_zh,
                label_en=item.label_en,
                kind=item.kind,
                unit=item.unit,
                min_value=item.min_value,
                max_value=item.max_value,
                sort_order=order * 10,
            )
        )
        added += 1
    return added


def active_items(session: Session) -> list[InspectionItem]:
    """The items an inspection answers, in order."""
    return list(
        session.exec(
            select(InspectionItem)
            .where(InspectionItem.active == True)  # noqa: E712
            .order_by(col(InspectionItem.sort_order), col(InspectionItem.id))
        )
    )


def all_items(session: Session) -> list[InspectionItem]:
    """Every item, active or not, in order."""
    return list(
        session.exec(select(InspectionItem).order_by(col(InspectionItem.sort_order), col(InspectionItem.id)))
    )


def save_item(session: Session, values: dict[str, str], *, item_id: int | None = None) -> InspectionItem:
    """Create or edit an item from form values (commits); every bad field is named."""
    problems: list[Problem] = []
    item = (
        session.get(InspectionItem, item_id)
        if item_id
        else InspectionItem(code="", section="", label_zh="", label_en="", kind=ItemKind.VISUAL)
    )
    if item is None:
        raise WorkshopInputError.one("id", f"no checklist item {item_id}")
    code = values.get("code", item.code).strip()
    if not code or len(code) > 40 or not code.replace("_", "").isalnum() or not code.isascii():
        problems.append(Problem("code", "a code of 1-40 letters, digits or _"))
    elif session.exec(
        select(InspectionItem.id).where(InspectionItem.code == code, InspectionItem.id != item_id)
    ).first():
        problems.append(Problem("code", f"another item has the code {code}"))
    section = values.get("section", "").strip()
    if section not in SECTIONS:
        problems.append(Problem("section", f"one of {', '.join(SECTIONS)}"))
    for name in ("label_zh", "label_en"):
        if not values.get(name, "").strip() or len(values[name].strip()) > 120:
            problems.append(Problem(name, "give a label of at most 120 characters"))
    kind = values.get("kind", "")
    if kind not in (k.value for k in ItemKind):
        problems.append(Problem("kind", "visual or measured"))
    bounds = {name: _number(values.get(name, ""), name, problems) for name in ("min_value", "max_value")}
    if kind == ItemKind.MEASURED and bounds["min_value"] is None and bounds["max_value"] is None:
        problems.append(Problem("min_value", "a measured item needs a lower or an upper limit"))
    low, high = bounds["min_value"], bounds["max_value"]
    if low is not None and high is not None and low > high:
        problems.append(Problem("min_value", "the lower limit is above the upper one"))
    order = _number(values.get("sort_order", "0"), "sort_order", problems)
    if problems:
        raise WorkshopInputError(problems)
    item.code, item.section, item.kind = code, section, ItemKind(kind)
    item.label_zh, item.label_en = values["label_zh"].strip(), values["label_en"].strip()
    item.unit = values.get("unit", "").strip()[:20]
    item.min_value, item.max_value = low, high
    item.sort_order = int(order or 0)
    item.active = values.get("active") in ("1", "on", "true", "y")
    item.updated_at = utcnow()
    session.add(item)
    session.commit()
    return item


def _number(text: str, field: str, problems: list[Problem]) -> float | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        problems.append(Problem(field, f"{text!r} is not a number"))
        return None
    if not math.isfinite(value):
        problems.append(Problem(field, "must be a finite number"))
        return None
    return value


def record_inspection(
    session: Session,
    code: str,
    answers: dict[str, str],
    *,
    settings: WorkshopSettings,
    inspector: str,
    note: str = "",
    inspected_at: datetime | None = None,
    actor_id: int | None = None,
    org_id: int | None = None,
) -> Inspection:
    """Answer every active item for ``code``, with its ``inspected`` log event (commits).

    ``answers`` maps an item's code to ``"pass"``/``"fail"`` (visual) or the measured
    value (measured). An unanswered item or an unreadable value is refused naming
    the item; a value out of limits or a "fail" makes the unit unsafe. The event names
    every item passed and failed, so the regulator's lineage shows the verdict.
    """
    battery = session.exec(select(Battery).where(Battery.code == code)).first()
    if battery is None or battery.status != "at_enterprise":
        raise WorkshopInputError.one("battery_code", f"{code} is not held at the workshop; receive it first")
    items = active_items(session)
    if not items:
        raise WorkshopInputError.one("items", "the checklist has no active items")
    problems: list[Problem] = []
    results = [_answer(item, answers.get(item.code, ""), problems) for item in items]
    if problems:
        raise WorkshopInputError(problems)
    when = inspected_at or utcnow()
    event = logbook.event(settings, EventKind.INSPECTED, code, when, _payload(results, inspector))
    inspection = Inspection(
        battery_code=code,
        safe=all(r["passed"] for r in results),
        results=results,
        note=note.strip()[:500],
        inspector=inspector[:120],
        inspected_at=when,
        event_id=event.event_id,
        recorded_by_id=actor_id,
        org_id=org_id,
    )
    session.add(inspection)
    logbook.record(session, [event], actor_id=actor_id, org_id=org_id)
    return inspection


def _payload(results: list[dict[str, Any]], inspector: str) -> dict[str, str]:
    """The event's payload: the verdict and every item (its Chinese name, and the value
    measured), passed or failed, as the regulator's pages show the log's text as it is."""
    passed = [_item_text(r) for r in results if r["passed"]]
    failed = [_item_text(r) for r in results if not r["passed"]]
    payload = {"result": "safe", "verdict": "合格"}
    if failed:
        payload = {"result": "unsafe", "verdict": "不合格：隔离，仅可再生利用"}
        payload["failed_items"] = ITEM_SEPARATOR.join(failed)[:MAX_ITEMS_TEXT]
    if passed:
        payload["passed_items"] = ITEM_SEPARATOR.join(passed)[:MAX_ITEMS_TEXT]
    if inspector.strip():
        payload["inspector"] = inspector.strip()[:120]
    return payload


#: Items in an ``inspected`` event are joined by this (labels may hold "、").
ITEM_SEPARATOR = "；"
#: The log's text fields hold at most 500 characters.
MAX_ITEMS_TEXT = 500


def _item_text(result: dict[str, Any]) -> str:
    name = str(result.get("label_zh") or result["code"])
    if result["kind"] == ItemKind.MEASURED.value and result["value"] is not None:
        return f"{name} {result['value']:g} {result['unit']}".strip()
    return name


def _answer(item: InspectionItem, raw: str, problems: list[Problem]) -> dict[str, Any]:
    record: dict[str, Any] = {
        "code": item.code,
        "label_zh": item.label_zh,
        "label_en": item.label_en,
        "kind": item.kind.value,
        "unit": item.unit,
        "min": item.min_value,
        "max": item.max_value,
        "value": None,
        "passed": False,
    }
    raw = (raw or "").strip()
    if item.kind is ItemKind.VISUAL:
        if raw not in ("pass", "fail"):
            problems.append(Problem(item.code, "answer pass or fail"))
        record["value"] = raw
        record["passed"] = raw == "pass"
        return record
    if not raw:
        problems.append(Problem(item.code, f"give the measured value ({item.unit})"))
        return record
    value = _number(raw, item.code, problems)
    if value is None:
        return record
    record["value"] = value
    low_ok = item.min_value is None or value >= item.min_value
    high_ok = item.max_value is None or value <= item.max_value
    record["passed"] = low_ok and high_ok
    return record


def inspections_of(session: Session, code: str) -> list[Inspection]:
    """Every inspection of ``code``, newest first."""
    return list(
        session.exec(
            select(Inspection)
            .where(Inspection.battery_code == code)
            .order_by(col(Inspection.inspected_at).desc())
        )
    )
