"""GB/T 34014 codes: parsing, per-segment errors, cascade variant, registry, table."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from tests.traceability.conftest import PACK_A, PACK_B, PRODUCT
from traceability import (
    DEFAULT_SPEC,
    BatteryCodeError,
    CodeSpecError,
    ManufacturerRegistry,
    ProductType,
    load_spec,
    normalize_code,
    parse_cascade_code,
    parse_code,
    sample_registry,
    spec_from_mapping,
    validate_cascade_code,
    validate_code,
)

SPEC_FILE = Path(__file__).parents[2] / "traceability" / "data" / "gbt34014.json"


def test_parse_decodes_every_segment() -> None:
    """A valid code yields its segments, product type, chemistry and date."""
    code = parse_code(PACK_A)
    assert (code.manufacturer, code.spec, code.traceability, code.serial) == (
        "S01",
        "0A",
        "1234567",
        "0000123",
    )
    assert code.product_type is ProductType.PACK
    assert code.chemistry == "E" and code.chemistry_label.zh == "三元材料电池"
    assert code.production_date == date(2025, 5, 10)


def test_segments_reassemble_the_code() -> None:
    """The raw segments, joined in order, give back the code."""
    assert "".join(parse_code(PACK_A).segments().values()) == PACK_A


def test_year_code_follows_the_vin_cycle() -> None:
    """Letters run from A=2010 skipping I, O, Q, U, Z; digits follow for 2031 on."""
    assert DEFAULT_SPEC.years["J"] == 2018 and DEFAULT_SPEC.years["Y"] == 2030
    assert DEFAULT_SPEC.years["1"] == 2031


def test_all_bad_segments_are_reported_at_once() -> None:
    """Every bad segment gets its own error with name and position."""
    errors = validate_code("S01XQ0A12-4567SD$0000123")
    assert [(e.segment, e.positions) for e in errors] == [
        ("product_type", "4"),
        ("chemistry", "5"),
        ("traceability", "8-14"),
        ("month", "16"),
        ("day", "17"),
    ]


def test_error_exception_carries_the_list() -> None:
    """BatteryCodeError is a ValueError holding every CodeError."""
    with pytest.raises(BatteryCodeError) as caught:
        parse_code("S01XQ0A1234567S5A0000123")
    assert isinstance(caught.value, ValueError)
    assert [e.reason for e in caught.value.errors] == ["unknown_value", "unknown_value"]


def test_wrong_length_is_reported_with_bad_characters() -> None:
    """A short code gets a length error plus one per character no segment allows."""
    errors = validate_code("S01pe0")
    assert [e.reason for e in errors] == ["length", "character", "character"]


def test_lower_case_gets_a_hint() -> None:
    """A lower-case letter that is valid in upper case is named as such."""
    (error,) = validate_code(PACK_A.replace("1234567", "12a4567"))
    assert "upper case" in error.message


def test_impossible_date_is_an_error() -> None:
    """February 30th is not a production date."""
    (error,) = validate_code(PACK_A[:14] + "S2W" + PACK_A[17:])
    assert (error.segment, error.reason, error.positions) == ("date", "date", "15-17")


def test_future_date_is_an_error_when_today_is_given() -> None:
    """A production date after ``today`` is refused."""
    (error,) = validate_code(PACK_A, today=date(2025, 1, 1))
    assert error.reason == "future_date"


def test_registry_rejects_unknown_manufacturer() -> None:
    """With a registry, an unregistered manufacturer code is an error."""
    (error,) = validate_code("ZZZ" + PACK_A[3:], registry=sample_registry())
    assert (error.segment, error.reason) == ("manufacturer", "unregistered")


def test_sample_registry_is_labelled_sample() -> None:
    """The bundled registry says it is sample data."""
    registry = sample_registry()
    assert registry.sample and "S01" in registry and len(registry) == 4


def test_registry_loads_from_a_file(tmp_path: Path) -> None:
    """A real registry file replaces the sample."""
    path = tmp_path / "makers.json"
    path.write_text(
        json.dumps({"manufacturers": [{"code": "0AB", "zh": "甲", "en": "A", "roles": ["cascade_user"]}]}),
        "utf-8",
    )
    registry = ManufacturerRegistry.load(path)
    assert not registry.sample and registry.get("0AB") is not None


def test_normalize_strips_and_upper_cases() -> None:
    """Scanned or typed input is cleaned before validation."""
    assert normalize_code(" s01pe0a1234567 s5a0000123\n") == PACK_A


def test_cascade_code_links_to_its_sources() -> None:
    """A valid cascade product code keeps its parsed sources."""
    cascade = parse_cascade_code(PRODUCT, [PACK_A, PACK_B], registry=sample_registry())
    assert cascade.product.code == PRODUCT
    assert [s.code for s in cascade.sources] == [PACK_A, PACK_B]


def test_cascade_needs_a_source() -> None:
    """A cascade product without sources is refused."""
    assert [e.reason for e in validate_cascade_code(PRODUCT, [])] == ["cascade_no_sources"]


def test_cascade_cannot_reuse_a_source_code() -> None:
    """The standard asks for a new code; reusing a source's is refused."""
    reasons = {e.reason for e in validate_cascade_code(PACK_A, [PACK_A, PACK_B])}
    assert "cascade_reused_code" in reasons


def test_cascade_source_listed_twice_is_refused() -> None:
    """Each source counts once."""
    reasons = {e.reason for e in validate_cascade_code(PRODUCT, [PACK_A, PACK_A])}
    assert reasons == {"cascade_duplicate_source"}


def test_cascade_cannot_predate_its_sources() -> None:
    """A product made before its newest source is refused."""
    early = PRODUCT[:14] + "S11" + PRODUCT[17:]
    assert [e.reason for e in validate_cascade_code(early, [PACK_A])] == ["cascade_date"]


def test_cascade_chemistry_must_match_or_be_other() -> None:
    """Mixed sources need battery type Z; uniform sources need theirs."""
    lfp = PACK_B[:4] + "B" + PACK_B[5:]
    assert [e.reason for e in validate_cascade_code(PRODUCT, [PACK_A, lfp])] == ["cascade_chemistry"]
    assert validate_cascade_code(PRODUCT[:4] + "Z" + PRODUCT[5:], [PACK_A, lfp]) == []


def test_cascade_maker_must_be_a_cascade_enterprise() -> None:
    """With a registry, the product's manufacturer code must belong to a cascade user."""
    errors = validate_cascade_code("S02" + PRODUCT[3:], [PACK_A], registry=sample_registry())
    assert [e.reason for e in errors] == ["cascade_not_cascade_enterprise"]


def test_cascade_source_errors_name_the_source() -> None:
    """A bad source code is reported under its index."""
    errors = validate_cascade_code(PRODUCT, [PACK_A, PACK_B[:3] + "X" + PACK_B[4:]])
    assert [e.segment for e in errors] == ["sources[1].product_type"]


def test_spec_can_be_swapped(tmp_path: Path) -> None:
    """A table that keeps Q in day codes (24=Q ... 31=X) changes what validates."""
    data = json.loads(SPEC_FILE.read_text("utf-8"))
    data["days"] = {
        **{k: v for k, v in data["days"].items() if v < 24},
        **dict(zip("QRSTUVWX", range(24, 32), strict=True)),
    }
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(data), "utf-8")
    code = PACK_A[:16] + "Q" + PACK_A[17:]
    assert [e.reason for e in validate_code(code)] == ["unknown_value"]
    assert validate_code(code, spec=load_spec(path)) == []


def test_spec_notes_say_sources_disagree() -> None:
    """The bundled table names its source and the disagreements."""
    assert "GB/T 34014" in DEFAULT_SPEC.source
    assert any("disagree" in note for note in DEFAULT_SPEC.notes)


def test_spec_with_overlapping_segments_is_refused() -> None:
    """A malformed table fails at load, not at parse time."""
    data = json.loads(SPEC_FILE.read_text("utf-8"))
    data["segments"][1]["start"] = 2
    with pytest.raises(CodeSpecError):
        spec_from_mapping(data)
