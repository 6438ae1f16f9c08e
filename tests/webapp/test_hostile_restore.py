"""Hostile backups: zip bombs, endless lines and lying headers are refused before any write.

Each case fails from the zip's directory or within the first bytes too many, with a
message naming the file (and line), and leaves the target database without a table.
"""

from __future__ import annotations

import json
import os
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.webapp.test_backup import _backend, _session, _tables, fresh_database
from webapp.backup import BackupError, ReadLimits, backup_database, restore_database
from webapp.backup.archive import MANIFEST

MiB = 2**20
TABLE = "material"  # seeded in every test database, so its file has rows
FILE = f"tables/{TABLE}.jsonl"


@pytest.fixture
def backup(app, database_url: str, tmp_path: Path) -> Path:
    """A true backup of the test database (users and materials)."""
    path = tmp_path / "true.zip"
    backup_database(database_url, path)
    return path


def _rewrite(source: Path, target: Path, name: str, write: Callable[[zipfile.ZipFile], None]) -> Path:
    """``source`` with entry ``name`` replaced by what ``write`` puts in the new zip."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            if info.filename != name:
                new.writestr(info, old.read(info))
        write(new)
    return target


def _stream(name: str, chunk: bytes, total: int) -> Callable[[zipfile.ZipFile], None]:
    def write(archive: zipfile.ZipFile) -> None:
        info = zipfile.ZipInfo(name)
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, "w", force_zip64=True) as out:
            for _ in range(total // len(chunk)):
                out.write(chunk)

    return write


def _declare_size(path: Path, name: str, size: int) -> None:
    """Overwrite the uncompressed size the central directory gives for ``name``."""
    data = bytearray(path.read_bytes())
    start = 0
    while (start := data.find(b"PK\x01\x02", start)) >= 0:
        name_len = struct.unpack("<H", data[start + 28 : start + 30])[0]
        if data[start + 46 : start + 46 + name_len] == name.encode():
            data[start + 24 : start + 28] = struct.pack("<I", size)
            path.write_bytes(bytes(data))
            return
        start += 4
    raise AssertionError(f"{name} not in the central directory")


def _refused_writing_nothing(database_url: str, tmp_path: Path, path: Path, match: str, **options) -> str:
    with fresh_database(_backend(database_url), tmp_path) as url:
        with pytest.raises(BackupError, match=match) as caught:
            restore_database(url, path, **options)
        with _session(url) as db:
            assert _tables(db) == set() or TABLE not in _tables(db)
    return str(caught.value)


@pytest.mark.parametrize(
    "chunk",
    [b"x" * MiB, b'{"code":"paper"}\n' * 4096],
    ids=["one endless line", "millions of short lines"],
)
def test_a_zip_bomb_is_refused_from_its_directory(backup, database_url, tmp_path, chunk) -> None:
    """256 MiB inflated from a few hundred KiB: refused by its ratio before a byte is inflated."""
    bomb = _rewrite(backup, tmp_path / "bomb.zip", FILE, _stream(FILE, chunk, 256 * MiB))
    assert bomb.stat().st_size < 2 * MiB
    message = _refused_writing_nothing(database_url, tmp_path, bomb, f"{FILE}: inflates")
    assert "nothing was restored" in message


def test_a_declared_size_of_3_gib_is_refused_from_the_directory(backup, database_url, tmp_path) -> None:
    """A table file declaring 3 GiB is refused by its declared size alone."""
    path = _rewrite(backup, tmp_path / "declared.zip", FILE, lambda z: z.writestr(FILE, b"{}\n"))
    _declare_size(path, FILE, 3 * 2**30)
    _refused_writing_nothing(database_url, tmp_path, path, rf"{FILE}: 3\.0 GiB uncompressed")


def test_a_header_declaring_less_than_the_file_holds_is_refused(backup, database_url, tmp_path) -> None:
    """Data beyond the declared size is never read: the truncated file fails its check."""
    path = _rewrite(backup, tmp_path / "lying.zip", FILE, lambda z: z.writestr(FILE, b'{"a":1}\n' * 1000))
    _declare_size(path, FILE, 100)
    _refused_writing_nothing(database_url, tmp_path, path, f"table {TABLE}")


def test_a_line_longer_than_the_limit_is_refused_while_streaming(backup, database_url, tmp_path) -> None:
    """A long line of data that compresses like real data fails at the limit, naming the line."""
    line = b'{"x":"' + os.urandom(3 * MiB).hex().encode() + b'"}\n'
    path = _rewrite(backup, tmp_path / "long.zip", FILE, lambda z: z.writestr(FILE, b"{}\n" + line))
    limits = ReadLimits(max_line_bytes=MiB)
    _refused_writing_nothing(
        database_url, tmp_path, path, f"{FILE} line 2 is longer than 1.0 MiB", limits=limits
    )


def test_tables_larger_together_than_the_limit_are_refused(backup, database_url, tmp_path) -> None:
    """A true backup beyond the total size limit is refused, saying how to raise it."""
    limits = ReadLimits(max_total_bytes=64)
    message = _refused_writing_nothing(database_url, tmp_path, backup, "more than the limit", limits=limits)
    assert "--max-size-mb" in message


def test_an_oversized_manifest_is_refused(backup, database_url, tmp_path) -> None:
    """manifest.json is read whole, so it has its own small limit."""
    manifest = json.loads(zipfile.ZipFile(backup).read(MANIFEST))
    manifest["padding"] = "x" * (17 * MiB)
    path = _rewrite(
        backup, tmp_path / "manifest.zip", MANIFEST, lambda z: z.writestr(MANIFEST, json.dumps(manifest))
    )
    _refused_writing_nothing(database_url, tmp_path, path, "manifest.json")


def test_the_cli_refuses_a_zip_bomb_with_a_message(backup, runner, tmp_path) -> None:
    """``reloop restore`` on a bomb prints the reason and exits 1, no traceback."""
    bomb = _rewrite(backup, tmp_path / "bomb.zip", FILE, _stream(FILE, b"x" * MiB, 256 * MiB))
    result = runner.invoke(args=["restore", str(bomb), "--force"])
    assert result.exit_code == 1 and f"{FILE}: inflates" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_true_backup_still_restores_within_the_limits(backup, database_url, tmp_path) -> None:
    """The limits leave an ordinary backup alone."""
    with fresh_database(_backend(database_url), tmp_path) as url:
        manifest = restore_database(url, backup)
        with _session(url) as db:
            assert {t.name for t in manifest.tables} <= _tables(db)
