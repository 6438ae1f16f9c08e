"""The underlying tables as an XLSX workbook (openpyxl): one sheet per table, numbers
stored as numbers with the decimals the CSV shows."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

from webapp.metrics.indicators import Indicators
from webapp.metrics.tables import Table, build
from webapp.sheets import safe_row


def write(found: Indicators, path: Path | str, *, locale: str = "zh") -> Path:
    """Write the workbook to ``path``."""
    return write_tables(build(found, locale=locale), path, locale=locale)


def sheet_name(table: Table, locale: str, *, taken: Iterable[str] = ()) -> str:
    """The table's title in ``locale`` as a sheet name: at most 31 characters, none of
    ``[]:*?/\\`` (Excel refuses them), unique in the workbook."""
    name = re.sub(r"[\[\]:*?/\\]", "-", table.title(locale)).strip("'")[:31] or table.key[:31]
    taken = set(taken)
    candidate, number = name, 2
    while candidate in taken:
        suffix = f" ({number})"
        candidate, number = name[: 31 - len(suffix)] + suffix, number + 1
    return candidate


def write_tables(tables: Iterable[Table], path: Path | str, *, locale: str = "zh") -> Path:
    """Write ``tables`` as a workbook, one sheet each; text cells never become formulas."""
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    for table in tables:
        sheet = book.create_sheet(sheet_name(table, locale, taken=book.sheetnames))
        sheet.append(safe_row([table.title(locale)]))
        sheet["A1"].font = Font(bold=True)
        sheet.append(safe_row(c.title(locale) for c in table.columns))
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append(safe_row(_yes_no(v, locale) if isinstance(v, bool) else v for v in row))
            for value, column, cell in zip(row, table.columns, sheet[sheet.max_row], strict=True):
                if isinstance(value, float) and column.decimals is not None:
                    cell.number_format = "0." + "0" * column.decimals if column.decimals else "0"
        for index, column in enumerate(table.columns, start=1):
            sheet.column_dimensions[sheet.cell(2, index).column_letter].width = max(
                10, min(60, len(column.title(locale)) * 2 + 2)
            )
    path = Path(path)
    book.save(path)
    return path


def _yes_no(value: bool, locale: str) -> str:
    if locale.startswith("en"):
        return "yes" if value else "no"
    return "是" if value else "否"
