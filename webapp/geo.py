"""The bundled street network as the web app uses it: service area and districts.

Loaded once per process from the geodata cache; domain code takes these as
arguments, only the web layer reaches for them here.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from flask import current_app

import geodata


def _cache_dir() -> Path:
    return current_app.config["RELOOP_SETTINGS"].cache_dir  # type: ignore[no-any-return]


def service_area() -> geodata.ServiceArea:
    """Where outlets may be: within reach of a street of the bundled extract."""
    return _service_area(_cache_dir())


@cache
def _service_area(cache_dir: Path) -> geodata.ServiceArea:
    return geodata.ServiceArea.from_graph(geodata.load_network(mode="walk", cache_dir=cache_dir))


def streets_geojson() -> dict[str, Any]:
    """The offline base map: the extract's streets as GeoJSON."""
    return _streets(_cache_dir())


@cache
def _streets(cache_dir: Path) -> dict[str, Any]:
    return geodata.streets_geojson(geodata.load_network(mode="drive", cache_dir=cache_dir))


def district_of(lon: float, lat: float) -> str | None:
    """The district code of a point, or None outside the districts we serve."""
    return geodata.district_of(lon, lat)


def district_names(locale: str) -> dict[str, str]:
    """District code -> name in the reader's language."""
    return {d.code: (d.name_en if locale.startswith("en") else d.name_zh) for d in geodata.DISTRICTS}
