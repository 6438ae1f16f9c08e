"""Reading an uploaded CSV the way every importer does: decode it, check the header,
number the lines, and collect every problem with its line and field.

An importer walks :meth:`CsvTable.rows`, checks each row its own way and adds what is
wrong with :meth:`CsvTable.add`; it writes nothing unless :attr:`CsvTable.errors` ends
empty. Errors are plain dicts (``line``, ``field``, ``message``) because they travel in a
job's JSON result and into templates. Messages are translated with the caller's locale.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Collection, Iterator, Mapping, Sequence
from typing import Any

from flask_babel import gettext as _

__all__ = ["CsvDecodeError", "CsvTable", "coded_header", "decode", "row_error"]

RowError = dict[str, Any]


class CsvDecodeError(ValueError):
    """The upload is not text in an encoding we read."""


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM) or GB18030, which Chinese Excel writes.

    Text has no NUL bytes; a file with them is binary, or UTF-16 (which would otherwise
    decode as UTF-8 full of NULs that PostgreSQL cannot store).
    """
    if b"\x00" in data:
        raise CsvDecodeError("the file contains NUL bytes")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise CsvDecodeError("the file is neither UTF-8 nor GB18030 text")


def coded_header(text: str, aliases: Mapping[str, str]) -> str:
    """The text with the header's headings found in ``aliases`` (say, Chinese column
    labels) replaced by the column names they stand for; the text unchanged when none is."""
    first, newline, rest = text.partition("\n")
    try:
        header = next(csv.reader([first.rstrip("\r")]), [])
    except csv.Error:
        return text  # CsvTable names the problem
    if not any(h.strip() in aliases for h in header):
        return text
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow([aliases.get(h.strip(), h.strip()) for h in header])
    return out.getvalue() + newline + rest


def row_error(line: int, field: str, message: str) -> RowError:
    """One problem: the file's line (the header is line 1), the column or "" and why."""
    return {"line": line, "field": field, "message": message}


class CsvTable:
    """A CSV text with a header row, read once.

    ``columns`` are the names the header may use (a container, so an importer can
    accept open-ended families), ``required`` the ones it must use; ``max_rows`` bounds
    the data rows read, blank lines not counted.
    """

    def __init__(
        self, text: str, *, columns: Collection[str], required: Sequence[str], max_rows: int
    ) -> None:
        self.errors: list[RowError] = []
        self._reader = csv.DictReader(io.StringIO(text, newline=""))
        self._max_rows = max_rows
        self.header = self._read_header(columns, required)

    @property
    def line(self) -> int:
        """The line the row last yielded ends on."""
        return self._reader.line_num

    def add(self, line: int, field: str, message: str) -> None:
        """Record a problem on ``line``."""
        self.errors.append(row_error(line, field, message))

    def rows(self) -> Iterator[tuple[int, dict[str, str]]]:
        """Each non-blank row with its line number and its cells stripped of nothing.

        A row with more values than columns is an error, not a row; the row after the
        last allowed one ends the file with an error, and so does a line the csv module
        cannot read (say, a field over its 128 KiB limit). A file with no rows and no
        other problem gets "The file has no rows."
        """
        if self.header is None:
            return
        seen = 0
        try:
            for row in self._reader:
                line = self._reader.line_num
                if seen >= self._max_rows:
                    self.add(line, "", _("More than %(n)d rows; split the file.", n=self._max_rows))
                    break
                if None in row:
                    seen += 1
                    self.add(line, "", _("More values than columns."))
                    continue
                if not any((v or "").strip() for v in row.values()):
                    continue  # a blank line
                seen += 1
                yield line, {k: v or "" for k, v in row.items()}
        except csv.Error as exc:
            self._invalid(exc)
        if not seen and not self.errors:
            self.add(1, "", _("The file has no rows."))

    def _read_header(self, columns: Collection[str], required: Sequence[str]) -> list[str] | None:
        try:
            header = [h.strip() for h in (self._reader.fieldnames or [])]
        except csv.Error as exc:
            self._invalid(exc)
            return None
        if not header:
            self.add(1, "", _("The file is empty."))
            return None
        unknown = [h for h in header if h not in columns]
        if unknown:
            self.add(1, "", _("Unknown columns: %(c)s.", c=", ".join(unknown)))
        missing = [h for h in required if h not in header]
        if missing:
            self.add(1, "", _("Missing columns: %(c)s.", c=", ".join(missing)))
        if self.errors:
            return None
        self._reader.fieldnames = header
        return header

    def _invalid(self, exc: csv.Error) -> None:
        # The csv module refused the line after the last one it read.
        self.add(self._reader.line_num + 1, "", _("Not valid CSV: %(reason)s.", reason=str(exc)))
