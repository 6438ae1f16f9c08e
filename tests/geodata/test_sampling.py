"""Well-spread, reproducible points on real streets."""

from __future__ import annotations

import itertools

import networkx as nx
import pytest
from pyproj import Geod

from geodata import (
    DEFAULT_HIGHWAYS,
    SamplingError,
    StreetPoint,
    district_of,
    sample_street_points,
    service_area_of,
)


@pytest.fixture(scope="module")
def points(walk: nx.MultiDiGraph) -> list[StreetPoint]:
    """150 demo outlet sites, seed 7."""
    return sample_street_points(walk, 150, seed=7)


def test_returns_the_requested_number(points: list[StreetPoint]) -> None:
    """Exactly n points come back."""
    assert len(points) == 150


def test_points_lie_on_streets(walk: nx.MultiDiGraph, points: list[StreetPoint]) -> None:
    """Every point is within 1 m of a street line."""
    area = service_area_of(walk)
    assert max(area.distance_to_street_m(p.lon, p.lat) for p in points) < 1


def test_points_keep_their_spacing(points: list[StreetPoint]) -> None:
    """No two points are closer than 150 m on the ground (geodesic)."""
    geod = Geod(ellps="WGS84")
    pairs = list(itertools.combinations(points, 2))
    _, _, distances = geod.inv(
        [a.lon for a, _ in pairs],
        [a.lat for a, _ in pairs],
        [b.lon for _, b in pairs],
        [b.lat for _, b in pairs],
    )
    assert min(distances) >= 150


def test_same_seed_gives_same_points(walk: nx.MultiDiGraph, points: list[StreetPoint]) -> None:
    """Sampling again with the same seed reproduces the points exactly."""
    assert sample_street_points(walk, 150, seed=7) == points


def test_other_seed_gives_other_points(walk: nx.MultiDiGraph, points: list[StreetPoint]) -> None:
    """Another seed gives a different set of points."""
    assert sample_street_points(walk, 150, seed=8) != points


def test_points_carry_street_tags_and_district(points: list[StreetPoint]) -> None:
    """Each point has a preferred highway class and the district it lies in."""
    for point in points:
        assert point.highway in DEFAULT_HIGHWAYS
        assert point.district in {"futian", "nanshan"}
        assert point.district == district_of(point.lon, point.lat)


def test_named_streets_are_preferred(points: list[StreetPoint]) -> None:
    """Most points fall on streets with a name."""
    assert sum(p.street_name is not None for p in points) > 0.75 * len(points)


def test_highway_filter_is_respected(walk: nx.MultiDiGraph) -> None:
    """With highway={'residential'} every point is on a residential street."""
    picked = sample_street_points(walk, 30, seed=1, highway={"residential"})
    assert {p.highway for p in picked} == {"residential"}


def test_too_many_points_raise(walk: nx.MultiDiGraph) -> None:
    """Asking for more points than fit at the spacing raises SamplingError."""
    with pytest.raises(SamplingError):
        sample_street_points(walk, 500, seed=1, min_spacing_m=2000, max_attempts=5000)


def test_unknown_highway_class_raises(walk: nx.MultiDiGraph) -> None:
    """A highway filter no street matches raises SamplingError."""
    with pytest.raises(SamplingError):
        sample_street_points(walk, 1, seed=1, highway={"no_such_class"})
