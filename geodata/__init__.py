"""Street network, districts and street sampling for ReLoop (pure: no Flask, no webapp).

Data © OpenStreetMap contributors (ODbL); see ``geodata/data/README.md``.
"""

from __future__ import annotations

from geodata.districts import (
    DISTRICTS,
    DISTRICTS_GEOJSON,
    District,
    DistrictDataError,
    district,
    district_of,
    districts_geojson,
)
from geodata.network import (
    ATTRIBUTION,
    BUNDLED_OSM,
    CACHE_VERSION,
    CoordinateError,
    EmptyNetworkError,
    ServiceArea,
    UnknownModeError,
    clear_network_memo,
    default_cache_dir,
    file_sha256,
    load_network,
    service_area,
    service_area_of,
    streets_geojson,
)
from geodata.sampling import DEFAULT_HIGHWAYS, SamplingError, StreetPoint, sample_street_points

__all__ = [
    "ATTRIBUTION",
    "BUNDLED_OSM",
    "CACHE_VERSION",
    "DEFAULT_HIGHWAYS",
    "DISTRICTS",
    "DISTRICTS_GEOJSON",
    "CoordinateError",
    "District",
    "DistrictDataError",
    "EmptyNetworkError",
    "SamplingError",
    "ServiceArea",
    "StreetPoint",
    "UnknownModeError",
    "clear_network_memo",
    "default_cache_dir",
    "district",
    "district_of",
    "districts_geojson",
    "file_sha256",
    "load_network",
    "sample_street_points",
    "service_area",
    "service_area_of",
    "streets_geojson",
]
