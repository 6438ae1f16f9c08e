"""Tables of the cascade area: product specs, regrouping proposals, cascade products,
their source units, customer orders, shipments, health readings and take-backs.

Custody itself lives in the battery log (``regrouped``, ``cascade_shipped``,
``cascade_retired``, ``recycled`` events); these rows hold what the log does not:
the spec a product was built to, its calibrated ratings and spreads, its label, who
ordered it, where it was deployed and how it fares in service. Amounts are integers
in the unit their name says (mAh, mV, Wh, grams, µΩ, basis points = 0.01 %).
Every table carries the ``org_id`` of the organisation whose workshop made the row,
as the other owned tables do (migration 0026 filled it for rows made before).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON
from sqlmodel import Field, SQLModel

from webapp.models._types import UTCDateTime, utcnow


class ProductSpec(SQLModel, table=True):
    """What a cascade product is built to: chemistry, S×P, target rating, spread limits."""

    __tablename__ = "cascade_product_spec"

    id: int | None = Field(default=None, primary_key=True)
    org_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    name: str = Field(max_length=80, unique=True)
    product_type: str = Field(default="", max_length=80)  # e.g. 储能电池包 (label: product type)
    chemistry: str = Field(max_length=1)  # GB/T 34014 battery type letter
    series_count: int = Field(ge=1)
    parallel_count: int = Field(default=1, ge=1)
    target_capacity_mah: int = Field(ge=0)
    nominal_voltage_mv: int = Field(ge=0)
    max_capacity_spread_bp: int = Field(ge=0)  # basis points: 300 = 3.00 %
    max_resistance_spread_bp: int = Field(ge=0)
    max_ocv_spread_mv: int = Field(ge=0)
    warranty_months: int = Field(default=36, ge=0)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    @property
    def units_per_product(self) -> int:
        """Units (modules or cells) in one product: S × P."""
        return self.series_count * self.parallel_count


class RegroupProposal(SQLModel, table=True):
    """A run of the regrouping engine, possibly edited by hand, until confirmed.

    ``groups`` is a list of lists of unit codes; ``leftover`` a list of
    ``{"code", "reason"}``. A confirmed proposal is kept as the record of what was built.
    """

    __tablename__ = "cascade_regroup_proposal"

    id: int | None = Field(default=None, primary_key=True)
    org_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    spec_id: int = Field(foreign_key="cascade_product_spec.id", index=True)
    status: str = Field(default="proposed", max_length=16)  # proposed | confirmed
    engine_status: str = Field(default="", max_length=16)  # optimal | feasible | greedy
    solve_ms: int = Field(default=0, ge=0)
    groups: list[Any] = Field(default_factory=list, sa_type=JSON)
    leftover: list[Any] = Field(default_factory=list, sa_type=JSON)
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    confirmed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class CascadeProduct(SQLModel, table=True):
    """A cascade-use product (梯次利用产品): its codes, spec, calibrated rating, spreads, label."""

    __tablename__ = "cascade_product"

    id: int | None = Field(default=None, primary_key=True)
    org_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    code: str = Field(max_length=24, unique=True, index=True)
    short_code: str = Field(max_length=19, unique=True, index=True)
    spec_id: int = Field(foreign_key="cascade_product_spec.id", index=True)
    proposal_id: int | None = Field(default=None, foreign_key="cascade_regroup_proposal.id")
    regroup_event_id: str = Field(max_length=64)
    chemistry: str = Field(max_length=1)
    rated_capacity_mah: int = Field(ge=0)
    rated_energy_wh: int = Field(ge=0)
    nominal_voltage_mv: int = Field(ge=0)
    capacity_spread_bp: int = Field(ge=0)
    resistance_spread_bp: int = Field(ge=0)
    ocv_spread_mv: int = Field(ge=0)
    eol_equipment: str = Field(default="", max_length=120)
    eol_tested_at: datetime = Field(sa_type=UTCDateTime)
    mass_g: int = Field(default=0, ge=0)
    warranty_months: int = Field(default=36, ge=0)
    producer: str = Field(max_length=120)
    label: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    built_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    built_by_id: int | None = Field(default=None, foreign_key="user.id")


class ProductUnit(SQLModel, table=True):
    """One source unit of a product with the test values it was matched on.

    ``unit_code`` is unique: a unit goes into one product, ever.
    """

    __tablename__ = "cascade_product_unit"

    id: int | None = Field(default=None, primary_key=True)
    org_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    product_id: int = Field(foreign_key="cascade_product.id", index=True)
    unit_code: str = Field(max_length=24, unique=True, index=True)
    position: int = Field(ge=0)
    grade: str = Field(default="", max_length=32)
    capacity_mah: int = Field(ge=0)
    dcir_uohm: int = Field(ge=0)
    ocv_mv: int = Field(ge=0)
    soh_permille: int | None = Field(default=None, ge=0, le=1000)


class CustomerOrder(SQLModel, table=True):
    """A customer's order of cascade products for one application."""

    __tablename__ = "cascade_order"

    id: int | None = Field(default=None, primary_key=True)
    org_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    customer: str = Field(max_length=120, index=True)
    application: str = Field(max_length=40)
    spec_id: int | None = Field(default=None, foreign_key="cascade_product_spec.id")
    quantity: int = Field(ge=1)
    site: str = Field(default="", max_length=120)
    note: str = Field(default="", max_length=500)
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Shipment(SQLModel, table=True):
    """A product shipped (出库) on an order to its deployment site, with its warranty end."""

    __tablename__ = "cascade_shipment"

    id: int | None = Field(default=None, primary_key=True)
    org_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    order_id: int = Field(foreign_key="cascade_order.id", index=True)
    product_id: int = Field(foreign_key="cascade_product.id", unique=True)
    event_id: str = Field(max_length=64)
    site: str = Field(max_length=120)
    shipped_at: datetime = Field(sa_type=UTCDateTime)
    warranty_until: date
    shipped_by_id: int | None = Field(default=None, foreign_key="user.id")


class HealthReading(SQLModel, table=True):
    """A periodic health reading posted by the customer's system; idempotent by ``reading_id``.

    ``anomaly`` is set when it arrived: ``soh_fall`` (SOH fell too fast since the
    previous reading) or ``over_temperature``.
    """

    __tablename__ = "cascade_health_reading"

    id: int | None = Field(default=None, primary_key=True)
    org_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    reading_id: str = Field(max_length=64, unique=True, index=True)
    product_code: str = Field(max_length=24, index=True)
    taken_at: datetime = Field(sa_type=UTCDateTime, index=True)
    soh_permille: int = Field(ge=0, le=1000)
    cycles: int = Field(ge=0)
    max_temperature_dc: int  # tenths of a degree Celsius
    alarms: list[Any] = Field(default_factory=list, sa_type=JSON)
    body_sha256: str = Field(max_length=64)
    anomaly: str | None = Field(default=None, max_length=32)
    token_id: int | None = Field(default=None, foreign_key="api_token.id")
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class TakeBack(SQLModel, table=True):
    """A product taken back at the end of its second life and recycled."""

    __tablename__ = "cascade_take_back"

    id: int | None = Field(default=None, primary_key=True)
    org_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    product_id: int = Field(foreign_key="cascade_product.id", unique=True)
    retired_event_id: str = Field(max_length=64)
    recycled_event_id: str = Field(max_length=64)
    reason: str = Field(default="", max_length=200)
    input_mass_g: int = Field(ge=0)
    outputs: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    taken_back_at: datetime = Field(sa_type=UTCDateTime)
    taken_back_by_id: int | None = Field(default=None, foreign_key="user.id")
