"""The battery's data shaped like the EU battery passport, with its access tiers.

Attribute names follow the Battery Pass consortium data model (DIN DKE SPEC 99100:
``GeneralProductInformation``, ``MaterialComposition``, ``PerformanceAndDurability``,
``Circularity``); the tiers (:class:`traceability.AccessTier`) follow Regulation (EU)
2023/1542 Annex XIII. The battery status (:func:`traceability.passport_status`) and the
condition values (state of health, remaining capacity) belong to the individual
battery's data of Annex XIII point 4, open to legitimate interest.

Our roles map onto the tiers like this (:data:`TIER_OF_ROLE`): anyone without an
account and drivers see the public tier; administrators and dispatchers (the
recycling and cascade-use operator) have a legitimate interest; regulators are the
authority and see everything.
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
