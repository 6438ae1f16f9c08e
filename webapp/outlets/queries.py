"""Finding outlets: the list's search, filters and pages, and the map's GeoJSON."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, or_
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, select

from webapp.models import Material, Outlet, OutletKind, OutletMaterial, OutletStatus

FILTER_KEYS = ("q", "district", "kind", "status", "material", "due")


@dataclass(frozen=True)
class OutletFilters:
    """The list's filters as the user set them (unknown values are dropped)."""

    q: str = ""
    district: str = ""
    kind: str = ""
    status: str = ""
    material: str = ""
    due: bool = False

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> OutletFilters:
        kind = args.get("kind", "")
        status = args.get("status", "")
        return cls(
            q=args.get("q", "").strip()[:100],
            district=args.get("district", "")[:32],
            kind=kind if kind in {k.value for k in OutletKind} else "",
            status=status if status in {s.value for s in OutletStatus} else "",
            material=args.get("material", "")[:40],
            due=args.get("due") in ("1", "on", "true"),
        )

    def args(self) -> dict[str, str]:
        """Query-string form, without empty filters (for paging links)."""
        raw = {"q": self.q, "district": self.district, "kind": self.kind,
               "status": self.status, "material": self.material, "due": "1" if self.due else ""}
        return {k: v for k, v in raw.items() if v}


@dataclass(frozen=True)
class Page:
    """One page of outlets and where it sits in the whole result."""

    items: list[Outlet]
    number: int
    size: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.size))


def conditions(filters: OutletFilters) -> list[ColumnElement[bool]]:
    """SQL conditions for the filters."""
    where: list[ColumnElement[bool]] = []
    if filters.q:
        like = f"%{filters.q.lower()}%"
        where.append(or_(func.lower(Outlet.code).like(like), func.lower(Outlet.name).like(like),
                         func.lower(Outlet.address).like(like)))
    if filters.district:
        where.append(Outlet.district == filters.district)
    if filters.kind:
        where.append(Outlet.kind == OutletKind(filters.kind))
    if filters.status:
        where.append(Outlet.status == OutletStatus(filters.status))
    if filters.material:
        accepted = (
            select(OutletMaterial.outlet_id)
            .join(Material, Material.id == OutletMaterial.material_id)  # type: ignore[arg-type]
            .where(Material.code == filters.material)
        )
        where.append(Outlet.id.in_(accepted))  # type: ignore[union-attr]
    if filters.due:
        where.append(and_(Outlet.status == OutletStatus.ACTIVE,
                          Outlet.last_fill_pct >= Outlet.fill_threshold_pct))  # type: ignore[operator]
    return where


def search(session: Session, filters: OutletFilters, *, page: int, size: int) -> Page:
    """A page of outlets matching the filters, ordered by code."""
    where = conditions(filters)
    total = session.exec(select(func.count()).select_from(Outlet).where(*where)).one()
    pages = max(1, math.ceil(total / size))
    page = min(max(1, page), pages)
    items = session.exec(
        select(Outlet).where(*where).order_by(Outlet.code).offset((page - 1) * size).limit(size)
    ).all()
    return Page(items=list(items), number=page, size=size, total=total)


class BBoxError(ValueError):
    """The bbox parameter is malformed."""


def parse_bbox(text: str | None) -> tuple[float, float, float, float] | None:
    """``west,south,east,north`` in degrees, or None when absent."""
    if not text:
        return None
    parts = text.split(",")
    try:
        west, south, east, north = (float(p) for p in parts)
    except ValueError:
        raise BBoxError("bbox must be four numbers: west,south,east,north") from None
    if not all(math.isfinite(v) for v in (west, south, east, north)) or west > east or south > north:
        raise BBoxError("bbox must be west,south,east,north with west <= east and south <= north")
    return west, south, east, north


def geojson(session: Session, filters: OutletFilters,
            bbox: tuple[float, float, float, float] | None, *, limit: int = 20_000) -> dict[str, Any]:
    """Outlets as a GeoJSON FeatureCollection for the map."""
    where = conditions(filters)
    if bbox is not None:
        west, south, east, north = bbox
        where += [Outlet.lon.between(west, east), Outlet.lat.between(south, north)]  # type: ignore[attr-defined]
    rows = session.exec(select(Outlet).where(*where).order_by(Outlet.id).limit(limit)).all()
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": o.id,
                "geometry": {"type": "Point", "coordinates": [o.lon, o.lat]},
                "properties": {
                    "code": o.code, "name": o.name, "kind": o.kind.value, "status": o.status.value,
                    "district": o.district, "fill_pct": o.last_fill_pct, "due": o.due,
                },
            }
            for o in rows
        ],
    }
