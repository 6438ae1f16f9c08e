"""Field rules: Chinese plates, phones, licence numbers and exact amounts."""

from __future__ import annotations

import pytest

from webapp.fleet.validation import (
    FleetInputError,
    licence_check_char,
    mask_phone,
    parse_licence_no,
    parse_phone,
    parse_plate,
    parse_scaled,
)


@pytest.mark.parametrize(
    ("text", "plate"),
    [
        ("粤B·12345", "粤B·12345"),
        ("粤BD12345", "粤B·D12345"),
        ("粤b d1234 5", "粤B·D12345"),
        ("粤B12345D", "粤B·12345D"),
        ("京A·F0236", "京A·F0236"),
        ("粤B1234学", "粤B·1234学"),
    ],
)
def test_chinese_plates_are_normalised(app, text: str, plate: str) -> None:
    """Ordinary and new-energy plates are accepted and written one way: 粤B·xxxxx."""
    with app.test_request_context():
        assert parse_plate(text) == plate


@pytest.mark.parametrize(
    "text", ["", "粤B·1234", "粤B·I2345", "粤B·O2345", "AB·12345", "粤1·12345", "粤B·D1234567"]
)
def test_malformed_plates_are_refused_naming_the_field(app, text: str) -> None:
    """Wrong length, I or O, no province or no city letter: refused on the plate field."""
    with app.test_request_context(), pytest.raises(FleetInputError) as refused:
        parse_plate(text)
    assert set(refused.value.errors) == {"plate"}


def test_phones_are_masked_in_the_middle() -> None:
    """A mobile shows its first three and last four digits only."""
    assert mask_phone("13800001234") == "138****1234"


def test_phone_accepts_mobiles_and_landlines(app) -> None:
    """+86 and spaces are dropped; a landline keeps its area code."""
    with app.test_request_context():
        assert parse_phone("+86 138 0000 1234") == "13800001234"
        assert parse_phone("0755-86001234") == "0755-86001234"
        with pytest.raises(FleetInputError):
            parse_phone("12345")


def test_licence_numbers_need_their_check_character(app) -> None:
    """The 18th character of a licence (ID) number is verified (ISO 7064 MOD 11-2)."""
    first17 = "44030519850312421"
    good = first17 + licence_check_char(first17)
    wrong = first17 + ("0" if good[-1] != "0" else "1")
    with app.test_request_context():
        assert parse_licence_no(good.lower()) == good
        with pytest.raises(FleetInputError) as refused:
            parse_licence_no(wrong)
    assert set(refused.value.errors) == {"licence_no"}


def test_amounts_are_scaled_exactly(app) -> None:
    """kg → g and m³ → L without float rounding; a fraction of a gram is refused."""
    with app.test_request_context():
        assert parse_scaled("4200.5", "tare_kg", scale=1000) == 4_200_500
        assert parse_scaled("0.1", "volume_m3", scale=1000) == 100
        with pytest.raises(FleetInputError):
            parse_scaled("1.0001", "tare_kg", scale=1000)
