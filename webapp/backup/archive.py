"""The backup file: a zip holding ``manifest.json`` and one JSON-lines file per table.

Backend-neutral: every value is written as what it is, not as a backend stores
it: whole numbers, text, floats, booleans, dates and times, aware UTC datetimes
in ISO 8601, bytes in base64, and JSON columns as their exact stored text (so a
SQL NULL and a JSON ``null`` stay apart). A SQLite backup restores into
PostgreSQL and back, and two backups of the same content are the same bytes.

The manifest names the schema revision and, for each table in dependency order,
its columns with their kind, its primary key, its row count and the SHA-256 of
its file. :func:`verify` checks every file against it before a restore writes
anything, and names the table that does not match.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    Time,
)
from sqlalchemy.types import TypeDecorator, TypeEngine

from webapp.models._types import UTCDateTime

FORMAT = "reloop-backup"
VERSION = 1
MANIFEST = "manifest.json"
_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")

# How each kind is read and written; JSON columns travel as their text.
_SQL_TYPES: dict[str, TypeEngine[Any]] = {
    "int": BigInteger(),
    "str": Text(),
    "float": Float(),
    "bool": Boolean(),
    "date": Date(),
    "time": Time(),
    "datetime": UTCDateTime(),
    "bytes": LargeBinary(),
    "json": Text(),
}


class BackupError(ValueError):
    """A backup cannot be written, read or restored; the message names the table."""


@dataclass(frozen=True)
class TableEntry:
    """One table of a backup: its columns (name, kind), key, row count and file hash."""

    name: str
    columns: tuple[tuple[str, str], ...]
    primary_key: tuple[str, ...]
    rows: int
    sha256: str

    @property
    def file(self) -> str:
        return f"tables/{self.name}.jsonl"

    def table(self, metadata: MetaData) -> Table:
        """A Core table typed by kind, on which rows are read and written."""
        return Table(
            self.name,
            metadata,
            *(
                Column(name, _SQL_TYPES[kind], primary_key=name in self.primary_key)
                for name, kind in self.columns
            ),
        )


@dataclass(frozen=True)
class Manifest:
    """What a backup holds."""

    revision: str
    backend: str
    created_at: str
    tables: tuple[TableEntry, ...]

    @property
    def total_rows(self) -> int:
        return sum(t.rows for t in self.tables)

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": FORMAT,
                "version": VERSION,
                "revision": self.revision,
                "backend": self.backend,
                "created_at": self.created_at,
                "total_rows": self.total_rows,
                "tables": [
                    {
                        "name": t.name,
                        "file": t.file,
                        "rows": t.rows,
                        "sha256": t.sha256,
                        "primary_key": list(t.primary_key),
                        "columns": [{"name": n, "kind": k} for n, k in t.columns],
                    }
                    for t in self.tables
                ],
            },
            ensure_ascii=False,
            indent=1,
        )

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        try:
            data = json.loads(text)
            if data.get("format") != FORMAT:
                raise BackupError("not a ReLoop backup (manifest.json has no 'reloop-backup' format)")
            if data.get("version") != VERSION:
                raise BackupError(f"backup format version {data.get('version')!r} is not {VERSION}")
            tables = tuple(_entry(t) for t in data["tables"])
            return cls(
                revision=str(data["revision"]),
                backend=str(data["backend"]),
                created_at=str(data["created_at"]),
                tables=tables,
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            if isinstance(exc, BackupError):
                raise
            raise BackupError(f"manifest.json is malformed: {exc}") from None


def _entry(data: dict[str, Any]) -> TableEntry:
    name = str(data["name"])
    columns = tuple((str(c["name"]), str(c["kind"])) for c in data["columns"])
    for column, kind in ((name, "str"), *columns):
        if not _NAME.match(column) or kind not in _SQL_TYPES:
            raise BackupError(f"manifest.json: table {name}: bad name or kind {column!r}/{kind!r}")
    return TableEntry(
        name=name,
        columns=columns,
        primary_key=tuple(data["primary_key"]),
        rows=int(data["rows"]),
        sha256=str(data["sha256"]),
    )


def column_kind(table: str, column: Column[Any]) -> str:
    """The backup kind of a model column (refuses a type it does not know)."""
    sql_type = column.type
    if isinstance(sql_type, TypeDecorator):
        sql_type = sql_type.impl_instance
    for kind, types in (
        ("json", JSON),
        ("bytes", LargeBinary),
        ("bool", Boolean),
        ("datetime", DateTime),
        ("date", Date),
        ("time", Time),
        ("float", Float),
        ("int", Integer),
        ("str", String),
    ):
        if isinstance(sql_type, types):
            return kind
    raise BackupError(f"table {table}: column {column.name} has type {sql_type} that backups do not know")


def encode_line(row: Any, columns: tuple[tuple[str, str], ...]) -> bytes:
    """One row as a JSON line, values in column order."""
    values = {name: _encode(kind, value) for (name, kind), value in zip(columns, row, strict=True)}
    return (json.dumps(values, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def _encode(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind in ("datetime", "date", "time"):
        return value.isoformat()
    if kind == "bytes":
        return base64.b64encode(value).decode("ascii")
    return value


def decode_row(data: dict[str, Any], columns: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    """A JSON line's object back to column values."""
    return {name: _decode(kind, data[name]) for name, kind in columns}


def _decode(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == "datetime":
        return datetime.fromisoformat(value)
    if kind == "date":
        return date.fromisoformat(value)
    if kind == "time":
        return time.fromisoformat(value)
    if kind == "bytes":
        return base64.b64decode(value, validate=True)
    return value


def open_manifest(archive: zipfile.ZipFile) -> Manifest:
    """The manifest of an open backup."""
    try:
        text = archive.read(MANIFEST).decode("utf-8")
    except KeyError:
        raise BackupError("not a ReLoop backup: it has no manifest.json") from None
    except (zipfile.BadZipFile, zlib.error, UnicodeDecodeError) as exc:
        raise BackupError(f"manifest.json is damaged: {exc}") from None
    return Manifest.from_json(text)


def verify(archive: zipfile.ZipFile, manifest: Manifest) -> None:
    """Check every table file's row count and SHA-256 against the manifest."""
    for entry in manifest.tables:
        digest, rows = hashlib.sha256(), 0
        for line in read_lines(archive, entry):
            digest.update(line)
            rows += 1
        if digest.hexdigest() != entry.sha256:
            raise BackupError(
                f"table {entry.name}: the backup is corrupt (SHA-256 {digest.hexdigest()[:16]}… "
                f"instead of {entry.sha256[:16]}…); nothing was restored"
            )
        if rows != entry.rows:
            raise BackupError(
                f"table {entry.name}: {rows} rows in the file, {entry.rows} in the manifest; "
                "nothing was restored"
            )


def read_lines(archive: zipfile.ZipFile, entry: TableEntry) -> Iterator[bytes]:
    """The raw lines of a table's file; a damaged file raises BackupError naming the table."""
    try:
        with archive.open(entry.file) as handle:
            yield from handle
    except KeyError:
        raise BackupError(f"table {entry.name}: {entry.file} is missing from the backup") from None
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise BackupError(
            f"table {entry.name}: the backup is corrupt ({exc}); nothing was restored"
        ) from None


def read_rows(archive: zipfile.ZipFile, entry: TableEntry) -> Iterator[dict[str, Any]]:
    """A table's rows as column values, ready to insert."""
    for number, line in enumerate(read_lines(archive, entry), start=1):
        try:
            yield decode_row(json.loads(line), entry.columns)
        except (ValueError, KeyError, TypeError) as exc:
            raise BackupError(f"table {entry.name}: line {number} cannot be read: {exc}") from None
