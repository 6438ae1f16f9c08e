"""Property tests of the GB/T 34014 code parser: valid codes round-trip, any damage is
named by segment, and nothing but the documented error ever comes out."""

from __future__ import annotations

import calendar
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from traceability import (
    DEFAULT_SPEC,
    BatteryCodeError,
    normalize_code,
    parse_cascade_code,
    parse_code,
    validate_cascade_code,
    validate_code,
)

# Few examples, always the same ones: these run in `make test`.
FAST = settings(
    max_examples=100,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
SEGMENTS = {s.name: s for s in DEFAULT_SPEC.segments}
DATE_SEGMENTS = {"year", "month", "day"}


def _chars(name: str, length: int | None = None) -> st.SearchStrategy[str]:
    segment = SEGMENTS[name]
    size = segment.length if length is None else length
    return st.text(st.sampled_from(sorted(segment.alphabet)), min_size=size, max_size=size)


def _inverse(table: dict[str, int]) -> dict[int, str]:
    return {value: char for char, value in table.items()}


@st.composite
def codes(draw: st.DrawFn) -> str:
    """A valid code: each segment from its alphabet and a real calendar day."""
    year = draw(st.sampled_from(sorted(DEFAULT_SPEC.years.values())))
    month = draw(st.integers(1, 12))
    day = draw(st.integers(1, calendar.monthrange(year, month)[1]))
    made = (
        _inverse(dict(DEFAULT_SPEC.years))[year]
        + _inverse(dict(DEFAULT_SPEC.months))[month]
        + _inverse(dict(DEFAULT_SPEC.days))[day]
    )
    return "".join(
        [
            draw(_chars("manufacturer")),
            draw(_chars("product_type")),
            draw(_chars("chemistry")),
            draw(_chars("spec")),
            draw(_chars("traceability")),
            made,
            draw(_chars("serial")),
        ]
    )


def _segment_at(index: int) -> str:
    return next(s.name for s in DEFAULT_SPEC.segments if s.start <= index < s.end)


@FAST
@given(codes())
def test_a_valid_code_round_trips(code: str) -> None:
    """Parsing a valid code gives it back, segment by segment, with its date."""
    parsed = parse_code(code)
    assert str(parsed) == code and "".join(parsed.segments().values()) == code
    assert validate_code(code) == [] and normalize_code(code.lower()) == code
    year, month, day = (code[SEGMENTS[n].start] for n in ("year", "month", "day"))
    assert parsed.production_date == date(
        DEFAULT_SPEC.years[year], DEFAULT_SPEC.months[month], DEFAULT_SPEC.days[day]
    )


@FAST
@given(codes(), st.data())
def test_a_changed_character_is_named_by_its_segment(code: str, data: st.DataObject) -> None:
    """Replacing one character gives a valid code or errors that all point at that character."""
    index = data.draw(st.integers(0, len(code) - 1), label="index")
    char = data.draw(st.characters(codec="utf-8").filter(lambda c: c != code[index]), label="char")
    changed = code[:index] + char + code[index + 1 :]
    try:
        parse_code(changed)
    except BatteryCodeError as exc:
        assert exc.errors, "a refused code names at least one problem"
        for error in exc.errors:
            assert error.start <= index < error.end, (error, index)
            expected = (
                "date"
                if _segment_at(index) in DATE_SEGMENTS and error.segment == "date"
                else _segment_at(index)
            )
            assert error.segment == expected and error.message
    else:
        # Only another character of the same segment's alphabet keeps a code valid.
        assert char in SEGMENTS[_segment_at(index)].alphabet


@FAST
@given(codes(), st.data())
def test_a_code_of_another_length_is_refused_as_a_whole(code: str, data: st.DataObject) -> None:
    """Inserting or deleting characters gives one length error on the code, plus each bad character."""
    index = data.draw(st.integers(0, len(code)), label="index")
    extra = data.draw(st.text(min_size=1, max_size=3), label="inserted")
    changed = data.draw(
        st.sampled_from([code[:index] + extra + code[index:], code[:index] + code[index + 1 :]]),
        label="changed",
    )
    if len(changed) == len(code):
        return  # deleting past the end changes nothing
    with pytest.raises(BatteryCodeError) as caught:
        parse_code(changed)
    errors = caught.value.errors
    assert errors[0].reason == "length" and errors[0].segment == "code"
    assert all(e.reason == "character" and e.end - e.start == 1 for e in errors[1:])


@FAST
@given(st.text(max_size=40))
def test_any_text_gives_a_list_of_problems_never_a_crash(text: str) -> None:
    """Arbitrary text is validated into CodeErrors; parsing raises only BatteryCodeError."""
    problems = validate_code(text, today=date(2026, 11, 24))
    assert all(p.segment and p.message and 0 <= p.start <= p.end for p in problems)
    try:
        parse_code(text)
    except BatteryCodeError as exc:
        assert exc.errors and str(exc)
    else:
        assert problems == [] or all(p.reason == "future_date" for p in problems)


@FAST
@given(st.text(max_size=30), st.lists(st.text(max_size=30), max_size=4))
def test_any_cascade_input_gives_problems_never_a_crash(code: str, sources: list[str]) -> None:
    """A cascade product code with arbitrary sources is checked without any other exception."""
    problems = validate_cascade_code(code, sources)
    try:
        parse_cascade_code(code, sources)
    except BatteryCodeError as exc:
        assert exc.errors
    else:
        assert problems == []


@settings(FAST, max_examples=40)
@given(codes(), st.lists(codes(), min_size=1, max_size=3, unique=True))
def test_a_cascade_product_of_valid_codes_is_judged_by_its_links(product: str, sources: list[str]) -> None:
    """Valid codes only fail a cascade check on the link rules, each named by its segment."""
    problems = validate_cascade_code(product, sources)
    assert {p.reason for p in problems} <= {"cascade_date", "cascade_chemistry", "cascade_reused_code"}
    assert all(p.segment in ("date", "chemistry", "code") for p in problems)
