"""Road distance of a GPS track on the bundled drive network, against paths found independently
with networkx."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest

from geodata._edges import lonlat_to_metres
from geodata.matching import track_length


def _both_ways(drive: nx.MultiDiGraph) -> nx.Graph:
    """The streets as an undirected graph with the shorter length of parallel edges."""
    plain = nx.Graph()
    for u, v, length in drive.edges(data="length"):
        if not plain.has_edge(u, v) or plain[u][v]["length"] > length:
            plain.add_edge(u, v, length=length)
    return plain


def _lonlat(drive: nx.MultiDiGraph, nodes: list[int]) -> list[tuple[float, float]]:
    return [(drive.nodes[n]["lon"], drive.nodes[n]["lat"]) for n in nodes]


def _straight_m(points: list[tuple[float, float]]) -> float:
    x, y = lonlat_to_metres(np.array([p[0] for p in points]), np.array([p[1] for p in points]))
    return float(np.hypot(np.diff(x), np.diff(y)).sum())


@pytest.fixture(scope="module")
def drive_along(drive: nx.MultiDiGraph) -> tuple[list[int], float]:
    """A street path of several kilometres between two crossings, and its length per networkx."""
    plain = _both_ways(drive)
    nodes = list(drive.nodes)
    path = nx.shortest_path(plain, nodes[10], nodes[3000], weight="length")
    return path, nx.path_weight(plain, path, weight="length")


def test_fixes_at_every_third_crossing_measure_the_street_path(
    drive: nx.MultiDiGraph, drive_along: tuple[list[int], float]
) -> None:
    """Fixes on the crossings of a known path: the road km is that path's, the straight sum is shorter."""
    path, expected_m = drive_along
    fixes = _lonlat(drive, path[::3] + ([path[-1]] if (len(path) - 1) % 3 else []))
    length = track_length(drive, fixes)
    assert expected_m > 3000
    assert length.road_m == pytest.approx(expected_m, rel=1e-6)
    assert (length.straight_legs, length.off_road, length.fixes) == (0, 0, len(fixes))
    assert _straight_m(fixes) < 0.97 * expected_m  # corners cut: what the page used to show


def test_dense_fixes_along_one_street_add_up_to_the_distance_between_them(drive: nx.MultiDiGraph) -> None:
    """Ten fixes on one long street segment: road km equals the distance from the first to the last."""
    u, v, data = max(drive.edges(data=True), key=lambda e: e[2]["length"] if "geometry" not in e[2] else 0)
    a, b = np.array(_lonlat(drive, [u, v]))
    fixes = [tuple(a + (b - a) * t) for t in np.linspace(0.1, 0.9, 10)]
    length = track_length(drive, fixes)
    assert length.road_m == pytest.approx(0.8 * data["length"], rel=0.01)
    assert length.straight_legs == 0


def test_a_fix_far_from_every_street_makes_its_legs_straight(
    drive: nx.MultiDiGraph, drive_along: tuple[list[int], float]
) -> None:
    """A fix outside the network: its two legs are straight lines, counted and said so."""
    path, _ = drive_along
    start, end = _lonlat(drive, [path[0], path[-1]])
    far = (start[0] + 0.5, start[1] - 0.5)  # tens of kilometres out to sea
    length = track_length(drive, [start, far, end])
    assert (length.straight_legs, length.off_road) == (2, 1)
    assert length.road_m == 0
    assert length.straight_m == pytest.approx(_straight_m([start, far, end]), rel=1e-9)
    assert length.total_m == length.straight_m


def test_an_empty_or_single_fix_track_has_no_length(drive: nx.MultiDiGraph) -> None:
    """No legs, no metres."""
    assert track_length(drive, []).total_m == 0
    one = track_length(drive, [(114.05, 22.54)])
    assert (one.total_m, one.fixes) == (0, 1)
    assert not math.isnan(one.road_m)
