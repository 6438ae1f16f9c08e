"""Driving matrices: fastest paths by road class, with the length of that same path."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

import geodata
from geodata._edges import primary_highway
from geodata.driving import DEFAULT_SPEEDS_KMH, UNREACHABLE, drive_matrices


def _seconds(edge: dict) -> float:
    return edge["length"] / (DEFAULT_SPEEDS_KMH.get(primary_highway(edge.get("highway")) or "", 15.0) / 3.6)


@pytest.fixture(scope="module")
def drive() -> nx.MultiDiGraph:
    return geodata.load_network(mode="drive")


@pytest.fixture(scope="module")
def stops(drive) -> np.ndarray:
    return np.array([(p.lon, p.lat) for p in geodata.sample_street_points(drive, 40, seed=3)])


def test_matrices_follow_the_fastest_path_and_report_its_length(drive, stops) -> None:
    """Time and metres equal networkx's fastest path between the snapped nodes, plus access."""
    m = drive_matrices(drive, stops)
    nodes = list(drive.nodes)
    for a, b in [(0, 5), (3, 17), (12, 30)]:
        path = nx.shortest_path(
            drive,
            nodes[m.node[a]],
            nodes[m.node[b]],
            weight=lambda u, v, d: min(_seconds(e) for e in d.values()),
        )
        edges = [min(drive[x][y].values(), key=_seconds) for x, y in zip(path, path[1:], strict=False)]
        access = m.access_m[a] + m.access_m[b]
        assert m.distance_m[a, b] == round(sum(e["length"] for e in edges) + access)
        assert abs(m.duration_s[a, b] - (sum(_seconds(e) for e in edges) + access / (10 / 3.6))) <= 1


def test_one_way_streets_make_the_matrix_asymmetric(drive, stops) -> None:
    """Driving keeps one-way rules, so some trips differ from their return trip."""
    m = drive_matrices(drive, stops)
    assert (m.distance_m != m.distance_m.T).any()
    assert np.all(np.diag(m.distance_m) == 0)


def test_slower_roads_lengthen_times_but_not_the_matrix_shape(drive, stops) -> None:
    """Halving every speed roughly doubles travel times."""
    fast = drive_matrices(drive, stops[:10])
    slow = drive_matrices(drive, stops[:10], speeds_kmh={k: v / 2 for k, v in DEFAULT_SPEEDS_KMH.items()})
    ratio = slow.duration_s[0, 1:].sum() / fast.duration_s[0, 1:].sum()
    assert 1.6 < ratio <= 2.05
    assert UNREACHABLE not in fast.distance_m


def test_a_leg_is_drawn_along_the_streets_from_stop_to_stop(drive, stops) -> None:
    """The drawn leg starts and ends at the stops and its length matches the matrix."""
    from geodata._edges import lonlat_to_metres

    m = drive_matrices(drive, stops[:6])
    leg = np.array(m.leg_lonlat(1, 4))
    assert leg[0].tolist() == stops[1].round(6).tolist() and leg[-1].tolist() == stops[4].round(6).tolist()
    x, y = lonlat_to_metres(leg[:, 0], leg[:, 1])
    drawn = np.hypot(np.diff(x), np.diff(y)).sum()
    # Straight node-to-node segments cut curves, so the drawing is a little shorter.
    assert 0.8 * m.distance_m[1, 4] <= drawn <= 1.01 * m.distance_m[1, 4]
