"""The battery's data shaped like the EU battery passport, with its access tiers.

Attribute names follow the Battery Pass consortium data model (DIN DKE SPEC 99100:
``GeneralProductInformation``, ``MaterialComposition``, ``PerformanceAndDurability``,
``Circularity``); the tiers (:class:`traceability.AccessTier`) follow Regulation (EU)
2023/1542 Annex XIII. The battery status (:func:`traceability.passport_status`) and the
condition values (state of health, remaining capacity) belong to the individual
battery's data of Annex XIII point 4, open to legitimate interest.

Our roles map onto the tiers like this (:data:`TIER_OF_ROLE`): anyone without an
account, drivers, weighbridge operators and residents see the public tier;
administrators, dispatchers and the workshop's technicians (the recycling and
cascade-use operator's staff) have a legitimate interest; regulators are the
authority and see everything. A cascade product's source battery codes are of the
legitimate-interest tier: a member of the public who scans a product's label sees
the product, not the vehicle packs it was built from.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from traceability import (
    DEFAULT_SPEC,
    AccessTier,
    BatteryState,
    EventKind,
    parse_code,
    passport_status,
    sample_registry,
)
from webapp.models import Battery, Role

TIER_OF_ROLE: dict[Role | None, AccessTier] = {
    None: AccessTier.PUBLIC,
    Role.DRIVER: AccessTier.PUBLIC,
    Role.ADMIN: AccessTier.LEGITIMATE_INTEREST,
    Role.DISPATCHER: AccessTier.LEGITIMATE_INTEREST,
    Role.TECHNICIAN: AccessTier.LEGITIMATE_INTEREST,
    Role.REGULATOR: AccessTier.AUTHORITIES,
}


@dataclass(frozen=True)
class Attribute:
    """One passport attribute: its model section and name, value, unit and tier."""

    section: str
    name: str
    value: Any
    tier: AccessTier
    unit: str = ""


def attributes(battery: Battery, state: BatteryState) -> list[Attribute]:
    """Every attribute the log can fill, in every tier."""
    parsed = parse_code(battery.code)
    maker = sample_registry().get(parsed.manufacturer)
    shipped = _last(state, EventKind.CASCADE_SHIPPED, battery.code)
    test = _last(state, EventKind.CAPACITY_TESTED, battery.code)
    regrouped = _last(state, EventKind.REGROUPED, battery.code)
    general, public = "GeneralProductInformation", AccessTier.PUBLIC
    found = [
        Attribute(general, "batteryPassportIdentifier", f"urn:reloop:{battery.code.lower()}", public),
        Attribute(general, "productIdentifier", battery.code, public, DEFAULT_SPEC.name),
        Attribute(general, "batteryCategory", "stationary" if state.is_cascade_product else "ev", public),
        Attribute(
            general,
            "manufacturerInformation",
            f"{parsed.manufacturer} {maker.name.zh}" if maker else parsed.manufacturer,
            public,
        ),
        Attribute(general, "manufacturingDate", parsed.production_date.isoformat(), public),
        Attribute(general, "batteryMass", _kg(battery.mass_g), public, "kg"),
        Attribute(
            "MaterialComposition",
            "batteryChemistry",
            f"{parsed.chemistry_label.zh} ({parsed.chemistry_label.en})",
            public,
        ),
        Attribute("PerformanceAndDurability", "ratedEnergy", _kwh(battery.rated_energy_wh), public, "kWh"),
    ]
    if regrouped is not None:
        found.append(Attribute(general, "operatorInformation", regrouped.actor, public))
    if shipped is not None:
        found.append(Attribute(general, "puttingIntoService", shipped.occurred_at.date().isoformat(), public))
    found += _restricted(state, test)
    return found


def _restricted(state: BatteryState, test: Any) -> list[Attribute]:
    legit, authorities = AccessTier.LEGITIMATE_INTEREST, AccessTier.AUTHORITIES
    condition = "PerformanceAndDurability.batteryCondition"
    found = [Attribute("GeneralProductInformation", "batteryStatus", passport_status(state).value, legit)]
    if test is not None:
        payload = test.payload
        found.append(Attribute(condition, "stateOfCertifiedEnergy", payload["soh_permille"] / 10, legit, "%"))
        if "capacity_wh" in payload:
            found.append(Attribute(condition, "remainingEnergy", _kwh(payload["capacity_wh"]), legit, "kWh"))
        if "internal_resistance_uohm" in payload:
            found.append(
                Attribute(
                    condition, "internalResistance", payload["internal_resistance_uohm"] / 1000, legit, "mΩ"
                )
            )
        found.append(
            Attribute(
                "TestReports",
                "residualCapacityTest",
                f"{test.occurred_at.date().isoformat()} · {payload['method']} · {payload['equipment']}",
                authorities,
            )
        )
    if state.parts:
        found.append(
            Attribute("Circularity", "dismantlingAndRemovalInformation", ", ".join(state.parts), legit)
        )
    if state.sources:
        found.append(Attribute("Circularity", "sourceBatteries", ", ".join(state.sources), legit))
    recycled = _last(state, EventKind.RECYCLED, state.code)
    if recycled is not None:
        outputs = ", ".join(
            f"{m} {recycled.payload[f'{m}_g'] / 1000:g} kg"
            for m in ("li", "ni", "co", "mn", "electrode_powder")
        )
        found.append(Attribute("Circularity", "recoveredMaterials", outputs, authorities))
    return found


# The national traceability record (GB/T 34014 code and the 2018 traceability rules)
# comes first on the page a Chinese regulator reads; these are its fields in order.
NATIONAL_FIELDS = (
    ("code", "编码", "code"),
    ("manufacturer", "生产企业", "manufacturer"),
    ("product_type", "类型", "type"),
    ("chemistry", "化学体系", "chemistry"),
    ("rated", "额定容量", "rated capacity"),
    ("status", "当前状态", "current status"),
    ("holder", "责任主体", "responsible party"),
)
SECTION_LABELS = {
    "GeneralProductInformation": ("通用产品信息", "general product information"),
    "MaterialComposition": ("材料组成", "material composition"),
    "PerformanceAndDurability": ("性能与耐久性", "performance and durability"),
    "PerformanceAndDurability.batteryCondition": ("电池健康状况", "battery condition"),
    "TestReports": ("检测报告", "test reports"),
    "Circularity": ("循环利用", "circularity"),
}
ATTRIBUTE_LABELS = {
    "batteryPassportIdentifier": ("电池护照标识", "battery passport identifier"),
    "productIdentifier": ("产品编码", "product identifier"),
    "batteryCategory": ("电池类别", "battery category"),
    "manufacturerInformation": ("生产企业", "manufacturer"),
    "manufacturingDate": ("生产日期", "manufacturing date"),
    "batteryMass": ("电池质量", "battery mass"),
    "batteryChemistry": ("化学体系", "chemistry"),
    "ratedEnergy": ("额定能量", "rated energy"),
    "operatorInformation": ("经营者", "operator"),
    "puttingIntoService": ("投入使用日期", "putting into service"),
    "batteryStatus": ("电池状态", "battery status"),
    "stateOfCertifiedEnergy": ("健康状态 SOH", "state of health (SOH)"),
    "remainingEnergy": ("剩余能量", "remaining energy"),
    "internalResistance": ("内阻", "internal resistance"),
    "residualCapacityTest": ("余能检测", "residual capacity test"),
    "dismantlingAndRemovalInformation": ("拆解所得", "dismantled into"),
    "sourceBatteries": ("来源电池", "source batteries"),
    "recoveredMaterials": ("回收材料", "recovered materials"),
}
_VALUE_LABELS = {
    "ev": ("电动汽车动力电池", "electric vehicle battery"),
    "stationary": ("储能电池（梯次利用）", "stationary battery (cascade use)"),
    "Original": ("原始", "original"),
    "Repurposed": ("改作他用（梯次利用）", "repurposed"),
    "Reused": ("再使用", "reused"),
    "Remanufactured": ("再制造", "remanufactured"),
    "Waste": ("废弃", "waste"),
}
_METAL_NAMES = {"li": "锂", "ni": "镍", "co": "钴", "mn": "锰", "electrode_powder": "电极粉料"}


def _en(locale: str) -> bool:
    return locale.startswith("en")


def national(battery: Battery, state: BatteryState, locale: str) -> list[tuple[str, str, str]]:
    """The national record's fields as (key, label, value), in the regulations' order."""
    parsed = parse_code(battery.code)
    maker = sample_registry().get(parsed.manufacturer)
    maker_name = (maker.name.en if _en(locale) else maker.name.zh) if maker else ""
    kind = parsed.product_type
    values = {
        "code": battery.code,
        "manufacturer": f"{parsed.manufacturer} {maker_name}".strip(),
        "product_type": kind.label_en if _en(locale) else kind.label_zh,
        "chemistry": parsed.chemistry_label.en if _en(locale) else parsed.chemistry_label.zh,
        "rated": f"{battery.rated_energy_wh / 1000:.1f} kWh" if battery.rated_energy_wh else "—",
        "status": state.status.label_en if _en(locale) else state.status.label_zh,
        "holder": state.custodian or "—",
    }
    return [(key, en if _en(locale) else zh, values[key]) for key, zh, en in NATIONAL_FIELDS]


def section_label(section: str, locale: str) -> str:
    """An EU Battery Pass section in the page's language."""
    names = SECTION_LABELS.get(section)
    return section if names is None else names[_en(locale)]


def attribute_label(name: str, locale: str) -> str:
    """An EU Battery Pass attribute in the page's language."""
    names = ATTRIBUTE_LABELS.get(name)
    return name if names is None else names[_en(locale)]


def value_text(attribute: Attribute, locale: str) -> str:
    """An attribute's value with its unit, coded values (category, status) by name."""
    value = attribute.value
    if value is None:
        return "—"
    if isinstance(value, str) and value in _VALUE_LABELS:
        return _VALUE_LABELS[value][_en(locale)]
    if attribute.name == "batteryChemistry" and " (" in str(value):
        zh, en = str(value).rstrip(")").split(" (", 1)
        return en if _en(locale) else zh
    if attribute.name == "recoveredMaterials" and not _en(locale):
        for code, name in sorted(_METAL_NAMES.items(), key=lambda item: -len(item[0])):
            value = str(value).replace(f"{code} ", f"{name} ")
    unit = "" if attribute.unit == DEFAULT_SPEC.name else attribute.unit
    if isinstance(value, float):
        value = f"{value:g}"
    return f"{value} {unit}".strip()


def visible(found: list[Attribute], role: Role | None) -> tuple[list[Attribute], int]:
    """The attributes ``role`` may see, and how many are withheld."""
    tier = TIER_OF_ROLE.get(role, AccessTier.PUBLIC)
    shown = [a for a in found if a.tier <= tier]
    return shown, len(found) - len(shown)


def _last(state: BatteryState, kind: EventKind, code: str) -> Any:
    return next((e for e in reversed(state.history) if e.kind is kind and e.battery_code == code), None)


def _kg(grams: int | None) -> float | None:
    return None if grams is None else grams / 1000


def _kwh(wh: int | None) -> float | None:
    return None if wh is None else wh / 1000
