"""Back up a database to a file and restore it, on SQLite and PostgreSQL alike.

A backup reads every table in one read-only snapshot, so the file is consistent
even while the app writes. A restore checks the whole file first, then loads it
in one transaction that re-reads every table and compares row counts and hashes
with the manifest before it commits: a database is restored whole or not at all.
"""

from __future__ import annotations

import hashlib
import os
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic.script import ScriptDirectory
from sqlalchemy import (
    JSON,
    Connection,
    Engine,
    MetaData,
    Table,
    Text,
    bindparam,
    cast,
    create_engine,
    event,
    func,
    insert,
    inspect,
    select,
    text,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool
from sqlmodel import SQLModel

import webapp.models  # noqa: F401  (registers every table)
from webapp.backup.archive import (
    DEFAULT_LIMITS,
    MANIFEST,
    BackupError,
    Manifest,
    ReadLimits,
    TableEntry,
    column_kind,
    encode_line,
    open_manifest,
    read_rows,
    verify,
)
from webapp.config import normalise_database_url
from webapp.db import alembic_config, upgrade
from webapp.models import append_only
from webapp.models._types import utcnow

_BATCH = 1000


def backup_database(url: str, out: Path) -> Manifest:
    """Write every table of the database at ``url`` to ``out``; returns the manifest.

    The file appears whole or not at all (written aside, then renamed).
    """
    engine = _engine(url)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        with _snapshot(engine) as conn:
            revision = _revision(conn)
            head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
            if revision != head:
                raise BackupError(
                    f"the database is at schema revision {revision}, this ReLoop at {head}: "
                    "run `reloop db upgrade` first"
                )
            _check_tables(conn, {t.name for t in SQLModel.metadata.sorted_tables})
            with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                entries = tuple(_dump(conn, archive, table) for table in SQLModel.metadata.sorted_tables)
                manifest = Manifest(
                    revision=revision,
                    backend=engine.dialect.name,
                    created_at=utcnow().isoformat(),
                    tables=entries,
                )
                archive.writestr(MANIFEST, manifest.to_json())
        os.replace(tmp, out)
    except OSError as exc:
        raise BackupError(f"cannot write {out}: {exc.strerror or exc}") from None
    finally:
        tmp.unlink(missing_ok=True)
        engine.dispose()
    return manifest


def restore_database(
    url: str, backup: Path, *, force: bool = False, limits: ReadLimits = DEFAULT_LIMITS
) -> Manifest:
    """Load ``backup`` into the database at ``url``, whole or not at all.

    A database without tables is first migrated to the backup's schema revision.
    A database holding rows is refused unless ``force``, which replaces its content
    in the same transaction. PostgreSQL sequences continue after the restored ids.
    A file beyond ``limits`` is refused before anything is written.
    """
    try:
        archive = zipfile.ZipFile(backup)
    except (zipfile.BadZipFile, OSError) as exc:
        raise BackupError(f"{backup} is not a readable backup: {exc}") from None
    with archive:
        manifest = open_manifest(archive, limits)
        verify(archive, manifest, limits)
        _prepare_schema(url, manifest.revision)
        engine = _engine(url, writer=True)
        try:
            with engine.begin() as conn:
                _load(conn, archive, manifest, force=force, limits=limits)
        except DBAPIError as exc:
            raise BackupError(f"the database refused the restore; nothing was restored: {exc.orig}") from None
        finally:
            engine.dispose()
    return manifest


def _load(
    conn: Connection, archive: zipfile.ZipFile, manifest: Manifest, *, force: bool, limits: ReadLimits
) -> None:
    sqlite = conn.dialect.name == "sqlite"
    if sqlite:
        conn.exec_driver_sql("PRAGMA defer_foreign_keys = ON")  # references are checked at commit
    metadata = MetaData()
    tables = {entry.name: entry.table(metadata) for entry in manifest.tables}
    _check_tables(conn, set(tables), columns={e.name: {c for c, _k in e.columns} for e in manifest.tables})
    filled = {
        name: n
        for name, table in tables.items()
        if (n := conn.execute(select(func.count()).select_from(table)).scalar_one())
    }
    if filled and not force:
        listed = ", ".join(f"{name} ({n} rows)" for name, n in sorted(filled.items())[:5])
        raise BackupError(
            f"the database is not empty: {listed}. Restore into an empty database, "
            "or pass --force to replace its whole content"
        )
    if filled:
        _wipe(conn, [tables[e.name] for e in reversed(manifest.tables)])
    for entry in manifest.tables:
        _insert(conn, archive, entry, tables[entry.name], limits)
    for entry in manifest.tables:
        _check_restored(conn, entry, tables[entry.name])
    _reset_sequences(conn, manifest)


def _wipe(conn: Connection, children_first: list[Table]) -> None:
    # The battery log refuses DELETE by trigger; the triggers are lifted for this
    # transaction only and put back before it commits.
    append_only.drop(conn)
    for table in children_first:
        conn.execute(table.delete())
    append_only.create(conn)


def _insert(
    conn: Connection, archive: zipfile.ZipFile, entry: TableEntry, table: Table, limits: ReadLimits
) -> None:
    json_columns = [name for name, kind in entry.columns if kind == "json"]
    statement = insert(table)
    if json_columns and conn.dialect.name == "postgresql":
        # The exact JSON text goes in as text and becomes JSON in the database.
        statement = statement.values(
            {name: cast(bindparam(f"{name}__text", type_=Text), JSON) for name in json_columns}
        )
    batch: list[dict[str, Any]] = []
    for row in read_rows(archive, entry, limits):
        if conn.dialect.name == "postgresql":
            for name in json_columns:
                row[f"{name}__text"] = row.pop(name)
        batch.append(row)
        if len(batch) == _BATCH:
            _execute(conn, entry, statement, batch)
            batch = []
    if batch:
        _execute(conn, entry, statement, batch)


def _execute(conn: Connection, entry: TableEntry, statement: Any, batch: list[dict[str, Any]]) -> None:
    try:
        conn.execute(statement, batch)
    except DBAPIError as exc:
        raise BackupError(
            f"table {entry.name}: the database refused a row; nothing was restored: "
            f"{(str(exc.orig).splitlines() or [''])[0]}"
        ) from None


def _check_restored(conn: Connection, entry: TableEntry, table: Table) -> None:
    digest, rows = hashlib.sha256(), 0
    for line in _lines(conn, table, entry):
        digest.update(line)
        rows += 1
    if rows != entry.rows or digest.hexdigest() != entry.sha256:
        raise BackupError(
            f"table {entry.name}: read back {rows} rows (backup: {entry.rows}) with different "
            "content; nothing was restored"
        )


def _dump(conn: Connection, archive: zipfile.ZipFile, model: Table) -> TableEntry:
    columns = tuple((c.name, column_kind(model.name, c)) for c in model.columns)
    key = tuple(c.name for c in model.primary_key.columns) or tuple(name for name, _k in columns)
    entry = TableEntry(name=model.name, columns=columns, primary_key=key, rows=0, sha256="")
    digest, rows = hashlib.sha256(), 0
    info = zipfile.ZipInfo(entry.file, date_time=time.localtime()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    with archive.open(info, "w", force_zip64=True) as out:
        for line in _lines(conn, entry.table(MetaData()), entry):
            out.write(line)
            digest.update(line)
            rows += 1
    return TableEntry(name=entry.name, columns=columns, primary_key=key, rows=rows, sha256=digest.hexdigest())


def _lines(conn: Connection, table: Table, entry: TableEntry) -> Iterator[bytes]:
    """A table's rows as backup lines, in key order (byte order for text keys on both backends)."""
    kinds = dict(entry.columns)
    shown = [
        cast(table.c[name], Text).label(name) if kind == "json" else table.c[name]
        for name, kind in entry.columns
    ]
    order = [
        table.c[name].collate("C")
        if kinds[name] == "str" and conn.dialect.name == "postgresql"
        else table.c[name]
        for name in entry.primary_key
    ]
    result = conn.execution_options(yield_per=_BATCH).execute(select(*shown).order_by(*order))
    for row in result:
        yield encode_line(row, entry.columns)


def _prepare_schema(url: str, revision: str) -> None:
    """Migrate a database without tables to ``revision``; refuse one at another revision."""
    script = ScriptDirectory.from_config(alembic_config(url))
    try:
        known = script.get_revision(revision) is not None
    except Exception:  # noqa: BLE001 - alembic raises several kinds for an unknown id
        known = False
    if not known:
        raise BackupError(
            f"the backup is at schema revision {revision}, which this ReLoop does not know "
            "(made by a newer version?)"
        )
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            names = set(inspect(conn).get_table_names())
            current = _revision(conn) if "alembic_version" in names else None
    finally:
        engine.dispose()
    if current is None and names:
        raise BackupError("the database has tables but no schema revision: it is not a ReLoop database")
    if current is None:
        upgrade(url, revision)
    elif current != revision:
        raise BackupError(
            f"the database is at schema revision {current}, the backup at {revision}: restore "
            "into a new, empty database (then run `reloop db upgrade`)"
        )


def _check_tables(
    conn: Connection, expected: set[str], *, columns: dict[str, set[str]] | None = None
) -> None:
    inspector = inspect(conn)
    found = set(inspector.get_table_names()) - {"alembic_version"}
    if found != expected:
        missing, extra = sorted(expected - found), sorted(found - expected)
        raise BackupError(
            f"the database's tables differ from the backup's: missing {missing or 'none'}, "
            f"not in the backup {extra or 'none'}"
        )
    for name, wanted in (columns or {}).items():
        have = {c["name"] for c in inspector.get_columns(name)}
        if have != wanted:
            raise BackupError(f"table {name}: columns differ from the backup's ({sorted(wanted ^ have)})")


def _reset_sequences(conn: Connection, manifest: Manifest) -> None:
    """Make new ids continue after the restored ones (PostgreSQL sequences)."""
    if conn.dialect.name != "postgresql":
        return  # SQLite's INTEGER PRIMARY KEY takes max(rowid) + 1 by itself
    quote = conn.dialect.identifier_preparer.quote
    for entry in manifest.tables:
        if len(entry.primary_key) != 1 or dict(entry.columns)[entry.primary_key[0]] != "int":
            continue
        column = entry.primary_key[0]
        sequence = conn.execute(
            text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": quote(entry.name), "c": column}
        ).scalar()
        if sequence:
            # Identifiers cannot be bound parameters; both are the app's own table and
            # column names (the manifest is checked against the models) quoted by the dialect.
            sql = (
                f"SELECT setval(:s, COALESCE((SELECT MAX({quote(column)}) FROM "  # nosec B608
                f"{quote(entry.name)}), 0) + 1, false)"
            )
            conn.execute(text(sql), {"s": sequence})


def _revision(conn: Connection) -> str:
    try:
        return str(conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one())
    except DBAPIError:
        raise BackupError("the database has no schema revision: run `reloop db upgrade` first") from None


@contextmanager
def _snapshot(engine: Engine) -> Iterator[Connection]:
    """A read-only transaction that sees one moment of the whole database."""
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql("SET TRANSACTION READ ONLY")
            yield conn


def _engine(url: str, *, writer: bool = False) -> Engine:
    """An engine of its own: on SQLite, with real transactions (DDL included)."""
    url = normalise_database_url(url)
    if not url.startswith("sqlite"):
        return create_engine(url, poolclass=NullPool)
    engine = create_engine(url, poolclass=NullPool, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        # pysqlite opens transactions only before DML, and so would commit a restore's
        # DROP TRIGGER on its own; BEGIN is emitted below instead (SQLAlchemy's recipe).
        dbapi_connection.isolation_level = None
        dbapi_connection.execute("PRAGMA foreign_keys = ON")

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if writer else "BEGIN")

    return engine
