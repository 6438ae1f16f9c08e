"""Importing residual-capacity tests from a tester's CSV export.

Format (UTF-8 or GB18030, comma-separated, header row, one row per unit tested)
--------------------------------------------------------------------------------
=========================  ========  ===============================================
column                     required  meaning
=========================  ========  ===============================================
battery_code               yes       GB/T 34014 code of the pack, module or cell
method                     yes       test method, e.g. ``GB/T 34015 0.33C CC-CV``
equipment                  yes       tester (make, model, channel)
operator                   yes       who ran the test
ambient_c                  yes       ambient temperature, °C (-40 to 80)
capacity_ah                yes       measured discharge capacity, Ah
energy_wh                  yes       measured discharge energy, Wh
soh_pct                    yes       state of health, % (0 to 100; above 100 refused)
dcir_mohm                  yes       DC internal resistance, mΩ (positive)
self_discharge_pct_month   yes       self-discharge, % of capacity per month
ocv_v                      yes       open-circuit voltage, V
tested_at                  no        end of test, ``YYYY-MM-DD HH:MM`` China Standard
                                     Time or ISO 8601 with offset; empty = now
=========================  ========  ===============================================

Decimals use a point. Every row is checked; if any row is bad, every bad line is
named with its field and nothing is recorded. The unit must be held by the workshop
(received, or taken out of a pack it holds); the log's own checks name the line too.
A sample ships as ``webapp/workshop/data/sample_tests.csv``.

Cycler files (BEEP, PyProBE, cellpy) were not used: this import takes one summary
row per unit, not time series; see the workshop README section.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from webapp.csvio import CsvTable, row_error
from webapp.workshop.errors import WorkshopInputError
from webapp.workshop.settings import WorkshopSettings
from webapp.workshop.testing import FIELDS, TestInput, parse_test, record_tests

REQUIRED = tuple(f for f in FIELDS if f != "tested_at")
MAX_ROWS = 5000


@dataclass
class ImportResult:
    """What an import did: tests recorded, or every problem by line."""

    recorded: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    grades: dict[str, int] = field(default_factory=dict)


def import_tests(
    session: Session, text: str, *, settings: WorkshopSettings, actor_id: int | None, org_id: int | None
) -> ImportResult:
    """Check every row, then record all the tests (with grades and log events) or none."""
    table = CsvTable(text, columns=FIELDS, required=REQUIRED, max_rows=MAX_ROWS)
    tests: list[TestInput] = []
    lines: list[int | None] = []
    for line, row in table.rows():
        test, problems = parse_test(row)
        for problem in problems:
            table.add(line, problem.field, problem.message)
        if test is not None:
            tests.append(test)
            lines.append(line)
    result = ImportResult(errors=table.errors)
    if result.errors:
        return result
    try:
        done = record_tests(
            session, tests, settings=settings, source="csv", lines=lines, actor_id=actor_id, org_id=org_id
        )
    except WorkshopInputError as exc:
        result.errors = [row_error(p.index or 0, p.field, p.message) for p in exc.problems]
        return result
    result.recorded = len(done)
    for _record, grade in done:
        result.grades[grade.grade] = result.grades.get(grade.grade, 0) + 1
    return result
