"""Database triggers that make the records of custody and money append-only.

The one mechanism for every append-only table, on SQLite and PostgreSQL alike:
once the triggers exist, UPDATE, DELETE (and TRUNCATE) on these tables fail in the
database itself, whatever code (or person with a SQL prompt) tries. Corrections are
new rows. Installed by the migrations (0002 for the battery log, 0009 for the rest);
test cleanup and ``reloop restore`` lift them for one transaction with :func:`drop`
and put them back with :func:`create`.

SQLite needs more than UPDATE and DELETE triggers: ``INSERT OR REPLACE`` (and
``REPLACE INTO``) deletes the row it conflicts with without firing DELETE triggers
unless ``recursive_triggers`` is on. A BEFORE INSERT trigger per table refuses any
insert that would collide with an existing row on the primary key or a unique index,
so a replace can never remove a row, whatever the connection's pragmas; a plain
duplicate insert still fails as an integrity error, as it would have anyway.
PostgreSQL has no REPLACE, and its ``ON CONFLICT DO UPDATE`` and ``MERGE`` fire the
UPDATE and DELETE triggers.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.engine import Connection

# The battery log (migration 0002).
LOG_TABLES = ("trace_event", "merkle_node", "tree_head", "trace_report")
# Records that carry money or custody, histories and the change log (migration 0009),
# and the regulator's follow-up trail of anomalies (migration 0013).
RECORD_TABLES = (
    "collection",
    "collection_weight",
    "emission_factor",
    "subsidy_rate",
    "audit_record",
    "anomaly_follow_up",
    # The cascade-use workshop's inspections, tests, grade rules, grades, disassemblies (0014).
    "inspection",
    "test_record",
    "grade_rule_set",
    "grade_rule",
    "unit_grade",
    "disassembly",
    "disassembly_part",
    # Residents' booking status history (migration 0018).
    "booking_event",
    # Weighbridge weigh-ins, tickets and the drivers' unload visits (migration 0016).
    "weigh_in",
    "weigh_ticket",
    "unload_visit",
    # Residents' prices, points ledger, kiosk deposits and redemptions (migration 0019).
    "resident_price",
    "points_entry",
    "kiosk_deposit",
    "deposit_review",
    "reward_stock_move",
    "redemption",
    "payable",
    "reward_version",
    "payable_payment",
    # Sorting batches, graded stock movements, transfers, buyer prices and sales (migration 0017).
    "sorting_batch",
    "stock_transfer",
    "buyer_price",
    "sale",
    "stock_movement",
    "sale_delivery",
    "sale_invoice",
    # Cancelled weigh-ins and tickets, facilities' tolerance history (migration 0025).
    "weigh_in_cancel",
    "weigh_ticket_cancel",
    "facility_tolerance",
    # Buyers' licences kept as history (migration 0028).
    "buyer_licence",
)
TABLES = LOG_TABLES + RECORD_TABLES

# "%%" because the driver reads "%" as a parameter marker.
_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION reloop_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '%% is append-only: corrections are new rows', TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql
"""


def create(connection: Connection, tables: Sequence[str] = TABLES) -> None:
    """Create the triggers on ``tables`` (default: every append-only table)."""
    if connection.dialect.name == "sqlite":
        statements = [s for table in tables for s in _sqlite_create(connection, table)]
    else:
        statements = [_PG_FUNCTION, *(s for table in tables for s in _pg_create(table))]
    for statement in statements:
        connection.exec_driver_sql(statement)


def drop(connection: Connection, tables: Sequence[str] = TABLES) -> None:
    """Remove the triggers from ``tables``; the PostgreSQL function goes with the last of them."""
    if connection.dialect.name == "sqlite":
        for table in tables:
            for suffix in ("no_update", "no_delete", "no_replace"):
                connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_{suffix}")
        return
    for table in tables:
        connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
    remaining = connection.exec_driver_sql(
        "SELECT count(*) FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid "
        "WHERE p.proname = 'reloop_append_only'"
    ).scalar()
    if not remaining:
        connection.exec_driver_sql("DROP FUNCTION IF EXISTS reloop_append_only()")


def _pg_create(table: str) -> list[str]:
    return [
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION reloop_append_only()",
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION reloop_append_only()",
    ]


def _sqlite_create(connection: Connection, table: str) -> list[str]:
    refuse = f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: corrections are new rows'); END"
    collisions = " OR ".join(
        # Table and column names come from the database's own catalogue, never from input.
        f"EXISTS (SELECT 1 FROM {table} WHERE {' AND '.join(f'{c} = NEW.{c}' for c in key)})"  # nosec B608
        for key in unique_keys(connection, table)
    )
    statements = [
        f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} {refuse}",
        f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} {refuse}",
    ]
    if collisions:
        statements.append(
            f"CREATE TRIGGER {table}_no_replace BEFORE INSERT ON {table} WHEN {collisions} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: a row with this key exists, "
            "and stored rows are never replaced'); END"
        )
    return statements


def unique_keys(connection: Connection, table: str) -> list[tuple[str, ...]]:
    """The primary key and the full (not partial) unique indexes of a SQLite table.

    Read from the database rather than listed here, so a unique column added later is
    guarded as soon as the triggers are re-created.
    """
    info = connection.exec_driver_sql(f"PRAGMA table_info({table})").all()
    primary = tuple(name for _cid, name, *_rest, pk in sorted(info, key=lambda r: r[-1]) if pk)
    keys = [primary] if primary else []
    for _seq, name, unique, _origin, partial in connection.exec_driver_sql(f"PRAGMA index_list({table})"):
        if unique and not partial:
            columns = connection.exec_driver_sql(f"PRAGMA index_info({name})").all()
            key = tuple(column for _n, _cid, column in sorted(columns))
            if key and None not in key and key not in keys:
                keys.append(key)
    return keys
