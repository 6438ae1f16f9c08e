"""`reloop backup` / `reloop restore`: a round trip loses nothing, on and across backends."""

from __future__ import annotations

import hashlib
import json
import os
import struct
import uuid
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Engine, create_engine, func, inspect, text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlmodel import Session, select

from tests.webapp.conftest import make_app, wipe
from tests.webapp.driver.conftest import make_day
from traceability import verify_export
from webapp.backup import BackupError, Manifest, backup_database, restore_database
from webapp.config import normalise_database_url
from webapp.db import engine, make_engine, scratch_postgres
from webapp.driver import evidence
from webapp.driver.completions import CompletionIn
from webapp.driver.operations import record_completion
from webapp.models import (
    CollectionOutcome,
    EvidenceFile,
    Job,
    JobStatus,
    Material,
    Organisation,
    SkipReason,
    TraceEventRow,
)
from webapp.models._types import utcnow
from webapp.trace import keys
from webapp.trace.treeheads import export_lines, issue_tree_head, latest_tree_head
from webapp.trace.verification import CheckStatus, verify_battery

PHOTO = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40
SIGNATURE = b"\xff\xd8\xff\xe0" + os.urandom(3000)


@dataclass(frozen=True)
class Source:
    """The backup of a demo-like database and what it must bring back."""

    path: Path
    manifest: Manifest
    photos: dict[str, bytes]
    public_key: Ed25519PublicKey
    battery: str


@pytest.fixture(scope="module")
def source(database_url: str, tmp_path_factory: pytest.TempPathFactory, cache_dir: Path) -> Iterator[Source]:
    """Demo data on the run's backend (outlets, fleet, plan, pickups with photos, battery
    log with two signed heads, jobs), backed up once; the database is emptied after."""
    app = make_app(database_url, tmp_path_factory.mktemp("backup-source"), cache_dir)
    path = tmp_path_factory.mktemp("backups") / "source.zip"
    with app.app_context():
        db = Session(engine(), expire_on_commit=False)
        day = make_day(db, cache_dir)  # the demo seed signs a tree head over its batteries
        photos = _record_pickups(db, day)
        db.add_all(
            [
                Job(
                    kind="dispatch.solve",
                    status=JobStatus.FAILED,
                    params={"day": "2026-11-24"},
                    result=None,
                    error="why",
                ),
                Job(kind="outlets.import", status=JobStatus.SUCCEEDED, params={}, result={"rows": [1, None]}),
            ]
        )
        db.commit()
        later = utcnow() + timedelta(seconds=1)  # a second head over the same log
        issue_tree_head(db, keys.signing_key(), timestamp_ms=int(later.timestamp() * 1000))
        battery = db.exec(select(TraceEventRow.battery_code).order_by(TraceEventRow.seq)).first()
        db.close()
        manifest = backup_database(database_url, path)
        public_key = keys.public_key()
    wipe(app)
    app.extensions["reloop.engine"].dispose()
    yield Source(path, manifest, photos, public_key, battery)


def _record_pickups(db: Session, day) -> dict[str, bytes]:
    """Driver 1 collects at stop 1 with photo and signature, corrects it, skips stop 2."""
    photo, _ = evidence.store_evidence(db, PHOTO, user_id=None)
    signature, _ = evidence.store_evidence(db, SIGNATURE, user_id=None)
    driver, stops = day.drivers["driver1"], day.stops["driver1"]
    now = utcnow()
    first = CompletionIn(
        client_id="backup-test-0001",
        stop_id=stops[0].id,
        outcome=CollectionOutcome.COLLECTED,
        recorded_at=now,
        weights_g={"paper": 12_500, "metal": 800},
        note="纸箱 12.5 kg",
        photo_sha256=photo.sha256,
        signature_sha256=signature.sha256,
    )
    record_completion(db, driver, first, user_id=driver.user_id)
    record_completion(
        db,
        driver,
        CompletionIn(
            client_id="backup-test-0002",
            stop_id=stops[0].id,
            outcome=CollectionOutcome.COLLECTED,
            recorded_at=now,
            weights_g={"paper": 13_000},
            supersedes="backup-test-0001",
            correction_reason="秤读数错误",
        ),
        user_id=driver.user_id,
    )
    reason = db.exec(
        select(SkipReason).where(
            SkipReason.requires_photo == False,
            SkipReason.requires_note == False,
        )
    ).first()
    record_completion(
        db,
        driver,
        CompletionIn(
            client_id="backup-test-0003",
            stop_id=stops[1].id,
            outcome=CollectionOutcome.SKIPPED,
            recorded_at=now,
            skip_reason=reason.code,
        ),
        user_id=driver.user_id,
    )
    return {photo.sha256: PHOTO, signature.sha256: SIGNATURE}


@contextmanager
def fresh_database(backend: str, tmp_path: Path) -> Iterator[str]:
    """A database without tables on ``backend`` ("sqlite" or "postgresql"), dropped after."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / f'restored-{uuid.uuid4().hex[:8]}.db'}"
        return
    with scratch_postgres(_postgres_server(), prefix="reloop_restore", migrate=False) as url:
        yield url


def _postgres_server() -> str:
    """The run's PostgreSQL server; a SQLite run borrows the local one for cross-backend restores."""
    server = os.environ.get("DATABASE_URL", "")
    if server.startswith("postgres"):
        return server
    local = os.environ.get("RELOOP_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
    try:
        with create_engine(normalise_database_url(local)).connect():
            pass
    except OperationalError:
        pytest.skip(f"needs a PostgreSQL server: none at {local} (set RELOOP_TEST_POSTGRES)")
    return local


def _backend(url: str) -> str:
    return "sqlite" if url.startswith("sqlite") else "postgresql"


def _digests(manifest: Manifest) -> dict[str, tuple[int, str]]:
    return {t.name: (t.rows, t.sha256) for t in manifest.tables}


@contextmanager
def _session(url: str) -> Iterator[Session]:
    bound: Engine = make_engine(url)
    try:
        with Session(bound) as session:
            yield session
    finally:
        bound.dispose()


@pytest.fixture(scope="module")
def restored(source: Source, database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The source backup restored into a fresh database of the same backend (read-only use)."""
    with fresh_database(_backend(database_url), tmp_path_factory.mktemp("restored")) as url:
        restore_database(url, source.path)
        yield url


def test_the_backup_holds_the_battery_log_its_proofs_and_the_pickups(source: Source) -> None:
    """Every table is in the manifest; the log, Merkle nodes, two heads and photos have rows."""
    rows = {t.name: t.rows for t in source.manifest.tables}
    assert rows["trace_event"] > 50 and rows["merkle_node"] >= rows["trace_event"]
    assert rows["tree_head"] >= 2 and rows["evidence_file"] >= 2 and rows["collection"] >= 3
    assert rows["outlet"] >= 40 and rows["planned_stop"] > 0 and rows["audit_record"] > 0


def test_a_restore_brings_back_identical_rows_in_every_table(
    source: Source, restored: str, tmp_path: Path
) -> None:
    """Backing up the restored database gives the same row count and SHA-256 for every table."""
    again = backup_database(restored, tmp_path / "again.zip")
    assert _digests(again) == _digests(source.manifest)


def test_the_restored_battery_log_verifies_against_its_restored_tree_head(
    source: Source, restored: str
) -> None:
    """The exported log checks out against the restored signed head, and a battery's badge is verified."""
    with _session(restored) as db:
        head = latest_tree_head(db)
        result = verify_export(list(export_lines(db)), head, public_key=source.public_key)
        assert result.ok, result.summary()
        assert head.tree_size == db.exec(select(func.count()).select_from(TraceEventRow)).one()
        assert verify_battery(db, source.battery, source.public_key).status is CheckStatus.VERIFIED


def test_evidence_photos_come_back_byte_identical(source: Source, restored: str) -> None:
    """Photos and signatures are the same bytes, under the same SHA-256, as before."""
    with _session(restored) as db:
        files = {f.sha256: f.data for f in db.exec(select(EvidenceFile))}
    assert {sha: files.get(sha) for sha in source.photos} == source.photos


def test_the_restored_log_still_refuses_update_and_delete(restored: str) -> None:
    """The append-only triggers are in force after a restore."""
    with _session(restored) as db, pytest.raises(DBAPIError):
        db.execute(text("UPDATE trace_event SET actor = 'forged' WHERE seq = 0"))
        db.commit()


def test_new_rows_take_ids_after_the_restored_ones(source: Source, database_url: str, tmp_path: Path) -> None:
    """Sequences continue after the highest restored id (PostgreSQL needs them reset)."""
    with fresh_database(_backend(database_url), tmp_path) as url:
        restore_database(url, source.path)
        with _session(url) as db:
            highest = db.exec(select(func.max(Material.id))).one()
            added = Material(code="restore-probe", name_zh="探针", name_en="probe")
            db.add(added)
            db.commit()
            assert added.id == highest + 1


def test_a_backup_moves_between_sqlite_and_postgresql(
    source: Source, database_url: str, tmp_path: Path
) -> None:
    """SQLite and PostgreSQL copies of the backup hold the same content, both ways."""
    other = "sqlite" if _backend(database_url) == "postgresql" else "postgresql"
    with fresh_database(other, tmp_path) as crossed, fresh_database(_backend(database_url), tmp_path) as back:
        restore_database(crossed, source.path)
        crossed_manifest = backup_database(crossed, tmp_path / "crossed.zip")
        assert crossed_manifest.backend == other
        assert _digests(crossed_manifest) == _digests(source.manifest)
        restore_database(back, tmp_path / "crossed.zip")
        assert _digests(backup_database(back, tmp_path / "back.zip")) == _digests(source.manifest)
        with _session(crossed) as db:
            assert verify_export(
                list(export_lines(db)), latest_tree_head(db), public_key=source.public_key
            ).ok


def test_a_database_with_rows_is_refused_unless_forced(
    source: Source, database_url: str, tmp_path: Path
) -> None:
    """Without --force a non-empty database is left alone; with it, its content is replaced whole."""
    with fresh_database(_backend(database_url), tmp_path) as url:
        restore_database(url, source.path)
        with _session(url) as db:
            db.add(Organisation(name="restored over"))
            db.commit()
        with pytest.raises(BackupError, match="not empty"):
            restore_database(url, source.path)
        with _session(url) as db:
            assert db.exec(select(Organisation).where(Organisation.name == "restored over")).first()
        restore_database(url, source.path, force=True)
        assert _digests(backup_database(url, tmp_path / "forced.zip")) == _digests(source.manifest)
        with _session(url) as db, pytest.raises(DBAPIError):
            db.execute(text("DELETE FROM tree_head"))
            db.commit()


def test_a_changed_byte_in_the_file_is_refused_naming_the_table(
    source: Source, database_url: str, tmp_path: Path
) -> None:
    """A byte flipped inside a table's compressed data stops the restore before any write."""
    damaged = tmp_path / "damaged.zip"
    data = bytearray(source.path.read_bytes())
    info = zipfile.ZipFile(source.path).getinfo("tables/trace_event.jsonl")
    name_len, extra_len = struct.unpack("<HH", data[info.header_offset + 26 : info.header_offset + 30])
    start = info.header_offset + 30 + name_len + extra_len
    data[start + info.compress_size // 2] ^= 0x01
    damaged.write_bytes(bytes(data))
    with fresh_database(_backend(database_url), tmp_path) as url:
        with pytest.raises(BackupError, match="table trace_event"):
            restore_database(url, damaged)
        with _session(url) as db:
            assert "trace_event" not in _tables(db)


def test_changed_content_with_a_valid_zip_is_refused_naming_the_table(
    source: Source, database_url: str, tmp_path: Path
) -> None:
    """A weight edited in the file (zip checksums redone) fails its SHA-256 and names the table."""
    edited = _rewrite(
        source.path,
        tmp_path / "edited.zip",
        "collection_weight",
        lambda lines: [lines[0].replace(b'"grams":', b'"grams":1', 1), *lines[1:]],
        update_manifest=False,
    )
    with (
        fresh_database(_backend(database_url), tmp_path) as url,
        pytest.raises(BackupError, match="table collection_weight: the backup is corrupt"),
    ):
        restore_database(url, edited)


def test_a_restore_failing_at_a_late_table_leaves_nothing_behind(
    source: Source, database_url: str, tmp_path: Path
) -> None:
    """A row the database refuses (a duplicate key, near the end) rolls back every table."""
    twice = _rewrite(
        source.path,
        tmp_path / "twice.zip",
        "collection_weight",
        lambda lines: [lines[0], *lines],
        update_manifest=True,
    )
    with fresh_database(_backend(database_url), tmp_path) as url:
        with pytest.raises(BackupError, match="collection_weight"):
            restore_database(url, twice)
        with _session(url) as db:
            counts = {
                name: db.execute(text(f'SELECT COUNT(*) FROM "{name}"')).scalar_one()
                for name in _tables(db)
                if name != "alembic_version"
            }
        assert counts and set(counts.values()) == {0}


def test_the_cli_backs_up_and_restores(
    runner, app, database_url: str, cache_dir: Path, tmp_path: Path
) -> None:
    """`reloop backup --out` then `reloop restore` on another database report the same rows."""
    out = tmp_path / "cli.zip"
    made = runner.invoke(args=["backup", "--out", str(out)])
    assert made.exit_code == 0, made.output
    with fresh_database(_backend(database_url), tmp_path) as url:
        other = make_app(url, tmp_path / "other-instance", cache_dir)
        done = other.test_cli_runner().invoke(args=["restore", str(out)])
        assert done.exit_code == 0, done.output
        assert made.output.split(" rows")[0] == done.output.split(" rows")[0]
        refused = other.test_cli_runner().invoke(args=["restore", str(out)])
        assert refused.exit_code == 1 and "not empty" in refused.output
        other.extensions["reloop.engine"].dispose()


def _tables(db: Session) -> set[str]:
    return set(inspect(db.connection()).get_table_names())


def _rewrite(original: Path, target: Path, table: str, change, *, update_manifest: bool) -> Path:
    """Copy a backup with one table's lines changed; optionally make the manifest agree."""
    with zipfile.ZipFile(original) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        manifest = json.loads(src.read("manifest.json"))
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == f"tables/{table}.jsonl":
                data = b"".join(change(data.splitlines(keepends=True)))
                entry = next(t for t in manifest["tables"] if t["name"] == table)
                if update_manifest:
                    entry["rows"], entry["sha256"] = data.count(b"\n"), hashlib.sha256(data).hexdigest()
            if info.filename != "manifest.json":
                dst.writestr(info.filename, data)
        dst.writestr("manifest.json", json.dumps(manifest))
    return target
