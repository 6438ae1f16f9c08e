"""Reading user-uploaded point files (CSV, GeoJSON) with every bad row named.

Private module shared by :mod:`geodata.demand` and :mod:`geodata.candidates`. Parsing
never stops at the first problem: all of them are collected and raised together.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal


@dataclass(frozen=True, slots=True)
class RowProblem:
    """One problem in an uploaded file: where, which field, what is wrong.

    ``row`` is the 1-based line of a CSV file (the header is line 1) or the 0-based index
    of a GeoJSON feature, as ``kind`` says.
    """

    kind: Literal["line", "feature", "file"]
    row: int
    field: str
    message: str

    def __str__(self) -> str:
        where = "file" if self.kind == "file" else f"{self.kind} {self.row}"
        return f"{where}, {self.field}: {self.message}"


class UploadError(ValueError):
    """An uploaded file has bad rows; ``problems`` lists every one of them."""

    def __init__(self, what: str, problems: list[RowProblem]) -> None:
        self.problems: tuple[RowProblem, ...] = tuple(problems)
        shown = "; ".join(str(p) for p in self.problems[:10])
        more = f" (and {len(self.problems) - 10} more)" if len(self.problems) > 10 else ""
        super().__init__(f"{len(self.problems)} problem(s) in the {what} file: {shown}{more}")


@dataclass(frozen=True, slots=True)
class RawPoint:
    """A row that passed validation: id, location and the optional columns."""

    row: int
    id: str
    lon: float
    lat: float
    households: int | None
    name: str | None


def csv_rows(
    text: str, *, required: tuple[str, ...], problems: list[RowProblem]
) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield ``(line, row)`` of a CSV text whose header holds the ``required`` columns."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = next(reader, None)
    if header is None:
        problems.append(RowProblem("file", 0, "header", "the file is empty"))
        return
    names = [h.strip().lower() for h in header]
    missing = [c for c in required if c not in names]
    if missing:
        problems.append(RowProblem("line", 1, "header", f"missing column(s) {', '.join(missing)}"))
        return
    line = reader.line_num
    for values in reader:
        start, line = line + 1, reader.line_num
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(names):
            problems.append(
                RowProblem("line", start, "row", f"has {len(values)} fields, expected {len(names)}")
            )
            continue
        yield start, {n: v.strip() for n, v in zip(names, values, strict=True)}


def parse_point(
    kind: Literal["line", "feature"],
    row: int,
    fields: Mapping[str, Any],
    *,
    want_households: bool,
    problems: list[RowProblem],
) -> RawPoint | None:
    """Validate id, lon, lat (and households); record problems, return ``None`` if any."""
    before = len(problems)
    raw_id = fields.get("id")
    ident = "" if raw_id is None else str(raw_id).strip()
    if not ident:
        problems.append(RowProblem(kind, row, "id", "is empty"))
    lon = _number(fields.get("lon"), kind, row, "lon", (-180.0, 180.0), problems)
    lat = _number(fields.get("lat"), kind, row, "lat", (-90.0, 90.0), problems)
    households = None
    if want_households:
        households = _households(fields.get("households"), kind, row, problems)
    name = fields.get("name")
    text_name = str(name).strip() if name not in (None, "") else None
    if len(problems) > before or lon is None or lat is None:
        return None
    return RawPoint(row, ident, lon, lat, households, text_name)


def _number(
    value: Any,
    kind: Literal["line", "feature"],
    row: int,
    field: str,
    bounds: tuple[float, float],
    problems: list[RowProblem],
) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        problems.append(RowProblem(kind, row, field, f"is not a number: {value!r}"))
        return None
    if not math.isfinite(number) or not bounds[0] <= number <= bounds[1]:
        problems.append(RowProblem(kind, row, field, f"must lie within {bounds[0]:g}..{bounds[1]:g} degrees"))
        return None
    return number


def _households(
    value: Any, kind: Literal["line", "feature"], row: int, problems: list[RowProblem]
) -> int | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        problems.append(RowProblem(kind, row, "households", f"is not a number: {value!r}"))
        return None
    if not (math.isfinite(number) and number == int(number) and number >= 1):
        problems.append(RowProblem(kind, row, "households", "must be a whole number >= 1"))
        return None
    return int(number)


def check_unique(
    points: list[RawPoint], kind: Literal["line", "feature"], problems: list[RowProblem]
) -> None:
    """Record a problem for each id used by an earlier row."""
    first: dict[str, int] = {}
    for point in points:
        if point.id in first:
            problems.append(
                RowProblem(kind, point.row, "id", f"{point.id!r} repeats {kind} {first[point.id]}")
            )
        else:
            first[point.id] = point.row


def geojson_features(
    data: Mapping[str, Any], *, problems: list[RowProblem]
) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(index, fields)`` of Point features, fields being the properties plus lon/lat."""
    features = data.get("features") if data.get("type") == "FeatureCollection" else None
    if not isinstance(features, list):
        problems.append(RowProblem("file", 0, "type", "expected a GeoJSON FeatureCollection"))
        return
    for index, feature in enumerate(features):
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        coords = geometry.get("coordinates") if isinstance(geometry, dict) else None
        if not isinstance(geometry, dict) or geometry.get("type") != "Point":
            problems.append(RowProblem("feature", index, "geometry", "must be a Point"))
            continue
        if not isinstance(coords, list) or len(coords) < 2:
            problems.append(RowProblem("feature", index, "coordinates", "must be [lon, lat]"))
            continue
        props = feature.get("properties") or {}
        fields = dict(props) if isinstance(props, dict) else {}
        fields.setdefault("id", feature.get("id", index))
        fields["lon"], fields["lat"] = coords[0], coords[1]
        yield index, fields
