"""Outlet network indicators: active, new, co-built, outlets per 2,000 households and
the share of households within a 500 m walk of an active outlet."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlmodel import Session, func, select

from webapp.metrics import _coverage, _records
from webapp.metrics.figures import Drill, Figure, Ratio, Scope
from webapp.models import Outlet, OutletKind

#: SB/T 10719-2012: one outlet per 2,000 urban households.
HOUSEHOLDS_PER_OUTLET = 2000
WALK_RADIUS_M = 500.0


@dataclass(frozen=True)
class DistrictCoverage:
    """One district's households and how many live within the walk of an active outlet."""

    district: str
    households: int
    within: int
    outlets: Figure

    def to_json(self) -> dict[str, Any]:
        share = self.within / self.households if self.households else None
        return {
            "district": self.district,
            "households": self.households,
            "within": self.within,
            "share": None if share is None else round(share, 6),
            "outlets": self.outlets.to_json(),
        }


@dataclass(frozen=True)
class OutletIndicators:
    """The outlet network at the end of the period (``active``) and during it (``new``)."""

    active: Figure
    new: Figure
    co_built: Figure
    households: Figure
    per_2000_households: Ratio
    coverage: Ratio
    by_district: tuple[DistrictCoverage, ...]
    radius_m: float
    demand_source: str

    def to_json(self) -> dict[str, Any]:
        return {
            "active": self.active.to_json(),
            "new": self.new.to_json(),
            "co_built": self.co_built.to_json(),
            "households": self.households.to_json(),
            "per_2000_households": self.per_2000_households.to_json(),
            "coverage": self.coverage.to_json(),
            "by_district": [d.to_json() for d in self.by_district],
            "radius_m": self.radius_m,
            "demand_source": self.demand_source,
        }


def compute(session: Session, scope: Scope, *, cache_dir: Path | None) -> OutletIndicators:
    """Outlet indicators of ``scope``; coverage counts every active outlet of the
    organisation (an outlet across a district line still serves its neighbours)."""
    active_drill = Drill.of("outlets", scope, active_on=scope.end.isoformat())
    by_kind = dict(
        session.exec(
            select(Outlet.kind, func.count())
            .where(*_records.active_outlets(scope, scope.end))
            .group_by(Outlet.kind)
        ).all()
    )
    new = session.exec(select(func.count()).select_from(Outlet).where(*_records.opened_outlets(scope))).one()
    by_district = dict(
        session.exec(
            select(Outlet.district, func.count())
            .where(*_records.active_outlets(scope, scope.end))
            .group_by(Outlet.district)
        ).all()
    )
    everywhere = Scope(scope.start, scope.end, scope.org_id)
    points = session.exec(
        select(Outlet.lon, Outlet.lat).where(*_records.active_outlets(everywhere, scope.end))
    ).all()
    cover = _coverage.coverage(
        [(lon, lat) for lon, lat in points], radius_m=WALK_RADIUS_M, cache_dir=cache_dir
    )
    area = scope.district or "all"
    active = Figure(sum(by_kind.values()), "count", active_drill)
    households = Figure(cover.households.get(area, 0), "households")
    return OutletIndicators(
        active=active,
        new=Figure(new, "count", Drill.of("outlets", scope, opened=1)),
        co_built=Figure(
            by_kind.get(OutletKind.CO_BUILT, 0),
            "count",
            Drill.of(
                "outlets", scope, active_on=scope.end.isoformat(), outlet_kind=OutletKind.CO_BUILT.value
            ),
        ),
        households=households,
        per_2000_households=Ratio(active, households, HOUSEHOLDS_PER_OUTLET),
        coverage=Ratio(Figure(cover.within.get(area, 0), "households"), households),
        by_district=tuple(
            DistrictCoverage(
                code,
                cover.households.get(code, 0),
                cover.within.get(code, 0),
                Figure(
                    by_district.get(code, 0),
                    "count",
                    Drill.of(
                        "outlets",
                        Scope(scope.start, scope.end, scope.org_id, code),
                        active_on=scope.end.isoformat(),
                    ),
                ),
            )
            for code in _district_codes(cover, scope)
        ),
        radius_m=WALK_RADIUS_M,
        demand_source=cover.demand_source,
    )


def _district_codes(cover: _coverage.Coverage, scope: Scope) -> list[str]:
    if scope.district:
        return [scope.district]
    return sorted(k for k in cover.households if k not in ("all", "none"))
