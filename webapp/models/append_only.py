"""Database triggers that make the battery log append-only on SQLite and PostgreSQL.

Used by the migration that creates them, and by nothing at run time: once they
exist, UPDATE and DELETE on these tables fail in the database itself, whatever
code (or person with a SQL prompt) tries.
"""

from __future__ import annotations

from sqlalchemy.engine import Connection

TABLES = ("trace_event", "merkle_node", "tree_head", "trace_report")

# "%%" because the driver reads "%" as a parameter marker.
_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION reloop_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '%% is append-only: corrections are new rows', TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql
"""


def create_sql(dialect: str) -> list[str]:
    """Statements creating the triggers for ``dialect`` ("sqlite" or "postgresql")."""
    if dialect == "sqlite":
        return [
            f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: corrections are new rows'); END"
            for table in TABLES
            for op in ("UPDATE", "DELETE")
        ]
    statements = [_PG_FUNCTION]
    for table in TABLES:
        statements.append(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION reloop_append_only()"
        )
        statements.append(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION reloop_append_only()"
        )
    return statements


def drop_sql(dialect: str) -> list[str]:
    """Statements removing the triggers (migration downgrade)."""
    if dialect == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {t}_no_{op}" for t in TABLES for op in ("update", "delete")]
    statements = []
    for table in TABLES:
        statements.append(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        statements.append(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
    statements.append("DROP FUNCTION IF EXISTS reloop_append_only()")
    return statements


def create(connection: Connection) -> None:
    """Create the triggers on this connection's database."""
    for statement in create_sql(connection.dialect.name):
        connection.exec_driver_sql(statement)


def drop(connection: Connection) -> None:
    """Remove the triggers."""
    for statement in drop_sql(connection.dialect.name):
        connection.exec_driver_sql(statement)
