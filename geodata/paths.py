"""The street path a truck drives between two points, for drawing routes on maps and in GPX.

The same fastest-path search as :func:`geodata.drive_matrices`, so the line a map draws is
the drive the solver priced: its length is the matrix's metres.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import networkx as nx

from geodata.driving import UNREACHABLE, drive_matrices

__all__ = ["StreetPath", "street_path", "street_route"]


@dataclass(frozen=True, slots=True)
class StreetPath:
    """``[lon, lat]`` vertices along the streets, with the metres and seconds driven (-1: no path)."""

    coords: tuple[tuple[float, float], ...]
    distance_m: int
    duration_s: int


def street_path(
    graph: nx.MultiDiGraph,
    start: tuple[float, float],
    end: tuple[float, float],
    *,
    speeds_kmh: Mapping[str, float] | None = None,
) -> StreetPath:
    """The fastest street path from ``start`` to ``end`` (WGS-84 lon, lat).

    Starts and ends at the points; every vertex in between lies on a street edge of
    ``graph`` (a ``mode="drive"`` graph). Empty coordinates when no path exists.
    """
    return street_route(graph, [start, end], speeds_kmh=speeds_kmh)


def street_route(
    graph: nx.MultiDiGraph,
    points: Sequence[tuple[float, float]],
    *,
    speeds_kmh: Mapping[str, float] | None = None,
) -> StreetPath:
    """One line through ``points`` in order, each leg along its fastest street path."""
    if len(points) < 2:
        raise ValueError("a street route needs at least two points")
    m = drive_matrices(graph, list(points), speeds_kmh=speeds_kmh)
    coords: list[tuple[float, float]] = []
    metres = seconds = 0
    for a in range(len(points) - 1):
        if m.distance_m[a, a + 1] == UNREACHABLE:
            return StreetPath(coords=(), distance_m=UNREACHABLE, duration_s=UNREACHABLE)
        leg = [(float(x), float(y)) for x, y in m.leg_lonlat(a, a + 1)]
        coords += leg[1:] if coords else leg
        metres += int(m.distance_m[a, a + 1])
        seconds += int(m.duration_s[a, a + 1])
    return StreetPath(coords=tuple(coords), distance_m=metres, duration_s=seconds)
