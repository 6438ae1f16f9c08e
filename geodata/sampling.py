"""Draw well-spread points on real streets, e.g. to seed demo outlets."""

from __future__ import annotations

import math
from collections.abc import Set
from dataclasses import dataclass

import networkx as nx
import numpy as np
import shapely

from geodata._edges import Edge, metres_to_lonlat, undirected_edges
from geodata.districts import district_of

DEFAULT_HIGHWAYS: frozenset[str] = frozenset(
    {"residential", "living_street", "unclassified", "tertiary", "secondary"}
)

_BATCH = 2048
# UTM 50N stretches distances by up to ~0.08 % this far west of its central meridian (117°E);
# checking spacing against a slightly larger figure keeps true ground distances >= the minimum.
_UTM_SCALE_MARGIN = 1.001


class SamplingError(ValueError):
    """The requested points cannot be placed (too many for the spacing, or no streets)."""


@dataclass(frozen=True, slots=True)
class StreetPoint:
    """A point on a street, in WGS-84, with the street's OSM tags and its district."""

    lon: float
    lat: float
    street_name: str | None
    highway: str | None
    district: str | None


def sample_street_points(
    graph: nx.MultiDiGraph,
    n: int,
    *,
    seed: int,
    highway: Set[str] | None = None,
    min_spacing_m: float = 150,
    unnamed_weight: float = 0.25,
    max_attempts: int | None = None,
) -> list[StreetPoint]:
    """Place ``n`` points on street edges, no two closer than ``min_spacing_m``.

    Candidates are drawn along edges with probability proportional to edge length (times
    ``unnamed_weight`` for streets without a name, so that named streets are preferred) and
    accepted when no earlier point is within ``min_spacing_m`` (dart throwing). Points that
    fall outside both districts (e.g. across the Hong Kong border) are rejected.

    Parameters
    ----------
    graph
        A graph from :func:`geodata.network.load_network`.
    n
        Number of points wanted.
    seed
        Seed of the random generator; the same graph and arguments give the same points.
    highway
        OSM highway classes to sample from (an edge's most important class must be in it);
        defaults to :data:`DEFAULT_HIGHWAYS`.
    min_spacing_m
        Minimum straight-line distance between any two points, in metres.
    unnamed_weight
        Relative weight, per metre, of unnamed streets (named ones weigh 1).
    max_attempts
        Candidates drawn before giving up; defaults to ``200 * n + 10_000``.

    Returns
    -------
    list of StreetPoint
        In the order they were accepted.

    Raises
    ------
    SamplingError
        If no edge matches ``highway`` or fewer than ``n`` points fit.
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, not {n}")
    if min_spacing_m < 0 or not 0 <= unnamed_weight <= 1:
        raise ValueError("min_spacing_m must be >= 0 and unnamed_weight within [0, 1]")
    classes = DEFAULT_HIGHWAYS if highway is None else highway
    edges = [e for e in undirected_edges(graph) if e.highway in classes]
    weights = np.array([e.line.length * (1.0 if e.name else unnamed_weight) for e in edges], dtype=np.float64)
    if not edges or weights.sum() <= 0:
        raise SamplingError(f"no street of class {sorted(classes)} to sample from")
    rng = np.random.default_rng(seed)
    probabilities = weights / weights.sum()
    budget = 200 * n + 10_000 if max_attempts is None else max_attempts
    grid = _SpacingGrid(min_spacing_m * _UTM_SCALE_MARGIN)
    points: list[StreetPoint] = []
    drawn = 0
    while len(points) < n and drawn < budget:
        size = min(_BATCH, budget - drawn)
        drawn += size
        picks = rng.choice(len(edges), size=size, p=probabilities)
        fractions = rng.random(size)
        for index, fraction in zip(picks, fractions, strict=True):
            point = _accept(edges[int(index)], float(fraction), grid)
            if point is not None:
                points.append(point)
                if len(points) == n:
                    break
    if len(points) < n:
        raise SamplingError(
            f"placed only {len(points)} of {n} points {min_spacing_m:g} m apart after {drawn} candidates"
        )
    return points


def _accept(edge: Edge, fraction: float, grid: _SpacingGrid) -> StreetPoint | None:
    at = shapely.line_interpolate_point(edge.line, fraction, normalized=True)
    x, y = float(at.x), float(at.y)
    if not grid.is_free(x, y):
        return None
    lon, lat = (float(c) for c in metres_to_lonlat(np.array([[x, y]]))[0])
    code = district_of(lon, lat)
    if code is None:
        return None
    grid.add(x, y)
    return StreetPoint(lon=lon, lat=lat, street_name=edge.name, highway=edge.highway, district=code)


class _SpacingGrid:
    """Accepted points hashed into square cells as wide as the spacing, for O(1) checks."""

    def __init__(self, spacing: float) -> None:
        self._spacing = spacing
        self._cell = max(spacing, 1.0)
        self._cells: dict[tuple[int, int], list[tuple[float, float]]] = {}

    def _key(self, x: float, y: float) -> tuple[int, int]:
        return math.floor(x / self._cell), math.floor(y / self._cell)

    def is_free(self, x: float, y: float) -> bool:
        cx, cy = self._key(x, y)
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                for px, py in self._cells.get((cx + dx, cy + dy), ()):
                    if math.hypot(px - x, py - y) < self._spacing:
                        return False
        return True

    def add(self, x: float, y: float) -> None:
        self._cells.setdefault(self._key(x, y), []).append((x, y))
