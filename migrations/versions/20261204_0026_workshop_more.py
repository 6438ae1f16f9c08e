"""workshop and cascade additions (issue 13): inspections as log events, org_id on the
cascade tables

- ``inspection.event_id``: the ``inspected`` log event written with each inspection
  from now on (inspections made before keep NULL: the log cannot be back-dated).
- ``org_id`` on every cascade table, like the other owned tables. Existing rows are
  filled from what already says whose they are: a product, shipment or take-back from
  the organisation that recorded its log event; a proposal or order from the
  organisation of the user who made it; a product's units and health readings from
  the product; a spec from the products built to it. Whatever is still unknown goes
  to the one organisation when the database holds exactly one.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

CASCADE_TABLES = (
    "cascade_product_spec",
    "cascade_regroup_proposal",
    "cascade_product",
    "cascade_product_unit",
    "cascade_order",
    "cascade_shipment",
    "cascade_health_reading",
    "cascade_take_back",
)

# Each statement fills org_id where it is still NULL, most direct source first.
_FILL = (
    "UPDATE cascade_product SET org_id = (SELECT e.org_id FROM trace_event e "
    "WHERE e.event_id = cascade_product.regroup_event_id) WHERE org_id IS NULL",
    'UPDATE cascade_product SET org_id = (SELECT u.org_id FROM "user" u '
    "WHERE u.id = cascade_product.built_by_id) WHERE org_id IS NULL",
    "UPDATE cascade_shipment SET org_id = (SELECT e.org_id FROM trace_event e "
    "WHERE e.event_id = cascade_shipment.event_id) WHERE org_id IS NULL",
    "UPDATE cascade_take_back SET org_id = (SELECT e.org_id FROM trace_event e "
    "WHERE e.event_id = cascade_take_back.retired_event_id) WHERE org_id IS NULL",
    'UPDATE cascade_regroup_proposal SET org_id = (SELECT u.org_id FROM "user" u '
    "WHERE u.id = cascade_regroup_proposal.created_by_id) WHERE org_id IS NULL",
    'UPDATE cascade_order SET org_id = (SELECT u.org_id FROM "user" u '
    "WHERE u.id = cascade_order.created_by_id) WHERE org_id IS NULL",
    "UPDATE cascade_product_unit SET org_id = (SELECT p.org_id FROM cascade_product p "
    "WHERE p.id = cascade_product_unit.product_id) WHERE org_id IS NULL",
    "UPDATE cascade_health_reading SET org_id = (SELECT p.org_id FROM cascade_product p "
    "WHERE p.code = cascade_health_reading.product_code) WHERE org_id IS NULL",
    "UPDATE cascade_product_spec SET org_id = (SELECT MIN(p.org_id) FROM cascade_product p "
    "WHERE p.spec_id = cascade_product_spec.id) WHERE org_id IS NULL",
)


def upgrade() -> None:
    op.add_column(
        "inspection",
        sa.Column("event_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    )
    for table in CASCADE_TABLES:
        # Inline REFERENCES: SQLite adds the column without copying the table.
        op.add_column(
            table,
            sa.Column("org_id", sa.Integer(), sa.ForeignKey("organisation.id"), nullable=True),
            inline_references=True,
        )
        op.create_index(op.f(f"ix_{table}_org_id"), table, ["org_id"], unique=False)
    for statement in _FILL:
        op.execute(sa.text(statement))
    only = op.get_bind().execute(sa.text("SELECT MIN(id), COUNT(*) FROM organisation")).one()
    if only[1] == 1:
        for table in CASCADE_TABLES:
            fill = sa.text(f"UPDATE {table} SET org_id = :org WHERE org_id IS NULL")  # nosec B608 # fixed names
            op.execute(fill.bindparams(org=only[0]))


def downgrade() -> None:
    for table in reversed(CASCADE_TABLES):
        op.drop_index(op.f(f"ix_{table}_org_id"), table_name=table)
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("org_id")
    # Not batch: copying the append-only table would drop its triggers.
    op.drop_column("inspection", "event_id")
