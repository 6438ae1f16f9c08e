"""GB/T 34014-2017 battery codes: parse, validate, the cascade-product variant, registry.

A code is 24 characters: manufacturer 3, product type 1 (P/M/C), battery type 1,
spec 2, traceability 7, production date 3 (year, month, day), serial 7. There is no
check character, so validation can only check each segment against its alphabet and
the date for being a real (and, given ``today``, not future) day.

Validation collects every problem instead of stopping at the first, so a form can
mark all bad segments at once.

Cascade-use (梯次利用) products have two forms:

- 24 characters, the structure above, issued under the cascade-use enterprise's own
  manufacturer code (GB/T 34014-2017 §4.2: cascade products are re-coded by the same
  rules and the original codes are kept) — :func:`parse_code` reads it.
- 19 characters, as Catena-X's published constraint accepts it
  (:data:`CATENA_X_PATTERN`, from the SAMM aspect model
  ``io.catenax.traction_battery_code`` 1.0.0 and 2.0.0, eclipse-tractusx/
  sldt-semantic-models, CC-BY-4.0; standard CX-0093): the 24-character structure
  without the 7-character traceability segment — §4.2 says cascade products are coded
  without it — followed by ``R`` and a product type P/M/C. The model's prose says 18
  characters, its regular expression 19; we follow the expression. We read ``R`` as
  the cascade-use mark and the last character as the cascade product's level; the
  4th character keeps its meaning. Each segment must be in our code table *and* in
  Catena-X's character class, so a short code we accept is one Catena-X accepts: the
  serial is digits only. The day table skips I, O and Q (10th = A … 23rd = P, 24th =
  R … 31st = Y), as Catena-X's day class does, so every day of a month has a short
  code. :func:`parse_any_code` reads both lengths;
  :func:`new_cascade_code` makes both forms for a new product.
"""

from __future__ import annotations

import json
import re
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
    cascade_type: ProductType | None = None

    def __str__(self) -> str:
        return self.code

    @property
    def is_short_cascade(self) -> bool:
        """Whether this is the 19-character cascade form (``R`` + P/M/C)."""
        return self.cascade_type is not None

    def segments(self) -> dict[str, str]:
        """Raw text of each segment, by segment name (the date split in three)."""
        if self.is_short_cascade:
            return {
                "manufacturer": self.manufacturer,
                "product_type": self.product_type_code,
                "chemistry": self.chemistry,
                "spec": self.spec,
                "year": self.date_code[0],
                "month": self.date_code[1],
                "day": self.date_code[2],
                "serial": self.serial,
                "cascade_mark": self.code[-2],
                "cascade_type": self.code[-1],
            }
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
    return _check_segments(code, spec, spec.segments, registry, today)


def _check_segments(
    code: str,
    spec: CodeSpec,
    layout: Sequence[Segment],
    registry: ManufacturerRegistry | None,
    today: date | None,
) -> tuple[list[CodeError], BatteryCode | None]:
    errors = [e for s in layout if (e := _segment_error(code, s, spec)) is not None]
    if errors:
        return errors, None
    where = {s.name: s for s in layout}
    year, month, day = (where[n] for n in ("year", "month", "day"))
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
    maker = where["manufacturer"]
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
    return errors, _build(code, spec, where, made)


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


def _build(code: str, spec: CodeSpec, where: Mapping[str, Segment], made: date) -> BatteryCode:
    def text(name: str) -> str:
        segment = where.get(name)
        return code[segment.start : segment.end] if segment is not None else ""

    product_type, _ = spec.product_types[text("product_type")]
    cascade = spec.product_types[text("cascade_type")][0] if "cascade_type" in where else None
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
        cascade_type=cascade,
    )


# --- the 19-character cascade form -----------------------------------------------------

#: Catena-X's constraint on a traction battery code (io.catenax.traction_battery_code
#: 1.0.0 / 2.0.0, CC-BY-4.0): the 24-character form, or the 19-character cascade form.
CATENA_X_PATTERN = re.compile(
    r"(^[A-Z0-9]{3}[PMC]{1}[A-GZ]{1}[A-Z0-9]{2}[A-Z0-9]{7}[1-9A-GH-NPR-Y]{1}[1-9A-C]{1}"
    r"[0-9A-GH-NPR-Y]{1}[0-9]{7}$)|(^[A-Z0-9]{3}[PMC]{1}[A-GZ]{1}[A-Z0-9]{2}[1-9A-GH-NPR-Y]{1}"
    r"[1-9A-C]{1}[0-9A-GH-NPR-Y]{1}[0-9]{7}[R]{1}[PMC]{1}$)"
)
SHORT_CASCADE_LENGTH = 19
CASCADE_MARK = "R"

_ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
# Catena-X's character class for each segment of the 19-character form.
_CATENA_X_CLASSES = {
    "manufacturer": _ALNUM,
    "product_type": "PMC",
    "chemistry": "ABCDEFGZ",
    "spec": _ALNUM,
    "year": "123456789ABCDEFGHIJKLMNPRSTUVWXY",
    "month": "123456789ABC",
    "day": "0123456789ABCDEFGHIJKLMNPRSTUVWXY",
    "serial": "0123456789",
}


def short_cascade_segments(spec: CodeSpec = DEFAULT_SPEC) -> tuple[Segment, ...]:
    """The 19-character layout: ``spec``'s segments less traceability, then ``R`` and P/M/C.

    Each alphabet is the table's, narrowed to Catena-X's character class.
    """
    layout: list[Segment] = []
    position = 0
    for segment in sorted(spec.segments, key=lambda s: s.start):
        if segment.name == "traceability":
            continue
        alphabet = segment.alphabet & frozenset(_CATENA_X_CLASSES[segment.name])
        layout.append(Segment(segment.name, position, segment.length, segment.label, alphabet))
        position += segment.length
    mark = Label("梯次利用标识", "cascade-use mark")
    kind = Label("梯次利用产品类型", "cascade product type")
    types = frozenset(spec.product_types) & frozenset("PMC")
    layout.append(Segment("cascade_mark", position, 1, mark, frozenset(CASCADE_MARK)))
    layout.append(Segment("cascade_type", position + 1, 1, kind, types))
    return tuple(layout)


def code_segments(code: BatteryCode, spec: CodeSpec = DEFAULT_SPEC) -> tuple[Segment, ...]:
    """The layout ``code`` was read with: 24-character or 19-character cascade form."""
    return short_cascade_segments(spec) if code.is_short_cascade else spec.segments


def validate_any_code(
    code: str,
    *,
    spec: CodeSpec = DEFAULT_SPEC,
    registry: ManufacturerRegistry | None = None,
    today: date | None = None,
) -> list[CodeError]:
    """Like :func:`validate_code`, also accepting the 19-character cascade form."""
    errors, _ = _check_any(code, spec, registry, today)
    return errors


def parse_any_code(
    code: str,
    *,
    spec: CodeSpec = DEFAULT_SPEC,
    registry: ManufacturerRegistry | None = None,
    today: date | None = None,
) -> BatteryCode:
    """Parse a 24-character code or a 19-character cascade code; :class:`BatteryCodeError`."""
    errors, parsed = _check_any(code, spec, registry, today)
    if errors or parsed is None:
        raise BatteryCodeError(code, errors)
    return parsed


def _check_any(
    code: str, spec: CodeSpec, registry: ManufacturerRegistry | None, today: date | None
) -> tuple[list[CodeError], BatteryCode | None]:
    if len(code) == SHORT_CASCADE_LENGTH:
        errors, parsed = _check_segments(code, spec, short_cascade_segments(spec), registry, today)
        return [_catena_x_note(e, spec) for e in errors], parsed
    if len(code) == spec.length:
        return _check(code, spec, registry, today)
    errors = _length_errors(code, spec)
    first = errors[0]
    message = (
        f"must be {spec.length} characters, or {SHORT_CASCADE_LENGTH} for a cascade product "
        f"({CASCADE_MARK} + P/M/C), got {len(code)}"
    )
    errors[0] = CodeError(first.segment, first.start, first.end, first.text, first.reason, message)
    return errors, None


def _catena_x_note(error: CodeError, spec: CodeSpec) -> CodeError:
    """Say so when the table allows a character that Catena-X's short form does not."""
    if error.segment not in _CATENA_X_CLASSES or error.reason not in ("unknown_value", "character"):
        return error
    allowed = spec.segment(error.segment).alphabet
    if not all(c in allowed for c in error.text):
        return error
    message = (
        f"{error.text!r} is in the code table but outside Catena-X's class for the "
        f"{SHORT_CASCADE_LENGTH}-character cascade form ({error.segment})"
    )
    return CodeError(error.segment, error.start, error.end, error.text, "catena_x", message)


@dataclass(frozen=True)
class NewCascadeCode:
    """Both forms of a new cascade product's code."""

    code24: str
    code19: str


def new_cascade_code(
    *,
    manufacturer: str,
    product_type: str,
    chemistry: str,
    made: date,
    serial: int,
    spec_code: str = "00",
    traceability: str = "0000000",
    spec: CodeSpec = DEFAULT_SPEC,
) -> NewCascadeCode:
    """A new cascade product's 24- and 19-character codes; the caller keeps them unique.

    ``manufacturer`` is the cascade-use enterprise's registered code, ``product_type``
    P/M/C (the level of the product built, written at position 4 and after ``R``),
    ``chemistry`` the battery-type letter, ``serial`` 1 to 9,999,999 (digits only, as
    Catena-X requires). Raises :class:`BatteryCodeError` naming each bad segment, or
    :class:`ValueError` for a serial out of range or a date outside the year table.
    """
    if not 1 <= serial <= 9_999_999:
        raise ValueError(f"serial must be 1 to 9999999, got {serial}")
    try:
        date_code = "".join(
            {v: k for k, v in table.items()}[value]
            for table, value in ((spec.years, made.year), (spec.months, made.month), (spec.days, made.day))
        )
    except KeyError:
        raise ValueError(f"{made.isoformat()} has no date code in {spec.name}") from None
    head = f"{manufacturer}{product_type}{chemistry}{spec_code}"
    tail = f"{date_code}{serial:07d}"
    codes = NewCascadeCode(
        code24=f"{head}{traceability}{tail}", code19=f"{head}{tail}{CASCADE_MARK}{product_type}"
    )
    errors = validate_code(codes.code24, spec=spec)
    if errors:
        raise BatteryCodeError(codes.code24, errors)
    errors = validate_any_code(codes.code19, spec=spec)
    if errors:
        raise BatteryCodeError(codes.code19, errors)
    return codes


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
