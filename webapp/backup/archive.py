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
class ReadLimits:
    """How much a backup may hold, checked before a restore writes anything.

    A zip can declare or hold far more than its own size (a few megabytes inflating to
    gigabytes): each entry's declared size and compression ratio are checked before a
    byte is inflated, and the bytes and line lengths actually read are counted while
    streaming, so a lying header fails on the first byte too many, not after minutes.
    """

    #: Longest line (one row); an evidence photo of 5 MB is about 7 MB of base64.
    max_line_bytes: int = 64 * 2**20
    #: Largest file of one table, uncompressed.
    max_entry_bytes: int = 2 * 2**30
    #: All tables together, uncompressed; ``reloop restore --max-size-mb`` raises it.
    max_total_bytes: int = 2 * 2**30
    #: Uncompressed over compressed size; row data compresses about 5 to 20 times.
    max_ratio: int = 100
    #: Files below this size may compress better than ``max_ratio`` (a column of zeros).
    ratio_floor_bytes: int = 2**20
    #: The manifest is read whole.
    max_manifest_bytes: int = 16 * 2**20


DEFAULT_LIMITS = ReadLimits()


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


def open_manifest(archive: zipfile.ZipFile, limits: ReadLimits = DEFAULT_LIMITS) -> Manifest:
    """The manifest of an open backup."""
    try:
        info = archive.getinfo(MANIFEST)
    except KeyError:
        raise BackupError("not a ReLoop backup: it has no manifest.json") from None
    _check_declared(info, MANIFEST, limits.max_manifest_bytes, limits)
    try:
        with archive.open(info) as handle:
            raw = handle.read(limits.max_manifest_bytes + 1)
        if len(raw) > limits.max_manifest_bytes:
            raise BackupError(
                f"{MANIFEST} is larger than {_size(limits.max_manifest_bytes)}; nothing was restored"
            )
        text = raw.decode("utf-8")
    except (
        zipfile.BadZipFile,
        zlib.error,
        UnicodeDecodeError,
        EOFError,
        NotImplementedError,
        RuntimeError,
    ) as exc:
        raise BackupError(f"manifest.json is damaged: {exc}") from None
    return Manifest.from_json(text)


def check_sizes(archive: zipfile.ZipFile, manifest: Manifest, limits: ReadLimits = DEFAULT_LIMITS) -> None:
    """Refuse, from the zip's directory alone, a table file that is too large or inflates
    too much, or tables too large together; the message names the file."""
    total = 0
    for entry in manifest.tables:
        try:
            info = archive.getinfo(entry.file)
        except KeyError:
            raise BackupError(f"table {entry.name}: {entry.file} is missing from the backup") from None
        _check_declared(info, entry.file, limits.max_entry_bytes, limits)
        total += info.file_size
        if total > limits.max_total_bytes:
            raise BackupError(
                f"{entry.file}: the tables up to this one hold {_size(total)}, more than the limit "
                f"of {_size(limits.max_total_bytes)} (reloop restore --max-size-mb raises it); "
                "nothing was restored"
            )


def _check_declared(info: zipfile.ZipInfo, name: str, max_bytes: int, limits: ReadLimits) -> None:
    if info.file_size > max_bytes:
        raise BackupError(
            f"{name}: {_size(info.file_size)} uncompressed, more than the limit of {_size(max_bytes)}; "
            "nothing was restored"
        )
    if info.file_size > limits.ratio_floor_bytes and info.file_size > limits.max_ratio * max(
        info.compress_size, 1
    ):
        raise BackupError(
            f"{name}: inflates {info.file_size // max(info.compress_size, 1)} times "
            f"({_size(info.compress_size)} to {_size(info.file_size)}), more than a backup does "
            f"(limit {limits.max_ratio}); nothing was restored"
        )


def _size(n_bytes: int) -> str:
    for unit, size in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n_bytes >= size:
            return f"{n_bytes / size:.1f} {unit}"
    return f"{n_bytes} bytes"


def verify(archive: zipfile.ZipFile, manifest: Manifest, limits: ReadLimits = DEFAULT_LIMITS) -> None:
    """Check sizes, then every table file's row count and SHA-256 against the manifest."""
    check_sizes(archive, manifest, limits)
    for entry in manifest.tables:
        digest, rows = hashlib.sha256(), 0
        for line in read_lines(archive, entry, limits):
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


def read_lines(
    archive: zipfile.ZipFile, entry: TableEntry, limits: ReadLimits = DEFAULT_LIMITS
) -> Iterator[bytes]:
    """The raw lines of a table's file; a damaged file, a line or a file longer than the
    limits raises BackupError naming the table, the file and the line."""
    try:
        with archive.open(entry.file) as handle:
            number = read = 0
            while line := handle.readline(limits.max_line_bytes + 1):
                number += 1
                read += len(line)
                if len(line) > limits.max_line_bytes:
                    raise BackupError(
                        f"table {entry.name}: {entry.file} line {number} is longer than "
                        f"{_size(limits.max_line_bytes)}; nothing was restored"
                    )
                if read > limits.max_entry_bytes:
                    raise BackupError(
                        f"table {entry.name}: {entry.file} holds more than {_size(limits.max_entry_bytes)}; "
                        "nothing was restored"
                    )
                yield line
    except KeyError:
        raise BackupError(f"table {entry.name}: {entry.file} is missing from the backup") from None
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as exc:
        # NotImplementedError: a compression method zipfile lacks; RuntimeError: encrypted.
        raise BackupError(
            f"table {entry.name}: the backup is corrupt ({exc}); nothing was restored"
        ) from None


def read_rows(
    archive: zipfile.ZipFile, entry: TableEntry, limits: ReadLimits = DEFAULT_LIMITS
) -> Iterator[dict[str, Any]]:
    """A table's rows as column values, ready to insert."""
    for number, line in enumerate(read_lines(archive, entry, limits), start=1):
        try:
            yield decode_row(json.loads(line), entry.columns)
        except (ValueError, KeyError, TypeError) as exc:
            raise BackupError(f"table {entry.name}: line {number} cannot be read: {exc}") from None
