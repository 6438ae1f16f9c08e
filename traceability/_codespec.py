"""The GB/T 34014 code table as data: segment layout, alphabets and value tables.

The table ships as ``traceability/data/gbt34014.json``. Sources disagree on several
details (see the ``notes`` in that file), so nothing here is hard-coded: a deployment
that settles on another reading loads its own table with :func:`load_spec` and passes
it as ``spec=`` to the code functions.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

#: Segment names every table must define, in the order of the standard.
SEGMENT_NAMES = (
    "manufacturer",
    "product_type",
    "chemistry",
    "spec",
    "traceability",
    "year",
    "month",
    "day",
    "serial",
)
_VALUE_TABLES = ("product_types", "chemistries", "years", "months", "days")


class CodeSpecError(ValueError):
    """A code table is malformed."""


class ProductType(StrEnum):
    """Level of a battery in the pack / module / cell hierarchy."""

    PACK = "pack"
    MODULE = "module"
    CELL = "cell"

    @property
    def label_zh(self) -> str:
        """Chinese name used in the regulations."""
        return {"pack": "电池包", "module": "模块", "cell": "单体"}[self.value]

    @property
    def label_en(self) -> str:
        """English name."""
        return {"pack": "battery pack", "module": "battery module", "cell": "cell"}[self.value]


@dataclass(frozen=True)
class Label:
    """A value's name in Chinese and English."""

    zh: str
    en: str


@dataclass(frozen=True)
class Segment:
    """One segment of the code: where it sits and which characters it takes.

    ``start`` is 0-based and ``end`` exclusive, as in Python slicing;
    :attr:`positions` gives the 1-based inclusive form printed in the standard.
    """

    name: str
    start: int
    length: int
    label: Label
    alphabet: frozenset[str]

    @property
    def end(self) -> int:
        """Index one past the last character of the segment."""
        return self.start + self.length

    @property
    def positions(self) -> str:
        """1-based inclusive character positions, e.g. ``"15"`` or ``"1-3"``."""
        if self.length == 1:
            return str(self.start + 1)
        return f"{self.start + 1}-{self.end}"


@dataclass(frozen=True)
class CodeSpec:
    """A complete, immutable code table."""

    name: str
    source: str
    notes: tuple[str, ...]
    length: int
    segments: tuple[Segment, ...]
    product_types: Mapping[str, tuple[ProductType, Label]]
    chemistries: Mapping[str, Label]
    years: Mapping[str, int]
    months: Mapping[str, int]
    days: Mapping[str, int]
    mixed_chemistry: str

    def segment(self, name: str) -> Segment:
        """Return the segment called ``name``."""
        for segment in self.segments:
            if segment.name == name:
                return segment
        raise KeyError(name)

    @property
    def characters(self) -> frozenset[str]:
        """Every character any segment accepts."""
        return frozenset().union(*(s.alphabet for s in self.segments))


def spec_from_mapping(data: Mapping[str, Any]) -> CodeSpec:
    """Build a :class:`CodeSpec` from the JSON structure of ``gbt34014.json``.

    Raises
    ------
    CodeSpecError
        When a segment is missing, segments overlap or leave gaps, or a table is empty.
    """
    try:
        tables = {name: dict(data[name]) for name in _VALUE_TABLES}
        segments = tuple(_segment(raw, tables) for raw in data["segments"])
        spec = CodeSpec(
            name=str(data["name"]),
            source=str(data.get("source", "")),
            notes=tuple(str(n) for n in data.get("notes", ())),
            length=int(data["length"]),
            segments=segments,
            product_types=MappingProxyType(
                {
                    k: (ProductType(v["value"]), Label(v["zh"], v["en"]))
                    for k, v in tables["product_types"].items()
                }
            ),
            chemistries=MappingProxyType(
                {k: Label(v["zh"], v["en"]) for k, v in tables["chemistries"].items()}
            ),
            years=MappingProxyType({k: int(v) for k, v in tables["years"].items()}),
            months=MappingProxyType({k: int(v) for k, v in tables["months"].items()}),
            days=MappingProxyType({k: int(v) for k, v in tables["days"].items()}),
            mixed_chemistry=str(data.get("mixed_chemistry", "Z")),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise CodeSpecError(f"malformed code table: {exc!r}") from exc
    _check_layout(spec)
    return spec


def _segment(raw: Mapping[str, Any], tables: Mapping[str, Mapping[str, Any]]) -> Segment:
    alphabet = frozenset(tables[raw["values"]]) if "values" in raw else frozenset(str(raw["alphabet"]))
    return Segment(
        name=str(raw["name"]),
        start=int(raw["start"]),
        length=int(raw["length"]),
        label=Label(str(raw["zh"]), str(raw["en"])),
        alphabet=alphabet,
    )


def _check_layout(spec: CodeSpec) -> None:
    names = tuple(s.name for s in spec.segments)
    if sorted(names) != sorted(SEGMENT_NAMES):
        raise CodeSpecError(f"segments must be exactly {SEGMENT_NAMES}, got {names}")
    position = 0
    for segment in sorted(spec.segments, key=lambda s: s.start):
        if segment.start != position or segment.length < 1 or not segment.alphabet:
            raise CodeSpecError(f"segment {segment.name!r} leaves a gap, overlaps or is empty")
        position = segment.end
    if position != spec.length:
        raise CodeSpecError(f"segments cover {position} characters, code length is {spec.length}")
    for name in ("product_type", "chemistry", "year", "month", "day"):
        if spec.segment(name).length != 1:
            raise CodeSpecError(f"segment {name!r} must be one character")
    if spec.mixed_chemistry not in spec.chemistries:
        raise CodeSpecError(f"mixed_chemistry {spec.mixed_chemistry!r} is not a battery type")


def load_spec(path: str | Path) -> CodeSpec:
    """Load a code table from a JSON file shaped like ``gbt34014.json``."""
    with open(path, encoding="utf-8") as handle:
        return spec_from_mapping(json.load(handle))


def _load_default() -> CodeSpec:
    text = resources.files("traceability").joinpath("data/gbt34014.json").read_text("utf-8")
    return spec_from_mapping(json.loads(text))


#: The bundled table, loaded once at import.
DEFAULT_SPEC = _load_default()
