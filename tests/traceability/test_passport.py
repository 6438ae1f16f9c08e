"""The EU passport status of a battery, read from its lifecycle state."""

from __future__ import annotations

import pytest

from tests.traceability.conftest import PACK_A, PRODUCT
from traceability import AccessTier, BatteryState, BatteryStatus, PassportStatus, passport_status

ORIGINAL = [
    BatteryStatus.NEW,
    BatteryStatus.RETIRED,
    BatteryStatus.AT_OUTLET,
    BatteryStatus.IN_TRANSIT,
    BatteryStatus.AT_ENTERPRISE,
    BatteryStatus.IN_SERVICE,
]


@pytest.mark.parametrize("status", ORIGINAL)
def test_a_battery_not_yet_repurposed_or_scrapped_is_original(status: BatteryStatus) -> None:
    """Collected, carried and stored batteries keep the status "Original"."""
    assert passport_status(BatteryState(PACK_A, status=status)) is PassportStatus.ORIGINAL


@pytest.mark.parametrize(
    "status", [BatteryStatus.RECYCLED, BatteryStatus.DISPOSED, BatteryStatus.DISASSEMBLED]
)
def test_recycled_disposed_or_taken_apart_is_waste(status: BatteryStatus) -> None:
    """The end of a battery's life as a battery is "Waste"."""
    assert passport_status(BatteryState(PACK_A, status=status)) is PassportStatus.WASTE


def test_a_source_battery_inside_a_cascade_product_is_repurposed() -> None:
    """A pack regrouped into a cascade-use product is "Repurposed"."""
    state = BatteryState(PACK_A, status=BatteryStatus.IN_CASCADE_PRODUCT)
    assert passport_status(state) is PassportStatus.REPURPOSED


def test_the_cascade_product_itself_is_repurposed_while_in_service() -> None:
    """The product made of retired packs is "Repurposed", not "Original", though it is new."""
    state = BatteryState(PRODUCT, status=BatteryStatus.IN_SERVICE, is_cascade_product=True)
    assert passport_status(state) is PassportStatus.REPURPOSED


def test_every_lifecycle_status_has_a_passport_status() -> None:
    """No lifecycle status falls outside the regulation's list."""
    assert {passport_status(BatteryState(PACK_A, status=s)) for s in BatteryStatus} <= set(PassportStatus)


def test_statuses_are_spelt_as_the_battery_pass_data_model() -> None:
    """The values are the data model's own words, ready for an export."""
    assert [s.value for s in PassportStatus] == [
        "Original",
        "Repurposed",
        "Reused",
        "Remanufactured",
        "Waste",
    ]


def test_access_tiers_include_the_ones_below() -> None:
    """Authorities see what legitimate interest sees, which sees what the public sees."""
    assert AccessTier.PUBLIC < AccessTier.LEGITIMATE_INTEREST < AccessTier.AUTHORITIES
