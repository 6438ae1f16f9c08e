"""The underlying tables as CSV: a zip holding one CSV per table.

One file per table keeps each table's own columns (a single CSV would need a section
column and a union of every table's headings). UTF-8 with a byte-order mark, so
spreadsheet programs on Chinese Windows open the Chinese text correctly.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from webapp import sheets
from webapp.metrics.indicators import Indicators
from webapp.metrics.tables import Table, build, cell_text


def table_csv(table: Table, *, locale: str = "zh") -> str:
    """One table as CSV text (headings, then one line per row)."""
    out = io.StringIO()
    writer = sheets.writer(out, lineterminator="\r\n")
    writer.writerow([c.title(locale) for c in table.columns])
    for row in table.rows:
        writer.writerow([cell_text(v, c) for v, c in zip(row, table.columns, strict=True)])
    return out.getvalue()


def write(found: Indicators, path: Path | str, *, locale: str = "zh") -> Path:
    """Write the zip of CSVs to ``path``."""
    path = Path(path)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for number, table in enumerate(build(found, locale=locale), start=1):
            archive.writestr(f"{number:02d}_{table.key}.csv", "\ufeff" + table_csv(table, locale=locale))
    return path
