"""Figures of the reliability runs, collected for one table at the end.

A run calls ``report("load-completions-sqlite", requests=..., lost=0, ...)``. The
figures are kept in this process (``reliability/conftest.py`` prints them in
pytest's summary) and, when ``RELIABILITY_FIGURES`` names a file, appended to it as
JSON lines, so ``make reliability`` can print one table for both backends with
``python -m reliability.figures FILE``.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

ENV = "RELIABILITY_FIGURES"
# The columns the issue asks for, in this order; other figures follow as key=value.
COLUMNS = (
    "requests",
    "lost",
    "duplicated",
    "p95_ms",
    "faults_survived",
    "inputs_tried",
    "server_errors",
    # Races for a limited resource (issue 15's booking-slot-race-*): winners and any excess.
    "accepted",
    "oversold",
)

_REPORTED: list[dict[str, Any]] = []


def report(section: str, **figures: object) -> None:
    """Record the figures of one run under ``section`` (e.g. ``load-burst-postgresql``)."""
    entry = {"section": section, **figures}
    _REPORTED.append(entry)
    target = os.environ.get(ENV)
    if target:
        with Path(target).open("a", encoding="utf-8") as out:
            out.write(json.dumps(entry, default=str, ensure_ascii=False) + "\n")


def reported() -> list[dict[str, Any]]:
    """The figures reported in this process so far, in order."""
    return list(_REPORTED)


def read(path: Path) -> list[dict[str, Any]]:
    """The figures appended to ``path`` (none when it does not exist)."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def table(entries: list[dict[str, Any]]) -> str:
    """A plain-text table: one row per section, the issue's columns first."""
    if not entries:
        return "no reliability figures were reported"
    header = ["section", *COLUMNS, "other"]
    rows = [header]
    for entry in entries:
        others = {k: v for k, v in entry.items() if k != "section" and k not in COLUMNS}
        rows.append(
            [
                str(entry["section"]),
                *(_cell(entry.get(c)) for c in COLUMNS),
                " ".join(f"{k}={_cell(v)}" for k, v in others.items()),
            ]
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header) - 1)]
    lines = []
    for number, row in enumerate(rows):
        cells = [
            cell.rjust(width) if i else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=False))
        ]
        lines.append("  ".join([*cells, row[-1]]).rstrip())
        if number == 0:
            lines.append("  ".join("-" * w for w in widths) + "  -----")
    return "\n".join(lines)


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def main(argv: list[str]) -> int:
    """``python -m reliability.figures FILE``: print the table of the figures in FILE."""
    if len(argv) != 1:
        print("usage: python -m reliability.figures FIGURES.jsonl", file=sys.stderr)
        return 2
    print(table(read(Path(argv[0]))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
