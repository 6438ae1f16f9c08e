"""The cascade-use workshop's indicators (梯次利用车间), from the log and the cascade tables.

- packs received: packs (GB/T 34014 type ``P``, not cascade products) received by the
  enterprise in the period; units tested: units with a residual-capacity test in it;
- to cascade use / to recycling: units named as sources of a regrouping in the period,
  and batteries recycled in it; their share;
- kWh given a second life: rated energy of the products built in the period;
- products built in the period, in service now, taken back in the period;
- average capacity spread of the products built in the period (basis points).

Every count drills down to its records (drill kind ``workshop`` with ``which``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from webapp.metrics.figures import Drill, Figure, MetricsInputError, Ratio, Scope
from webapp.models import Battery, TraceEventRow
from webapp.models.cascade import CascadeProduct, TakeBack

WHICH = ("received", "tested", "cascade", "recycling", "built", "in_service", "taken_back")


@dataclass(frozen=True)
class WorkshopIndicators:
    """Figures of the cascade-use workshop for one scope."""

    packs_received: Figure
    units_tested: Figure
    to_cascade: Figure
    to_recycling: Figure
    cascade_share: Ratio
    second_life_wh: Figure
    products_built: Figure
    in_service: Figure
    taken_back: Figure
    average_spread: Ratio  # capacity spread, basis points per product

    def to_json(self) -> dict[str, Any]:
        return {
            "packs_received": self.packs_received.to_json(),
            "units_tested": self.units_tested.to_json(),
            "to_cascade": self.to_cascade.to_json(),
            "to_recycling": self.to_recycling.to_json(),
            "cascade_share": self.cascade_share.to_json(),
            "second_life_wh": self.second_life_wh.to_json(),
            "products_built": self.products_built.to_json(),
            "in_service": self.in_service.to_json(),
            "taken_back": self.taken_back.to_json(),
            "average_capacity_spread_bp": self.average_spread.to_json(),
        }


def _events(session: Session, scope: Scope, kind: str) -> list[Any]:
    """The entries of ``kind`` in the period, oldest first: code, id and time (and a
    regrouping's payload)."""
    where = [
        TraceEventRow.kind == kind,
        col(TraceEventRow.occurred_at) >= scope.start_utc,
        col(TraceEventRow.occurred_at) < scope.end_utc,
        col(TraceEventRow.corrects).is_(None),
    ]
    if scope.org_id is not None:
        where.append(TraceEventRow.org_id == scope.org_id)
    # Plain columns, the payload only where a figure reads it: a year holds thousands of
    # receipts and tests, and decoding each one's JSON was most of this module's time.
    columns = [TraceEventRow.battery_code, TraceEventRow.event_id, TraceEventRow.occurred_at]
    if kind == "regrouped":
        columns.append(TraceEventRow.payload)
    return list(session.execute(select(*columns).where(*where).order_by(col(TraceEventRow.seq))).all())


def _built(session: Session, scope: Scope) -> list[CascadeProduct]:
    where = [col(CascadeProduct.built_at) >= scope.start_utc, col(CascadeProduct.built_at) < scope.end_utc]
    query = select(CascadeProduct).where(*where, *_owned(scope)).order_by(col(CascadeProduct.id))
    return list(session.exec(query).all())


def _owned(scope: Scope) -> list[Any]:
    """The products of the scope's organisation (all of them when it names none)."""
    return [] if scope.org_id is None else [CascadeProduct.org_id == scope.org_id]


def _records(session: Session, scope: Scope, which: str) -> list[dict[str, Any]]:
    """The records behind one figure, one dict per record."""
    if which in ("received", "tested", "recycling"):
        kind = {"received": "received_by_enterprise", "tested": "capacity_tested", "recycling": "recycled"}[
            which
        ]
        rows, seen = [], set()
        for e in _events(session, scope, kind):
            if e.battery_code in seen or (which == "received" and e.battery_code[3:4] != "P"):
                continue
            seen.add(e.battery_code)
            rows.append({"code": e.battery_code, "event_id": e.event_id, "occurred_at": e.occurred_at})
        if which == "received":
            products = set(session.exec(select(CascadeProduct.code)).all())
            rows = [r for r in rows if r["code"] not in products]
        return rows
    if which == "cascade":
        return [
            {"code": code, "product": e.battery_code, "event_id": e.event_id, "occurred_at": e.occurred_at}
            for e in _events(session, scope, "regrouped")
            for code in e.payload.get("sources", [])
        ]
    if which == "built":
        return [_product(p) for p in _built(session, scope)]
    if which == "in_service":
        codes = session.exec(
            select(Battery.code).where(
                Battery.status == "in_service", col(Battery.is_cascade_product).is_(True)
            )
        ).all()
        found = session.exec(
            select(CascadeProduct).where(col(CascadeProduct.code).in_(list(codes)), *_owned(scope))
        ).all()
        return [_product(p) for p in sorted(found, key=lambda p: p.id or 0)]
    if which == "taken_back":
        rows = session.exec(
            select(TakeBack, CascadeProduct)
            .join(CascadeProduct, col(CascadeProduct.id) == TakeBack.product_id)
            .where(
                col(TakeBack.taken_back_at) >= scope.start_utc,
                col(TakeBack.taken_back_at) < scope.end_utc,
                *_owned(scope),
            )
        ).all()
        return [
            {"code": p.code, "taken_back_at": t.taken_back_at, "input_mass_g": t.input_mass_g, **t.outputs}
            for t, p in rows
        ]
    raise MetricsInputError("which", f"unknown workshop figure {which!r}; known: {', '.join(WHICH)}")


def _product(p: CascadeProduct) -> dict[str, Any]:
    return {
        "code": p.code,
        "short_code": p.short_code,
        "built_at": p.built_at,
        "rated_energy_wh": p.rated_energy_wh,
        "capacity_spread_bp": p.capacity_spread_bp,
    }


def compute(session: Session, scope: Scope) -> WorkshopIndicators:
    """Every figure of the workshop for ``scope``."""

    def count(which: str) -> Figure:
        return Figure(len(_records(session, scope, which)), "count", Drill.of("workshop", scope, which=which))

    built = _built(session, scope)
    built_drill = Drill.of("workshop", scope, which="built")
    to_cascade, to_recycling = count("cascade"), count("recycling")
    return WorkshopIndicators(
        packs_received=count("received"),
        units_tested=count("tested"),
        to_cascade=to_cascade,
        to_recycling=to_recycling,
        cascade_share=Ratio(to_cascade, Figure(to_cascade.value + to_recycling.value, "count")),
        second_life_wh=Figure(sum(p.rated_energy_wh for p in built), "Wh", built_drill),
        products_built=Figure(len(built), "count", built_drill),
        in_service=count("in_service"),
        taken_back=count("taken_back"),
        average_spread=Ratio(
            Figure(sum(p.capacity_spread_bp for p in built), "bp", built_drill),
            Figure(len(built), "count", built_drill),
        ),
    )


def drill(session: Session, scope: Scope, params: dict[str, str], offset: int, limit: int) -> Any:
    """The records of one workshop figure (``which``), a page of them and their count."""
    rows = _records(session, scope, params.get("which", "built"))
    sums: dict[str, int] = {"count": len(rows)}
    if params.get("which", "built") in ("built", "in_service"):
        sums["Wh"] = sum(r["rated_energy_wh"] for r in rows)
        sums["bp"] = sum(r["capacity_spread_bp"] for r in rows)
    return rows[offset : offset + limit], sums
