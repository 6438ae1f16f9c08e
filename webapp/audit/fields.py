"""A battery event's payload as a person reads it: each field by its name in the page's
language, with its value in the unit people use (质量 417.0 kg, SOH 66.6 %), roles and
codes by their names. The log keeps the keys and integers the regulations' data needs."""

from __future__ import annotations

from typing import Any

from traceability import ActorRole

# key: (Chinese name, English name, how the value is shown)
_FIELDS: dict[str, tuple[str, str, str]] = {
    "mass_g": ("质量", "mass", "kg"),
    "residue_mass_g": ("残余质量", "residue mass", "kg"),
    "input_mass_g": ("投料质量", "input mass", "kg"),
    "part_masses_g": ("各部件质量", "part masses", "kg list"),
    "condition": ("外观状况", "condition", "text"),
    "vin": ("车辆识别代号（VIN）", "vehicle identification number (VIN)", "text"),
    "reason": ("原因", "reason", "text"),
    "to_actor": ("接收方", "receiver", "text"),
    "to_location": ("接收地点", "destination", "text"),
    "to_role": ("接收方类型", "receiver type", "role"),
    "waybill": ("运单号", "waybill", "text"),
    "soh_permille": ("SOH", "SOH", "permille"),
    "capacity_wh": ("剩余能量", "remaining energy", "kWh"),
    "capacity_mah": ("剩余容量", "remaining capacity", "Ah"),
    "internal_resistance_uohm": ("内阻", "internal resistance", "mΩ"),
    "method": ("方法", "method", "text"),
    "equipment": ("设备", "equipment", "text"),
    "verdict": ("结论", "verdict", "text"),
    "result": ("检查结果", "result", "result"),
    "passed_items": ("合格项", "items passed", "text"),
    "failed_items": ("不合格项", "items failed", "text"),
    "inspector": ("检查人", "inspector", "text"),
    "parts": ("拆解所得", "parts", "codes"),
    "sources": ("来源电池", "source batteries", "codes"),
    "rated_energy_wh": ("额定能量", "rated energy", "kWh"),
    "application": ("应用场景", "application", "text"),
    "customer": ("客户", "customer", "text"),
    "process": ("工艺", "process", "text"),
    "recycler": ("再生利用企业", "recycler", "text"),
    "receiver": ("接收单位", "receiver", "text"),
    "cascade_user": ("梯次利用企业", "cascade-use enterprise", "text"),
    "note": ("备注", "note", "text"),
}
_METALS = {
    "li": ("锂", "lithium"),
    "ni": ("镍", "nickel"),
    "co": ("钴", "cobalt"),
    "mn": ("锰", "manganese"),
    "electrode_powder": ("电极粉料", "electrode powder"),
}
for _metal, (_zh, _en) in _METALS.items():
    _FIELDS[f"{_metal}_g"] = (f"回收{_zh}", f"{_en} recovered", "kg")
    _FIELDS[f"input_{_metal}_g"] = (f"投入{_zh}", f"{_en} fed", "kg")
# An intake inspection's result (``inspected`` events).
_RESULTS = {"safe": ("合格", "safe"), "unsafe": ("不合格（隔离）", "unsafe (quarantined)")}
# Applications the demo and partners send as codes.
_APPLICATIONS = {
    "telecom_base_station": ("通信基站储能", "telecom base station storage"),
    "5g_base_station": ("5G 基站储能", "5G base station storage"),
    "energy_storage": ("储能", "energy storage"),
    "low_speed_vehicle": ("低速车", "low-speed vehicle"),
}


def field_name(key: str, locale: str) -> str:
    """A payload field's name; an unknown key (a partner's extension) is shown as sent."""
    names = _FIELDS.get(key)
    if names is None:
        return key
    return names[1] if locale.startswith("en") else names[0]


def field_value(key: str, value: Any, locale: str) -> str:
    """A payload value in the unit people read, with the unit."""
    shown = _FIELDS.get(key, ("", "", "text"))[2]
    if isinstance(value, bool) or value is None:
        return str(value)
    if shown == "kg" and isinstance(value, int):
        return f"{value / 1000:.1f} kg"
    if shown == "kg list" and isinstance(value, list | tuple):
        return ", ".join(f"{v / 1000:.1f} kg" if isinstance(v, int) else str(v) for v in value)
    if shown == "kWh" and isinstance(value, int):
        return f"{value / 1000:.1f} kWh"
    if shown == "Ah" and isinstance(value, int):
        return f"{value / 1000:.1f} Ah"
    if shown == "mΩ" and isinstance(value, int):
        return f"{value / 1000:.2f} mΩ"
    if shown == "permille" and isinstance(value, int):
        return f"{value / 10:.1f} %"
    if shown == "role" and value in {r.value for r in ActorRole}:
        role = ActorRole(value)
        return role.label_en if locale.startswith("en") else role.label_zh
    if shown == "codes" and isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    if shown == "result" and value in _RESULTS:
        return _RESULTS[value][1 if locale.startswith("en") else 0]
    if key == "application" and value in _APPLICATIONS:
        return _APPLICATIONS[value][1 if locale.startswith("en") else 0]
    return str(value)


def payload_items(payload: dict[str, Any], locale: str) -> list[tuple[str, str]]:
    """(name, value) of each payload field, in the order the log holds them."""
    return [(field_name(k, locale), field_value(k, v, locale)) for k, v in payload.items()]
