"""Read graded stock from CSV and a product spec from JSON, naming every bad line and field.

Stock CSV: a header with ``unit_id,chemistry,capacity_ah,dcir_mohm,ocv_v`` (any order,
``soh_pct`` optional), one unit per line; the header is line 1.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import Any

from secondlife.model import InputError, ProductSpec, Unit, make_spec, make_unit

__all__ = ["REQUIRED_COLUMNS", "StockFileError", "read_spec", "read_stock"]

REQUIRED_COLUMNS = ("unit_id", "chemistry", "capacity_ah", "dcir_mohm", "ocv_v")
OPTIONAL_COLUMNS = ("soh_pct",)


@dataclass(frozen=True)
class LineProblem:
    """One problem on one line of the file (``line`` 1 is the header; 0 the whole file)."""

    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line else "file"
        return f"{where}, {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class StockFileError(ValueError):
    """A stock or spec file is refused; ``problems`` lists every bad line and field."""

    def __init__(self, problems: list[LineProblem]) -> None:
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


def read_stock(text: str) -> list[Unit]:
    """Units from CSV text; :class:`StockFileError` lists every problem, nothing is returned half."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise StockFileError([LineProblem(0, "", "the file is empty")]) from None
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    unknown = [c for c in header if c not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    problems = [LineProblem(1, c, "required column is missing") for c in missing]
    problems += [LineProblem(1, c, "unknown column") for c in unknown]
    if problems:
        raise StockFileError(problems)
    units: list[Unit] = []
    seen: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            problems.append(LineProblem(line, "", f"has {len(row)} values, the header {len(header)}"))
            continue
        cells = dict(zip(header, (c.strip() for c in row), strict=True))
        try:
            unit = make_unit(**cells)
        except InputError as exc:
            problems.append(LineProblem(line, exc.field, exc.message))
            continue
        if unit.unit_id in seen:
            problems.append(
                LineProblem(line, "unit_id", f"{unit.unit_id!r} is already on line {seen[unit.unit_id]}")
            )
            continue
        seen[unit.unit_id] = line
        units.append(unit)
    if problems:
        raise StockFileError(problems)
    return units


def read_spec(text: str) -> ProductSpec:
    """A product spec from JSON text; :class:`StockFileError` names the key."""
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        raise StockFileError([LineProblem(exc.lineno, "", f"not JSON: {exc.msg}")]) from None
    if not isinstance(data, dict):
        raise StockFileError([LineProblem(0, "", "the spec must be a JSON object")])
    try:
        return make_spec(data)
    except InputError as exc:
        raise StockFileError([LineProblem(0, exc.field, exc.message)]) from None
