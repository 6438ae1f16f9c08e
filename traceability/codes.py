"""GB/T 34014-2017 battery codes: parse, validate, the cascade-product variant, registry.

A code is 24 characters: manufacturer 3, product type 1 (P/M/C), battery type 1,
spec 2, traceability 7, production date 3 (year, month, day), serial 7. There is no
check character, so validation can only check each segment against its alphabet and
the date for being a real (and, given ``today``, not future) day.

Validation collects every problem instead of stopping at the first, so a form can
mark all bad segments at once.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

from traceability._codespec import DEFAULT_SPEC, CodeSpec, Label, ProductType, Segment


@dataclass(frozen=True)
class CodeError:
    """One problem with one segment of a code.

    ``start``/``end`` are 0-based, end exclusive; ``reason`` is a stable machine
    code (``length``, ``character``, ``unknown_value``, ``date``, ``future_date``,
    ``unregistered``, ``cascade_*``) a UI can translate; ``message`` is English.
    """

    segment: str
    start: int
    end: int
    text: str
    reason: str
    message: str

    @property
    def positions(self) -> str:
        """1-based inclusive positions, e.g. ``"15-17"``."""
        if self.end - self.start <= 1:
            return str(self.start + 1)
        return f"{self.start + 1}-{self.end}"


class BatteryCodeError(ValueError):
    """A battery code does not validate; ``errors`` lists every problem found."""

    def __init__(self, code: str, errors: Sequence[CodeError]) -> None:
        self.code = code
        self.errors = tuple(errors)
        details = "; ".join(f"{e.segment} [{e.positions}]: {e.message}" for e in self.errors)
        super().__init__(f"invalid battery code {code!r}: {details}")


@dataclass(frozen=True)
class BatteryCode:
    """A parsed, valid code with its segments decoded."""

    code: str
    manufacturer: str
    product_type_code: str
    product_type: ProductType
    chemistry: str
    chemistry_label: Label
    spec: str
    traceability: str
    date_code: str
    production_date: date
    serial: str

    def __str__(self) -> str:
        return self.code

    def segments(self) -> dict[str, str]:
        """Raw text of each segment, by segment name (the date split in three)."""
        return {
            "manufacturer": self.manufacturer,
            "product_type": self.product_type_code,
            "chemistry": self.chemistry,
            "spec": self.spec,
            "traceability": self.traceability,
            "year": self.date_code[0],
            "month": self.date_code[1],
            "day": self.date_code[2],
            "serial": self.serial,
        }


def normalize_code(text: str) -> str:
    """Strip blanks and upper-case typed or scanned input; validation stays strict."""
    return "".join(text.split()).upper()


def validate_code(
    code: str,
    *,
    spec: CodeSpec = DEFAULT_SPEC,
    registry: ManufacturerRegistry | None = None,
    today: date | None = None,
) -> list[CodeError]:
    """Return every problem with ``code``; an empty list means it is valid.

    Parameters
    ----------
    code
        The code exactly as recorded (see :func:`normalize_code` for user input).
    spec
        Code table to check against.
    registry
        When given, the manufacturer code must be registered in it.
    today
        When given, a production date after ``today`` is an error.
    """
    errors, _ = _check(code, spec, registry, today)
    return errors


def parse_code(
    code: str,
    *,
    spec: CodeSpec = DEFAULT_SPEC,
    registry: ManufacturerRegistry | None = None,
    today: date | None = None,
) -> BatteryCode:
    """Parse ``code`` into a :class:`BatteryCode`.

    Raises
    ------
    BatteryCodeError
        Listing every problem found (see :func:`validate_code` for the options).
    """
    errors, parsed = _check(code, spec, registry, today)
    if errors or parsed is None:
        raise BatteryCodeError(code, errors)
    return parsed


def _check(
    code: str, spec: CodeSpec, registry: ManufacturerRegistry | None, today: date | None
) -> tuple[list[CodeError], BatteryCode | None]:
    if len(code) != spec.length:
        return _length_errors(code, spec), None
    errors = [e for s in spec.segments if (e := _segment_error(code, s, spec)) is not None]
    if errors:
        return errors, None
    year, month, day = (spec.segment(n) for n in ("year", "month", "day"))
    span = code[year.start : day.end]
    try:
        made = date(spec.years[code[year.start]], spec.months[code[month.start]], spec.days[code[day.start]])
    except ValueError:
        return [
            CodeError("date", year.start, day.end, span, "date", f"{span!r} is not a real calendar day")
        ], None
    if today is not None and made > today:
        errors.append(
            CodeError(
                "date",
                year.start,
                day.end,
                span,
                "future_date",
                f"production date {made.isoformat()} is after {today.isoformat()}",
            )
        )
    maker = spec.segment("manufacturer")
    if registry is not None and code[maker.start : maker.end] not in registry:
        errors.append(
            CodeError(
                maker.name,
                maker.start,
                maker.end,
                code[maker.start : maker.end],
                "unregistered",
                "manufacturer code is not in the registry",
            )
        )
    return errors, _build(code, spec, made)


def _length_errors(code: str, spec: CodeSpec) -> list[CodeError]:
    errors = [
        CodeError("code", 0, len(code), code, "length", f"must be {spec.length} characters, got {len(code)}")
    ]
    allowed = spec.characters
    for index, char in enumerate(code):
        if char not in allowed:
            errors.append(
                CodeError(
                    "code", index, index + 1, char, "character", f"{char!r} is not allowed in a battery code"
                )
            )
    return errors


def _segment_error(code: str, segment: Segment, spec: CodeSpec) -> CodeError | None:
    text = code[segment.start : segment.end]
    bad = [c for c in text if c not in segment.alphabet]
    if not bad:
        return None
    if segment.length == 1 and bad[0].isalnum() and bad[0].upper() == bad[0]:
        allowed = ", ".join(sorted(segment.alphabet))
        message = f"unknown {segment.label.en} {text!r} (allowed: {allowed})"
        return CodeError(segment.name, segment.start, segment.end, text, "unknown_value", message)
    shown = ", ".join(repr(c) for c in dict.fromkeys(bad))
    hint = " (codes are upper case)" if any(c.upper() in segment.alphabet for c in bad) else ""
    message = f"{segment.label.en} contains {shown}{hint}"
    return CodeError(segment.name, segment.start, segment.end, text, "character", message)


def _build(code: str, spec: CodeSpec, made: date) -> BatteryCode:
    def text(name: str) -> str:
        segment = spec.segment(name)
        return code[segment.start : segment.end]

    product_type, _ = spec.product_types[text("product_type")]
    return BatteryCode(
        code=code,
        manufacturer=text("manufacturer"),
        product_type_code=text("product_type"),
        product_type=product_type,
        chemistry=text("chemistry"),
        chemistry_label=spec.chemistries[text("chemistry")],
        spec=text("spec"),
        traceability=text("traceability"),
        date_code=text("year") + text("month") + text("day"),
        production_date=made,
        serial=text("serial"),
    )


# --- cascade-use products ---------------------------------------------------------------


@dataclass(frozen=True)
class CascadeCode:
    """A cascade-use product's own code and the codes of every battery it was built from.

    GB/T 34014-2017 §4.2 has cascade products re-coded with the same 24-character
    structure while the original codes are kept; the link lives beside the code, not
    inside it, so this pairs the new code with its sources.
    """

    product: BatteryCode
    sources: tuple[BatteryCode, ...]


def validate_cascade_code(
    code: str,
    sources: Iterable[str],
    *,
    spec: CodeSpec = DEFAULT_SPEC,
    registry: ManufacturerRegistry | None = None,
    today: date | None = None,
) -> list[CodeError]:
    """Return every problem with a cascade product code and its source codes.

    Besides each code being valid: there is at least one source, no source twice,
    the product does not reuse a source's code, it is not made before any source,
    its battery type is the sources' common type (or the "other" type when they mix),
    and, given a registry, its manufacturer code is registered as a cascade-use
    enterprise (the re-coding enterprise applies for its own manufacturer code).
    """
    errors, _ = _check_cascade(code, list(sources), spec, registry, today)
    return errors


def parse_cascade_code(
    code: str,
    sources: Iterable[str],
    *,
    spec: CodeSpec = DEFAULT_SPEC,
    registry: ManufacturerRegistry | None = None,
    today: date | None = None,
) -> CascadeCode:
    """Parse a cascade product code with its sources; raise :class:`BatteryCodeError`."""
    errors, parsed = _check_cascade(code, list(sources), spec, registry, today)
    if errors or parsed is None:
        raise BatteryCodeError(code, errors)
    return parsed


def _check_cascade(
    code: str,
    sources: list[str],
    spec: CodeSpec,
    registry: ManufacturerRegistry | None,
    today: date | None,
) -> tuple[list[CodeError], CascadeCode | None]:
    errors, product = _check(code, spec, registry, today)
    parsed: list[BatteryCode] = []
    for index, source in enumerate(sources):
        source_errors, source_code = _check(source, spec, None, today)
        errors += [_as_source_error(index, e) for e in source_errors]
        if source_code is not None:
            parsed.append(source_code)
    errors += _link_errors(code, sources, spec)
    if product is not None and parsed and len(parsed) == len(sources):
        errors += _product_errors(product, parsed, spec, registry)
    if errors or product is None:
        return errors, None
    return errors, CascadeCode(product, tuple(parsed))


def _as_source_error(index: int, error: CodeError) -> CodeError:
    return CodeError(
        f"sources[{index}].{error.segment}",
        error.start,
        error.end,
        error.text,
        error.reason,
        f"source {index + 1}: {error.message}",
    )


def _link_errors(code: str, sources: Sequence[str], spec: CodeSpec) -> list[CodeError]:
    whole = (0, spec.length)
    if not sources:
        return [
            CodeError(
                "sources",
                *whole,
                "",
                "cascade_no_sources",
                "a cascade product needs at least one source battery",
            )
        ]
    errors = []
    for source in sorted({s for s in sources if sources.count(s) > 1}):
        errors.append(
            CodeError(
                "sources",
                *whole,
                source,
                "cascade_duplicate_source",
                f"source {source} is listed more than once",
            )
        )
    if code in sources:
        errors.append(
            CodeError(
                "code",
                *whole,
                code,
                "cascade_reused_code",
                "a cascade product must get a new code, not reuse a source's",
            )
        )
    return errors


def _product_errors(
    product: BatteryCode,
    sources: Sequence[BatteryCode],
    spec: CodeSpec,
    registry: ManufacturerRegistry | None,
) -> list[CodeError]:
    errors = []
    date_span = (spec.segment("year").start, spec.segment("day").end)
    latest = max(s.production_date for s in sources)
    if product.production_date < latest:
        errors.append(
            CodeError(
                "date",
                *date_span,
                product.code[date_span[0] : date_span[1]],
                "cascade_date",
                f"product made {product.production_date.isoformat()}, before "
                f"its newest source ({latest.isoformat()})",
            )
        )
    kinds = {s.chemistry for s in sources}
    expected = kinds.pop() if len(kinds) == 1 else spec.mixed_chemistry
    if product.chemistry != expected:
        chem = spec.segment("chemistry")
        errors.append(
            CodeError(
                chem.name,
                chem.start,
                chem.end,
                product.chemistry,
                "cascade_chemistry",
                f"battery type must be {expected!r} to match its sources",
            )
        )
    maker = registry.get(product.manufacturer) if registry is not None else None
    if maker is not None and "cascade_user" not in maker.roles:
        seg = spec.segment("manufacturer")
        errors.append(
            CodeError(
                seg.name,
                seg.start,
                seg.end,
                product.manufacturer,
                "cascade_not_cascade_enterprise",
                "manufacturer code is not registered to a cascade-use enterprise",
            )
        )
    return errors


# --- manufacturer registry --------------------------------------------------------------


@dataclass(frozen=True)
class Manufacturer:
    """A registered manufacturer code and who holds it.

    ``roles`` holds ``battery_manufacturer``, ``vehicle_manufacturer`` and/or
    ``cascade_user``.
    """

    code: str
    name: Label
    roles: frozenset[str]


class ManufacturerRegistry:
    """Manufacturer codes known to the platform (read-only once built)."""

    def __init__(self, entries: Iterable[Manufacturer], *, sample: bool = False) -> None:
        self._entries = {entry.code: entry for entry in entries}
        self.sample = sample

    def __contains__(self, code: object) -> bool:
        return code in self._entries

    def __iter__(self) -> Iterator[Manufacturer]:
        return iter(self._entries.values())

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, code: str) -> Manufacturer | None:
        """Return the entry for ``code``, or ``None``."""
        return self._entries.get(code)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> ManufacturerRegistry:
        """Build from the JSON structure of ``manufacturers.sample.json``."""
        entries = (
            Manufacturer(
                str(m["code"]),
                Label(str(m["zh"]), str(m["en"])),
                frozenset(str(r) for r in m.get("roles", ())),
            )
            for m in data["manufacturers"]
        )
        return cls(entries, sample=bool(data.get("sample_data", False)))

    @classmethod
    def load(cls, path: str | Path) -> ManufacturerRegistry:
        """Load a registry from a JSON file."""
        with open(path, encoding="utf-8") as handle:
            return cls.from_mapping(json.load(handle))


def sample_registry() -> ManufacturerRegistry:
    """The bundled SAMPLE registry (invented codes, for tests and demos only)."""
    path = resources.files("traceability").joinpath("data/manufacturers.sample.json")
    return ManufacturerRegistry.from_mapping(json.loads(path.read_text("utf-8")))
