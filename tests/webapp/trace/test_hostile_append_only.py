"""Hostile writes against the append-only tables: REPLACE, UPSERT, UPDATE and DELETE all fail.

Every statement runs on a real database through SQLAlchemy Core, the way a script or a
SQL prompt would, and the stored row must be the same afterwards. On SQLite the
connection's ``recursive_triggers`` is switched off first, so the triggers alone must
refuse ``INSERT OR REPLACE`` (a raw ``sqlite3`` session has it off).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Table, delete, insert, update
from sqlalchemy import select as core_select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, SQLModel, select

from tests.webapp.driver.conftest import make_day
from tests.webapp.trace.conftest import Recorder, to_enterprise
from webapp.changelog import record as record_change
from webapp.metrics.factors import add_rate, seed_factors
from webapp.models import Collection, CollectionOutcome, CollectionWeight, Material, append_only
from webapp.trace import keys
from webapp.trace.reports import record_reports
from webapp.trace.treeheads import issue_tree_head

ATTACKS = ("insert_or_replace", "upsert", "update", "delete")
# A column each attack tries to change, and the forged value.
FORGED: dict[str, tuple[str, Any]] = {
    "trace_event": ("location", "FORGED"),
    "merkle_node": ("digest", "f" * 64),
    "tree_head": ("log_id", "forged"),
    "trace_report": ("reference", "forged"),
    "emission_factor": ("kg_co2e_per_t", 1),
    "subsidy_rate": ("fen", 1),
    "audit_record": ("action", "forged"),
    "collection": ("note", "forged"),
    "collection_weight": ("grams", 1),
}


def _fill_log_and_histories(app: Flask, db: Session, record: Recorder) -> None:
    record(to_enterprise())
    with app.app_context():
        issue_tree_head(db, keys.signing_key())
    record_reports(db, ["ev-0123-0"], reported_at=datetime.now(UTC), reference="R-1", actor_id=None)
    seed_factors(db)
    add_rate(db, kind="new_outlet", fen=100_000, basis="test", valid_from=date(2026, 1, 1))
    db.commit()
    material = db.exec(select(Material)).first()
    assert material is not None
    record_change(db, "create", material, after={"code": material.code})
    db.commit()


def _attack(conn: Connection, table: Table, attack: str) -> None:
    column, forged = FORGED[table.name]
    row = dict(conn.execute(core_select(table).limit(1)).mappings().one())
    keys_ = [c.name for c in table.primary_key.columns]
    changed = row | {column: forged}
    dialect = conn.dialect.name
    if attack == "insert_or_replace":
        conn.execute(insert(table).prefix_with("OR REPLACE").values(changed))
    elif attack == "upsert":
        make = sqlite.insert if dialect == "sqlite" else postgresql.insert
        conn.execute(
            make(table).values(changed).on_conflict_do_update(index_elements=keys_, set_={column: forged})
        )
    elif attack == "update":
        conn.execute(update(table).values({column: forged}))
    else:
        conn.execute(delete(table))


def _assert_refused(app: Flask, table_name: str) -> None:
    table = SQLModel.metadata.tables[table_name]
    engine = app.extensions["reloop.engine"]
    with engine.connect() as conn:
        before = conn.execute(core_select(table)).all()
    assert before, f"no {table_name} row to attack"
    for attack in ATTACKS:
        with engine.connect() as conn:
            if conn.dialect.name == "sqlite":
                conn.exec_driver_sql("PRAGMA recursive_triggers=OFF")
                conn.commit()
            # PostgreSQL has no INSERT OR REPLACE: it refuses the statement outright.
            syntax_error = (attack, conn.dialect.name) == ("insert_or_replace", "postgresql")
            expected = None if syntax_error else "append-only"
            with pytest.raises(DBAPIError, match=expected), conn.begin():
                _attack(conn, table, attack)
            if conn.dialect.name == "sqlite":
                conn.exec_driver_sql("PRAGMA recursive_triggers=ON")
                conn.commit()
        with engine.connect() as conn:
            assert conn.execute(core_select(table)).all() == before, (table_name, attack)


@pytest.mark.parametrize(
    "table_name",
    [
        "trace_event",
        "merkle_node",
        "tree_head",
        "trace_report",
        "emission_factor",
        "subsidy_rate",
        "audit_record",
    ],
)
def test_log_and_history_tables_refuse_replace_upsert_update_and_delete(
    app: Flask, db: Session, record: Recorder, table_name: str
) -> None:
    """INSERT OR REPLACE, ON CONFLICT DO UPDATE, UPDATE and DELETE all fail and change nothing."""
    _fill_log_and_histories(app, db, record)
    _assert_refused(app, table_name)


def test_collections_and_their_weights_refuse_replace_upsert_update_and_delete(
    app: Flask, db: Session, cache_dir: Any
) -> None:
    """A stored pickup and its weights cannot be replaced, upserted, updated or deleted."""
    day = make_day(db, cache_dir)
    stop = day.stops["driver1"][0]
    row = Collection(
        client_id="hostile-1",
        stop_id=stop.id,
        route_id=stop.route_id,
        outlet_id=stop.outlet_id,
        driver_id=day.drivers["driver1"].id,
        outcome=CollectionOutcome.COLLECTED,
        total_g=12_000,
        recorded_at=datetime.now(UTC),
        body_sha256="0" * 64,
    )
    db.add(row)
    db.flush()
    material = db.exec(select(Material)).first()
    db.add(CollectionWeight(collection_id=row.id, material_id=material.id, grams=12_000))
    db.commit()
    for name in ("collection", "collection_weight"):
        _assert_refused(app, name)


def test_every_append_only_table_is_guarded_on_each_unique_key(app: Flask) -> None:
    """PostgreSQL: both triggers on every table; SQLite: the REPLACE guard covers each declared key."""
    with app.app_context(), app.extensions["reloop.engine"].connect() as conn:
        if conn.dialect.name == "postgresql":
            rows = conn.exec_driver_sql(
                "SELECT c.relname, count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE t.tgname LIKE '%%_append_only' OR t.tgname LIKE '%%_no_truncate' GROUP BY c.relname"
            ).all()
            assert dict(rows) == {name: 2 for name in append_only.TABLES}
            return
        for name in append_only.TABLES:
            table = SQLModel.metadata.tables[name]
            # A partial unique index (one record in force per stop) is no key to guard: the
            # rows it leaves out may repeat. REPLACE on it fires the DELETE trigger instead,
            # since connections run with recursive_triggers on (see the REPLACE tests above).
            declared = {tuple(c.name for c in table.primary_key.columns)} | {
                tuple(c.name for c in index.columns)
                for index in table.indexes
                if index.unique and index.dialect_options["sqlite"].get("where") is None
            }
            declared |= {
                tuple(c.name for c in constraint.columns)
                for constraint in table.constraints
                if constraint.__class__.__name__ == "UniqueConstraint"
            }
            assert declared <= set(append_only.unique_keys(conn, name)), name
