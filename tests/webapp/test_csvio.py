"""The CSV reader both importers share: encodings, header, line numbers, limits, every error."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask_babel import force_locale

from webapp.csvio import CsvDecodeError, CsvTable, coded_header, decode

COLUMNS = {"code", "name", "kg"}
REQUIRED = ("code", "name")


@pytest.fixture
def ctx(app: Flask) -> Iterator[None]:
    """Messages are translated: read in an English request."""
    with app.test_request_context(), force_locale("en"):
        yield


def read(text: str, *, max_rows: int = 100) -> tuple[list[tuple[int, dict[str, str]]], list[dict]]:
    """Every row the table yields, and its errors once read."""
    table = CsvTable(text, columns=COLUMNS, required=REQUIRED, max_rows=max_rows)
    rows = list(table.rows())
    return rows, table.errors


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_utf8_with_or_without_bom_and_gb18030_decode_to_the_same_text(encoding: str) -> None:
    """What Chinese Excel and other tools write reads back as the same text, BOM dropped."""
    assert decode("code,name\r\nA1,福田回收亭\r\n".encode(encoding)) == "code,name\r\nA1,福田回收亭\r\n"


@pytest.mark.parametrize(
    "data", ["code,name\n".encode("utf-16"), b"code,name\n\x00\x01", b"\xff\xfe\xfd\x81"]
)
def test_binary_utf16_and_undecodable_bytes_are_refused(data: bytes) -> None:
    """NUL bytes (UTF-16, binaries) and bytes neither UTF-8 nor GB18030 raise CsvDecodeError."""
    with pytest.raises(CsvDecodeError):
        decode(data)


def test_rows_come_with_their_line_numbers_and_stripped_header(ctx: None) -> None:
    """The header is line 1, blank lines are skipped but counted, missing cells are empty strings."""
    rows, errors = read(" code , name ,kg\r\nA1,甲,3\r\n\r\nA2,乙\r\n")
    assert errors == []
    assert rows == [(2, {"code": "A1", "name": "甲", "kg": "3"}), (4, {"code": "A2", "name": "乙", "kg": ""})]


def test_a_quoted_newline_keeps_later_line_numbers_true(ctx: None) -> None:
    """A cell spanning two lines: the next row is numbered by the file's physical line."""
    rows, _errors = read('code,name\r\nA1,"two\r\nlines"\r\nA2,乙\r\n')
    assert [line for line, _row in rows] == [3, 4]


def test_unknown_and_missing_columns_are_both_named_on_line_one(ctx: None) -> None:
    """A bad header yields no rows and says what is unknown and what is missing."""
    rows, errors = read("code,colour\r\nA1,red\r\n")
    assert rows == []
    assert errors == [
        {"line": 1, "field": "", "message": "Unknown columns: colour."},
        {"line": 1, "field": "", "message": "Missing columns: name."},
    ]


def test_an_empty_file_and_a_header_alone_say_so(ctx: None) -> None:
    """No header: "The file is empty."; a header and no rows: "The file has no rows."."""
    assert read("")[1] == [{"line": 1, "field": "", "message": "The file is empty."}]
    assert read("code,name\r\n\r\n")[1] == [{"line": 1, "field": "", "message": "The file has no rows."}]


def test_extra_values_are_an_error_on_their_line_and_reading_goes_on(ctx: None) -> None:
    """A row with more values than columns is named, and the rows after it are still read."""
    rows, errors = read("code,name\r\nA1,甲,surplus\r\nA2,乙\r\n")
    assert errors == [{"line": 2, "field": "", "message": "More values than columns."}]
    assert [line for line, _row in rows] == [3]


def test_reading_stops_after_the_row_limit_with_an_error_on_the_next_line(ctx: None) -> None:
    """With max_rows=2 the third row is refused as "split the file", blank lines not counted."""
    rows, errors = read("code,name\r\nA1,甲\r\n\r\nA2,乙\r\nA3,丙\r\nA4,丁\r\n", max_rows=2)
    assert [line for line, _row in rows] == [2, 4]
    assert errors == [{"line": 5, "field": "", "message": "More than 2 rows; split the file."}]


def test_a_line_the_csv_module_refuses_ends_the_file_with_its_line(ctx: None) -> None:
    """A cell over the csv module's 128 KiB limit is "Not valid CSV" on its own line, not an exception."""
    rows, errors = read(f"code,name\r\nA1,甲\r\nA2,{'x' * 200_000}\r\n")
    assert [line for line, _row in rows] == [2]
    assert [(e["line"], e["field"]) for e in errors] == [(3, "")]
    assert errors[0]["message"].startswith("Not valid CSV")


def test_importer_errors_join_the_readers_in_line_order(ctx: None) -> None:
    """An importer adds its own problems per line; the table keeps them with its own."""
    table = CsvTable("code,name\r\nA1,甲,x\r\n,乙\r\n", columns=COLUMNS, required=REQUIRED, max_rows=10)
    for line, row in table.rows():
        if not row["code"]:
            table.add(line, "code", "required")
    assert [(e["line"], e["field"]) for e in table.errors] == [(2, ""), (3, "code")]


def test_aliased_headings_become_column_names_and_the_rest_is_kept() -> None:
    """Chinese labels in the header are coded, other headings and the data lines stay as written."""
    aliases = {"编码": "code", "名称": "name"}
    assert coded_header("编码, 名称 ,kg\r\n编码,1\n", aliases) == "code,name,kg\n编码,1\n"
    assert coded_header("code,name\r\n编码,1\n", aliases) == "code,name\r\n编码,1\n"
