"""Cells of the CSV and XLSX files the app writes, safe to open in a spreadsheet.

Text from partners, staff or uploads may start with ``=``, ``+``, ``-`` or ``@`` (or a
tab or line break): Excel, WPS and LibreOffice read such a cell as a formula, which can
fetch URLs or run commands on the reader's machine (CSV injection, OWASP). Every writer
passes its cells through :func:`safe_cell`, which prefixes such text with an apostrophe
so it shows as typed. Numbers stay numbers, including a negative number written as text
("-12.5"), which a spreadsheet reads as the number it is.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any

__all__ = ["safe_cell", "safe_row", "writer"]

# ASCII and full-width signs (CJK input methods type the latter).
_FORMULA_START = tuple("=+-@\t\r\n") + tuple("＝＋－＠")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def safe_cell(value: Any) -> Any:
    """``value`` itself, or text a spreadsheet would run as a formula with a ``'`` in front."""
    if (
        isinstance(value, str)
        and len(value) > 1
        and value.startswith(_FORMULA_START)
        and not _PLAIN_NUMBER.fullmatch(value)
    ):
        return "'" + value
    return value


def safe_row(row: Iterable[Any]) -> list[Any]:
    """Every cell of ``row`` through :func:`safe_cell`."""
    return [safe_cell(value) for value in row]


class _SafeWriter:
    """``csv.writer`` whose rows go through :func:`safe_row`."""

    def __init__(self, target: Any, **options: Any) -> None:
        self._writer = csv.writer(target, **options)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow(safe_row(row))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(target: Any, **options: Any) -> _SafeWriter:
    """A CSV writer (same options as :func:`csv.writer`) that neutralises formulas."""
    return _SafeWriter(target, **options)
