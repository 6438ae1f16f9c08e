"""Cascade products' codes: the 19-character Catena-X form and the generator of both forms."""

from __future__ import annotations

from datetime import date

import pytest

from traceability import (
    CATENA_X_PATTERN,
    BatteryCodeError,
    ProductType,
    new_cascade_code,
    parse_any_code,
    parse_code,
    validate_any_code,
)

SHORT = "SRLMB00TC50000042RM"  # SRL, module, LFP, spec 00, 2026-12-05, serial 42, R + M


def test_a_valid_19_character_code_parses() -> None:
    """Every segment of the short form is decoded, with no traceability segment."""
    code = parse_any_code(SHORT)
    assert code.is_short_cascade and code.cascade_type is ProductType.MODULE
    assert (code.manufacturer, code.chemistry, code.spec, code.serial) == ("SRL", "B", "00", "0000042")
    assert code.traceability == "" and code.production_date == date(2026, 12, 5)
    assert "".join(code.segments().values()) == SHORT
    assert CATENA_X_PATTERN.match(SHORT)


def test_24_character_codes_still_parse_through_the_same_door() -> None:
    """parse_any_code reads the long form exactly as parse_code does."""
    long = "S01PE0A1234567S5A0000123"
    assert parse_any_code(long) == parse_code(long) and not parse_any_code(long).is_short_cascade


def test_parse_code_alone_still_wants_24_characters() -> None:
    """The strict 24-character parser does not start accepting short codes."""
    with pytest.raises(BatteryCodeError):
        parse_code(SHORT)


@pytest.mark.parametrize(
    ("code", "segment"),
    [
        ("SRLMB00TC50000042XM", "cascade_mark"),
        ("SRLMB00TC50000042RX", "cascade_type"),
        ("SRLXB00TC50000042RM", "product_type"),
        ("SRLMH00TC50000042RM", "chemistry"),
        ("SRLMB00TD50000042RM", "month"),
        ("SRLMB00TC5000A042RM", "serial"),
        ("SRLMB00OC50000042RM", "year"),
    ],
)
def test_a_bad_segment_of_a_19_character_code_is_named(code: str, segment: str) -> None:
    """Each bad segment is reported by name."""
    assert [e.segment for e in validate_any_code(code)] == [segment]


def test_the_day_table_skips_q_like_catena_x() -> None:
    """Q is no day (the table skips I, O, Q as Catena-X's class does); the 24th is R."""
    (error,) = validate_any_code("SRLMB00TCQ0000042RM")
    assert error.segment == "day"
    assert not CATENA_X_PATTERN.match("SRLMB00TCQ0000042RM")
    assert validate_any_code("SRLMB00TCR0000042RM") == []
    assert parse_any_code("SRLMB00TCR0000042RM").production_date == date(2026, 12, 24)
    assert parse_any_code("SRLMB00TCY0000042RM").production_date == date(2026, 12, 31)


def test_an_impossible_date_in_a_short_code_is_refused() -> None:
    """30 February is not a day, in either form."""
    (error,) = validate_any_code("SRLMB00T2W0000042RM")
    assert error.reason == "date"


def test_a_length_neither_24_nor_19_mentions_both() -> None:
    """The length error names both accepted lengths."""
    (error, *_) = validate_any_code("SRLMB00TC5")
    assert error.reason == "length" and "24" in error.message and "19" in error.message


def test_new_cascade_code_makes_both_forms_catena_x_accepts() -> None:
    """A generated pair parses in both forms and matches Catena-X's expression."""
    codes = new_cascade_code(
        manufacturer="SRL", product_type="P", chemistry="E", made=date(2026, 3, 1), serial=7, spec_code="A1"
    )
    assert codes.code19 == "SRLPEA1T310000007RP" and len(codes.code24) == 24
    for code in (codes.code24, codes.code19):
        assert CATENA_X_PATTERN.match(code)
        parsed = parse_any_code(code)
        assert parsed.production_date == date(2026, 3, 1) and parsed.serial == "0000007"


def test_new_cascade_code_refuses_bad_parts_by_segment() -> None:
    """A lower-case maker code and an unknown type are refused with their segments."""
    with pytest.raises(BatteryCodeError) as caught:
        new_cascade_code(manufacturer="sr1", product_type="X", chemistry="B", made=date(2026, 3, 1), serial=1)
    assert {e.segment for e in caught.value.errors} == {"manufacturer", "product_type"}


def test_new_cascade_code_refuses_a_serial_out_of_range() -> None:
    """Serials are 1 to 9,999,999 (seven digits)."""
    with pytest.raises(ValueError, match="serial"):
        new_cascade_code(manufacturer="SRL", product_type="M", chemistry="B", made=date(2026, 3, 1), serial=0)


def test_new_cascade_code_covers_every_day_of_a_month() -> None:
    """The 24th and the 31st have short forms too (R and Y), and both forms parse back."""
    for day in range(1, 32):
        codes = new_cascade_code(
            manufacturer="SRL", product_type="M", chemistry="B", made=date(2026, 3, day), serial=1
        )
        assert CATENA_X_PATTERN.match(codes.code19)
        assert parse_any_code(codes.code19).production_date == date(2026, 3, day)
        assert parse_any_code(codes.code24).production_date == date(2026, 3, day)
