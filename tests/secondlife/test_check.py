"""The independent checker finds each kind of broken rule and names the unit."""

from __future__ import annotations

from secondlife import ViolationKind, check, check_edit, swap
from tests.secondlife.builders import spec, unit

STOCK = [
    unit("a", 50.0, 1.00, 3.300),
    unit("b", 50.5, 1.02, 3.310),
    unit("c", 50.2, 1.05, 3.300),
    unit("far", 55.0, 1.00, 3.300),
    unit("stiff", 50.1, 1.50, 3.300),
    unit("high", 50.1, 1.00, 3.400),
    unit("ncm", 50.1, 1.00, 3.300, chem="NCM"),
]


def _kinds(products: list[list[str]], leftover: list[str] | None = None) -> set[ViolationKind]:
    return {v.kind for v in check(spec(), STOCK, products, leftover)}


def test_a_valid_product_has_no_violation() -> None:
    """Three close units form a valid product."""
    assert check(spec(), STOCK, [["a", "b", "c"]]) == []


def test_each_spread_over_its_limit_is_found() -> None:
    """Capacity, resistance and OCV spreads are each checked."""
    assert _kinds([["a", "b", "far"]]) == {ViolationKind.CAPACITY_SPREAD}
    assert _kinds([["a", "b", "stiff"]]) == {ViolationKind.RESISTANCE_SPREAD}
    assert _kinds([["a", "b", "high"]]) == {ViolationKind.OCV_SPREAD}


def test_spread_exactly_at_the_limit_is_allowed() -> None:
    """(50.5 − 49) / 50 × 100 = 3.000 % passes; one mAh lower is over the 3 % limit."""
    at = [unit("x", 49.0), unit("y", 50.5), unit("z", 50.5)]
    assert check(spec(), at, [["x", "y", "z"]]) == []
    over = [unit("x", 48.999), unit("y", 50.5), unit("z", 50.5)]
    assert {v.kind for v in check(spec(), over, [["x", "y", "z"]])} == {ViolationKind.CAPACITY_SPREAD}


def test_wrong_size_chemistry_unknown_and_duplicate_units_are_found() -> None:
    """Every structural rule has its own kind."""
    assert _kinds([["a", "b"]]) == {ViolationKind.SIZE}
    assert _kinds([["a", "b", "ncm"]]) == {ViolationKind.CHEMISTRY}
    assert ViolationKind.UNKNOWN_UNIT in _kinds([["a", "b", "ghost"]])
    assert _kinds([["a", "b", "c"], ["a", "b", "c"]]) == {ViolationKind.DUPLICATE_UNIT}


def test_a_unit_neither_placed_nor_left_over_is_missing() -> None:
    """Given the leftover list, every stock unit must be in exactly one place."""
    missing = [v for v in check(spec(), STOCK, [["a", "b", "c"]], ["far"]) if v.unit_id == "stiff"]
    assert [v.kind for v in missing] == [ViolationKind.MISSING_UNIT]


def test_below_target_is_found() -> None:
    """A unit under the capacity the rated product needs is named."""
    product = spec(target_capacity_ah=50.1)
    violations = check(product, STOCK, [["a", "b", "c"]])
    assert [(v.kind, v.unit_id) for v in violations] == [(ViolationKind.BELOW_TARGET, "a")]


def test_a_hand_swap_that_breaks_a_limit_names_the_unit_swapped_in() -> None:
    """The technician swaps c for stiff: the error names stiff."""
    edited = swap([["a", "b", "c"]], "c", "stiff")
    assert edited == [["a", "b", "stiff"]]
    (error,) = check_edit(spec(), STOCK, edited)
    assert "'stiff'" in error and "resistance" in error


def test_a_hand_swap_of_another_chemistry_names_the_unit() -> None:
    """A unit of another chemistry swapped in is refused by name."""
    (error,) = check_edit(spec(), STOCK, swap([["a", "b", "c"]], "a", "ncm"))
    assert "'ncm'" in error and "NCM" in error
