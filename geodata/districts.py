"""Which district (福田区 / 南山区) a point lies in.

The OSM extract carries no administrative boundaries, so ``data/districts.geojson`` ships two
APPROXIMATE hand-drawn polygons covering the Shenzhen side of the extract: the
Futian/Nanshan line follows 侨城东路 and runs north at about lon 113.99–114.005, the south
edge follows the Shenzhen River and Shenzhen Bay border with Hong Kong. Slivers of Luohu and
Longhua inside the extract count as Futian. Replace the file with an official boundary
(same ``code``/``name_zh``/``name_en`` properties) when one is available; nothing else
needs to change.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

DISTRICTS_GEOJSON: Path = Path(__file__).resolve().parent / "data" / "districts.geojson"


class DistrictDataError(ValueError):
    """The districts GeoJSON is missing a property or holds an invalid polygon."""


@dataclass(frozen=True, slots=True)
class District:
    """A district of Shenzhen covered by the street network."""

    code: str
    name_zh: str
    name_en: str


DISTRICTS: tuple[District, ...] = (
    District(code="futian", name_zh="福田区", name_en="Futian District"),
    District(code="nanshan", name_zh="南山区", name_en="Nanshan District"),
)


@cache
def districts_geojson() -> dict[str, Any]:
    """Return the shipped district polygons as a GeoJSON FeatureCollection (WGS-84).

    Treat the result as read-only: it is shared between callers.
    """
    data: dict[str, Any] = json.loads(DISTRICTS_GEOJSON.read_text(encoding="utf-8"))
    return data


@cache
def _polygons() -> tuple[tuple[str, BaseGeometry], ...]:
    known = {d.code for d in DISTRICTS}
    result: list[tuple[str, BaseGeometry]] = []
    for feature in districts_geojson()["features"]:
        code = feature.get("properties", {}).get("code")
        if code not in known:
            raise DistrictDataError(f"unknown district code {code!r} in {DISTRICTS_GEOJSON}")
        polygon = shape(feature["geometry"])
        if not polygon.is_valid or polygon.is_empty:
            raise DistrictDataError(f"invalid polygon for district {code!r}")
        shapely.prepare(polygon)
        result.append((code, polygon))
    return tuple(result)


def district_of(lon: float, lat: float) -> str | None:
    """Return the code of the district containing a WGS-84 point.

    Parameters
    ----------
    lon, lat
        WGS-84 degrees.

    Returns
    -------
    str or None
        ``"futian"`` or ``"nanshan"``; ``None`` outside both (Hong Kong, the open bay,
        elsewhere). A point exactly on the shared line gets the district listed first in
        the GeoJSON file.
    """
    if not (math.isfinite(lon) and math.isfinite(lat)):
        return None
    for code, polygon in _polygons():
        if shapely.intersects_xy(polygon, lon, lat):
            return code
    return None


def district(code: str) -> District:
    """Look a district up by its code.

    Raises
    ------
    KeyError
        If no district has that code.
    """
    for item in DISTRICTS:
        if item.code == code:
            return item
    raise KeyError(code)
