"""The service area: streets buffered by a radius, and point tests in lon/lat."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from geodata import CoordinateError, ServiceArea, service_area, service_area_of
from tests.geodata.conftest import EXTRACT_BBOX, SHENNAN_CBD, SHENZHEN_BAY


@pytest.fixture(scope="module")
def area(drive: nx.MultiDiGraph) -> ServiceArea:
    """The drive graph's 250 m service area."""
    return service_area_of(drive, buffer_m=250)


def test_contains_a_point_on_shennan_boulevard(area: ServiceArea) -> None:
    """A point on 深南大道 at Futian CBD is inside and on a street."""
    assert area.contains(*SHENNAN_CBD)
    assert area.distance_to_street_m(*SHENNAN_CBD) < 1


def test_excludes_open_water_in_shenzhen_bay(area: ServiceArea) -> None:
    """A point in Shenzhen Bay is outside and more than 2 km from any street."""
    assert not area.contains(*SHENZHEN_BAY)
    assert area.distance_to_street_m(*SHENZHEN_BAY) > 2000


def test_contains_agrees_with_distance(area: ServiceArea) -> None:
    """Points clearly nearer than the buffer are inside, clearly farther are outside."""
    rng = np.random.default_rng(3)
    lon_min, lat_min, lon_max, lat_max = EXTRACT_BBOX
    for lon, lat in zip(rng.uniform(lon_min, lon_max, 300), rng.uniform(lat_min, lat_max, 300), strict=True):
        distance = area.distance_to_street_m(float(lon), float(lat))
        if abs(distance - area.buffer_m) > 3:
            assert area.contains(float(lon), float(lat)) == (distance < area.buffer_m)


def test_geometry_is_wgs84_around_the_extract(drive: nx.MultiDiGraph) -> None:
    """service_area returns a lon/lat polygon hugging the extract's bounding box."""
    geometry = service_area(drive)
    lon_min, lat_min, lon_max, lat_max = geometry.bounds
    assert geometry.geom_type in {"Polygon", "MultiPolygon"}
    assert EXTRACT_BBOX[0] - 0.01 < lon_min and lon_max < EXTRACT_BBOX[2] + 0.01
    assert EXTRACT_BBOX[1] - 0.01 < lat_min and lat_max < EXTRACT_BBOX[3] + 0.01


def test_is_memoised_per_graph_and_buffer(drive: nx.MultiDiGraph, area: ServiceArea) -> None:
    """Asking again for the same buffer returns the same object; another buffer does not."""
    assert service_area_of(drive, buffer_m=250) is area
    assert service_area_of(drive, buffer_m=100) is not area


def test_rejects_coordinates_that_are_not_lonlat(area: ServiceArea) -> None:
    """NaN or out-of-range coordinates raise CoordinateError."""
    with pytest.raises(CoordinateError):
        area.contains(float("nan"), 22.5)
    with pytest.raises(CoordinateError):
        area.distance_to_street_m(22.5, 114.05 + 100)
