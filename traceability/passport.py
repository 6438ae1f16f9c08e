"""The EU battery passport's status and access tiers, read from a battery's lifecycle.

Regulation (EU) 2023/1542 Annex XIII names five statuses (the Battery Pass data model's
``batteryStatus``) and three access tiers: (1) public, (2) persons with a legitimate
interest (and the Commission), (3) notified bodies, market surveillance authorities and
the Commission. Which of our users sits in which tier is the web app's business.

Status mapping: "Original" until the log records the battery regrouped into a cascade-use
product (the product and its sources are "Repurposed") or recycled, disposed of or taken
apart ("Waste"). "Reused" and "Remanufactured" are not activities the lifecycle records,
so :func:`passport_status` never answers them; they are listed for readers of exports.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum

from traceability._model import BatteryState, BatteryStatus

__all__ = ["AccessTier", "PassportStatus", "passport_status"]


class PassportStatus(StrEnum):
    """Battery Pass ``batteryStatus`` values, spelt as the data model spells them."""

    ORIGINAL = "Original"
    REPURPOSED = "Repurposed"
    REUSED = "Reused"
    REMANUFACTURED = "Remanufactured"
    WASTE = "Waste"


class AccessTier(IntEnum):
    """Annex XIII access tiers, each including the ones below it."""

    PUBLIC = 1
    LEGITIMATE_INTEREST = 2
    AUTHORITIES = 3


_WASTE = frozenset({BatteryStatus.RECYCLED, BatteryStatus.DISPOSED, BatteryStatus.DISASSEMBLED})


def passport_status(state: BatteryState) -> PassportStatus:
    """The passport status of a battery in lifecycle state ``state``."""
    if state.is_cascade_product or state.status is BatteryStatus.IN_CASCADE_PRODUCT:
        return PassportStatus.REPURPOSED
    if state.status in _WASTE:
        return PassportStatus.WASTE
    return PassportStatus.ORIGINAL
