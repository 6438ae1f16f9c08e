"""Payload validation per event kind."""

from __future__ import annotations

import pytest

from tests.traceability.conftest import PACK_A, RECYCLED
from traceability import DEFAULT_SPEC, PayloadError, validate_payload

TEST = {"soh_permille": 812, "capacity_wh": 41_000, "method": "GB/T 34015 §5", "equipment": "BT-2000"}


def problems(kind: str, payload: dict[str, object]) -> list[str]:
    with pytest.raises(PayloadError) as caught:
        validate_payload(kind, payload, spec=DEFAULT_SPEC)
    return [p.field for p in caught.value.problems]


def test_valid_capacity_test_passes() -> None:
    """A complete capacity test payload comes back as a plain dict."""
    assert validate_payload("capacity_tested", TEST) == TEST


def test_soh_above_full_is_refused() -> None:
    """SOH is per mille, 0-1000."""
    assert problems("capacity_tested", {**TEST, "soh_permille": 1001}) == ["soh_permille"]


def test_float_amounts_are_refused() -> None:
    """Amounts are integers: 81.2 is not a valid SOH."""
    assert problems("capacity_tested", {**TEST, "soh_permille": 81.2}) == ["soh_permille"]


def test_bool_is_not_an_integer() -> None:
    """JSON true must not pass as 1 gram."""
    assert problems("recycled", {**RECYCLED, "li_g": True}) == ["li_g"]


def test_negative_grams_are_refused() -> None:
    """Masses cannot be negative."""
    assert problems("recycled", {**RECYCLED, "ni_g": -1}) == ["ni_g"]


def test_outputs_cannot_exceed_input_mass() -> None:
    """Recycling cannot produce more than went in."""
    assert problems("recycled", {**RECYCLED, "input_mass_g": 1_000}) == ["input_mass_g"]


def test_recovered_metal_cannot_exceed_contained() -> None:
    """When the contained lithium is given, more cannot come out."""
    assert problems("recycled", {**RECYCLED, "input_li_g": 3_000}) == ["li_g"]


def test_all_missing_and_unknown_fields_are_listed() -> None:
    """Every problem is reported, not just the first."""
    assert sorted(problems("handed_over", {"colour": "red"})) == ["colour", "to_actor", "to_location"]


def test_capacity_test_needs_a_capacity() -> None:
    """Either Wh or mAh must be given."""
    assert problems("capacity_tested", {k: v for k, v in TEST.items() if k != "capacity_wh"}) == [
        "capacity_wh"
    ]


def test_codes_in_lists_are_validated_with_a_spec() -> None:
    """A regrouping source that is not a valid code is named by index."""
    assert problems("regrouped", {"sources": [PACK_A, "nonsense"]}) == ["sources[1]"]


def test_empty_source_list_is_refused() -> None:
    """A regrouping needs sources."""
    assert problems("regrouped", {"sources": []}) == ["sources"]


def test_unknown_kind_is_refused() -> None:
    """Only the lifecycle kinds have schemas."""
    assert problems("teleported", {}) == ["kind"]


DISASSEMBLED = {
    "parts": [PACK_A[:3] + "M" + PACK_A[4:], PACK_A[:3] + "M" + PACK_A[4:-1] + "9"],
    "part_masses_g": [70_000, 70_500],
    "input_mass_g": 160_000,
    "residue_mass_g": 19_000,
}


def test_a_disassembly_with_each_parts_mass_passes() -> None:
    """Parts, their masses in the same order, the unit's mass and the scrap."""
    assert validate_payload("disassembled", DISASSEMBLED, spec=DEFAULT_SPEC) == DISASSEMBLED


@pytest.mark.parametrize(
    ("masses", "field"),
    [
        ([70_000, 0], "part_masses_g[1]"),
        ([-5, 70_000], "part_masses_g[0]"),
        ([70_000, 70.5], "part_masses_g[1]"),
        ([70_000, True], "part_masses_g[1]"),
        ("70000;70500", "part_masses_g"),
        ([], "part_masses_g"),
        ([70_000], "part_masses_g"),
        ([100_000, 70_000], "part_masses_g"),
    ],
)
def test_bad_part_masses_are_refused_naming_the_field(masses: object, field: str) -> None:
    """A zero, negative, fractional or boolean mass, a count unlike the parts', parts over the unit's mass."""
    assert problems("disassembled", {**DISASSEMBLED, "part_masses_g": masses}) == [field]
