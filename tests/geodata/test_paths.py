"""Route lines along the streets: every vertex and every segment on a street, length as priced."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

import geodata
from geodata._edges import lonlat_to_metres
from geodata.driving import drive_matrices


@pytest.fixture(scope="module")
def drive() -> nx.MultiDiGraph:
    return geodata.load_network(mode="drive")


@pytest.fixture(scope="module")
def stops(drive) -> list[tuple[float, float]]:
    return [(p.lon, p.lat) for p in geodata.sample_street_points(drive, 8, seed=11)]


def _drawn_m(coords) -> float:
    arr = np.asarray(coords)
    x, y = lonlat_to_metres(arr[:, 0], arr[:, 1])
    return float(np.hypot(np.diff(x), np.diff(y)).sum())


def test_every_vertex_and_segment_of_a_leg_lies_on_a_street(drive, stops) -> None:
    """Between the two stops, vertices and segment midpoints are on graph edges (< 1 m)."""
    area = geodata.service_area_of(drive)
    for a, b in [(0, 1), (2, 5), (6, 3)]:
        path = geodata.street_path(drive, stops[a], stops[b])
        inner = np.asarray(path.coords[1:-1])
        assert len(inner) >= 2
        mids = (inner[1:] + inner[:-1]) / 2
        for lon, lat in np.vstack([inner, mids]):
            assert area.distance_to_street_m(float(lon), float(lat)) < 1.0


def test_the_drawn_length_is_the_road_distance_the_solver_uses(drive, stops) -> None:
    """The line's length matches the matrix metres within 1 % (curves are drawn, not cut)."""
    m = drive_matrices(drive, stops)
    for a, b in [(0, 1), (2, 5), (6, 3), (4, 7)]:
        path = geodata.street_path(drive, stops[a], stops[b])
        assert path.distance_m == m.distance_m[a, b]
        assert abs(_drawn_m(path.coords) - m.distance_m[a, b]) <= 0.01 * m.distance_m[a, b] + 2


def test_a_route_joins_its_legs_in_order(drive, stops) -> None:
    """A route through several stops starts at the first, ends at the last and sums its legs."""
    route = geodata.street_route(drive, stops[:4])
    legs = [geodata.street_path(drive, stops[i], stops[i + 1]) for i in range(3)]
    assert route.coords[0] == pytest.approx(stops[0], abs=1e-6)
    assert route.coords[-1] == pytest.approx(stops[3], abs=1e-6)
    assert route.distance_m == sum(leg.distance_m for leg in legs)


def test_a_route_of_one_point_is_refused(drive, stops) -> None:
    """Fewer than two points is a ValueError, not an empty line."""
    with pytest.raises(ValueError, match="two points"):
        geodata.street_route(drive, stops[:1])
