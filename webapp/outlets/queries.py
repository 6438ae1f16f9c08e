"""Finding outlets: the list's search, filters and pages, and the map's GeoJSON."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import String, and_, func, or_, type_coerce
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, select

from webapp.models import Material, Outlet, OutletKind, OutletMaterial, OutletStatus

FILTER_KEYS = ("q", "district", "kind", "status", "material", "due")
# ``Outlet.due`` in SQL: active and the latest fill at or over the threshold (NULL when never read).
DUE = and_(Outlet.status == OutletStatus.ACTIVE, Outlet.last_fill_pct >= Outlet.fill_threshold_pct)  # type: ignore[operator]


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
        raw = {
            "q": self.q,
            "district": self.district,
            "kind": self.kind,
            "status": self.status,
            "material": self.material,
            "due": "1" if self.due else "",
        }
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
        where.append(
            or_(
                func.lower(Outlet.code).like(like),
                func.lower(Outlet.name).like(like),
                func.lower(Outlet.address).like(like),
            )
        )
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
        where.append(DUE)
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


# What the map draws of each outlet: plain columns (enums as their stored text), not
# Outlet objects, which cost more to build than the query and the JSON together.
_MAP_COLUMNS = (
    Outlet.id,
    Outlet.lon,
    Outlet.lat,
    Outlet.code,
    Outlet.name,
    type_coerce(Outlet.kind, String),
    type_coerce(Outlet.status, String),
    Outlet.district,
    Outlet.last_fill_pct,
    func.coalesce(DUE, False),
)
_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def geojson(
    session: Session,
    filters: OutletFilters,
    bbox: tuple[float, float, float, float] | None,
    *,
    limit: int = 20_000,
) -> bytes:
    """Outlets as a GeoJSON FeatureCollection for the map, as UTF-8 JSON."""
    where = conditions(filters)
    if bbox is not None:
        west, south, east, north = bbox
        where += [Outlet.lon.between(west, east), Outlet.lat.between(south, north)]  # type: ignore[attr-defined]
    rows = session.exec(select(*_MAP_COLUMNS).where(*where).order_by(Outlet.id).limit(limit)).all()  # type: ignore[call-overload]
    features = ",".join(_feature(tuple(row)) for row in rows)
    return f'{{"type":"FeatureCollection","features":[{features}]}}'.encode()


@lru_cache(maxsize=20_000)
def _feature(row: tuple[Any, ...]) -> str:
    """One outlet's GeoJSON feature, remembered by its row.

    Between two map moves almost every outlet is unchanged, so encoding is skipped for
    them; an outlet that changed (a new fill reading) is a new row, never a stale feature.
    """
    oid, lon, lat, code, name, kind, status, district, fill_pct, due = row
    feature = {
        "type": "Feature",
        "id": oid,
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {
            "code": code,
            "name": name,
            "kind": kind,
            "status": status,
            "district": district,
            "fill_pct": fill_pct,
            "due": bool(due),
        },
    }
    return _ENCODE(feature)
