"""Bad units, specs and stock files are refused, naming the unit, line and field."""

from __future__ import annotations

import pytest

from secondlife import InputError, StockFileError, make_spec, make_unit, read_spec, read_stock
from tests.secondlife.builders import spec

HEADER = "unit_id,chemistry,capacity_ah,dcir_mohm,ocv_v\n"


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"capacity_ah": 0}, "capacity_ah"),
        ({"capacity_ah": -5}, "capacity_ah"),
        ({"dcir_mohm": -0.5}, "dcir_mohm"),
        ({"ocv_v": "nan"}, "ocv_v"),
        ({"soh_pct": 101}, "soh_pct"),
        ({"chemistry": " "}, "chemistry"),
    ],
)
def test_bad_unit_values_are_refused_by_field(values: dict[str, object], field: str) -> None:
    """Each bad value raises an InputError naming the unit and the field."""
    data: dict[str, object] = {
        "unit_id": "M7",
        "chemistry": "LFP",
        "capacity_ah": 50,
        "dcir_mohm": 1,
        "ocv_v": 3.3,
    }
    data.update(values)
    with pytest.raises(InputError) as caught:
        make_unit(**data)
    assert caught.value.unit == "M7" and caught.value.field == field


def test_values_are_kept_at_the_stated_resolution() -> None:
    """Capacity to 1 mAh, resistance to 1 µΩ, OCV to 0.1 mV."""
    made = make_unit("a", "lfp", "50.12345", "1.23456", "3.123456")
    assert (made.chemistry, made.capacity_ah, made.dcir_mohm, made.ocv_v) == ("LFP", 50.123, 1.235, 3.1235)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"units_per_product": 1}, "units_per_product"),
        ({"units_per_product": "x"}, "units_per_product"),
        ({"max_capacity_spread_pct": 0}, "max_capacity_spread_pct"),
        ({"max_ocv_spread_mv": None}, "max_ocv_spread_mv"),
        ({"colour": "red"}, "colour"),
        ({"series_count": 2, "parallel_count": 2}, "units_per_product"),
    ],
)
def test_bad_specs_are_refused_by_key(changes: dict[str, object], field: str) -> None:
    """Each bad spec value names its key."""
    data: dict[str, object] = {
        "chemistry": "LFP",
        "units_per_product": 3,
        "max_capacity_spread_pct": 3,
        "max_resistance_spread_pct": 10,
        "max_ocv_spread_mv": 50,
    }
    data.update(changes)
    with pytest.raises(InputError) as caught:
        make_spec(data)
    assert caught.value.field == field


def test_a_missing_spec_key_is_named() -> None:
    """Without max_ocv_spread_mv the spec is refused by that key."""
    with pytest.raises(StockFileError, match="max_ocv_spread_mv: is missing"):
        read_spec(
            '{"chemistry": "LFP", "units_per_product": 3, "max_capacity_spread_pct": 3,'
            ' "max_resistance_spread_pct": 10}'
        )


def test_stock_csv_reads_units() -> None:
    """A good file gives its units in order, a BOM and blank lines tolerated."""
    units = read_stock("\ufeff" + HEADER + "a,LFP,50,1,3.3\n\nb,lfp,51,1.1,3.31\n")
    assert [u.unit_id for u in units] == ["a", "b"] and units[1].chemistry == "LFP"


def test_every_bad_stock_line_is_named_with_its_field() -> None:
    """Two bad lines and a duplicate id are all reported, each with line and field."""
    text = HEADER + "a,LFP,50,1,3.3\nb,LFP,abc,1,3.3\nc,LFP,50,-1,3.3\na,LFP,50,1,3.3\nd,LFP,50\n"
    with pytest.raises(StockFileError) as caught:
        read_stock(text)
    found = [(p.line, p.field) for p in caught.value.problems]
    assert found == [(3, "capacity_ah"), (4, "dcir_mohm"), (5, "unit_id"), (6, "")]


def test_a_missing_column_is_named() -> None:
    """A header without ocv_v is refused on line 1."""
    with pytest.raises(StockFileError, match="line 1, ocv_v: required column is missing"):
        read_stock("unit_id,chemistry,capacity_ah,dcir_mohm\na,LFP,50,1\n")


def test_spec_builder_defaults_are_valid() -> None:
    """The test builder's spec is itself valid input."""
    assert spec().units_per_product == 3
