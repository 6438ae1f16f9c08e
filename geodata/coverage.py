"""How well the outlets cover the households: shares within walking radii, and the gaps.

Shares are of ALL households of the demand layer, per district and overall: demand that
could not be placed on the network (flagged or too far from a street) counts as not
covered. The largest uncovered clusters group the demand points beyond the largest radius
that lie within ``cluster_gap_m`` of each other (straight line, single linkage: DBSCAN with
one point per core), ranked by households.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from geodata._edges import lonlat_to_metres, metres_to_lonlat
from geodata.demand import Demand
from geodata.districts import DISTRICTS
from geodata.matrix import DEFAULT_MAX_SNAP_M, build_matrix

__all__ = ["CoverageReport", "CoverageShare", "UncoveredCluster", "coverage_report"]

DEFAULT_RADII: tuple[float, ...] = (300.0, 500.0)


@dataclass(frozen=True, slots=True)
class CoverageShare:
    """Households of one district (or ``"all"``) and how many are within each radius."""

    scope: str
    households: int
    within: tuple[tuple[float, int], ...]

    def share(self, radius_m: float) -> float:
        """Fraction of the households within ``radius_m`` (0 if there are none)."""
        covered = dict(self.within)[radius_m]
        return covered / self.households if self.households else 0.0


@dataclass(frozen=True, slots=True)
class UncoveredCluster:
    """A group of nearby demand points with no outlet within reach."""

    households: int
    points: int
    lon: float
    lat: float
    demand_ids: tuple[str, ...]


@dataclass(frozen=True)
class CoverageReport:
    """Coverage shares per district and overall, and the largest uncovered clusters."""

    radii_m: tuple[float, ...]
    shares: tuple[CoverageShare, ...]
    clusters: tuple[UncoveredCluster, ...]
    unplaced_households: int

    def overall(self) -> CoverageShare:
        """The ``"all"`` row."""
        return next(s for s in self.shares if s.scope == "all")

    def summary(self) -> str:
        """One line per scope with its shares, then the top clusters."""
        lines = [
            f"{s.scope}: {s.households:,} households; "
            + ", ".join(f"{s.share(r):.1%} within {r:g} m" for r in self.radii_m)
            for s in self.shares
        ]
        lines += [
            f"gap {i + 1}: {c.households:,} households at ({c.lon:.5f}, {c.lat:.5f})"
            for i, c in enumerate(self.clusters)
        ]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data."""
        return {
            "radii_m": list(self.radii_m),
            "shares": [
                {
                    "scope": s.scope,
                    "households": s.households,
                    "within": {f"{r:g}": n for r, n in s.within},
                }
                for s in self.shares
            ],
            "clusters": [
                {"households": c.households, "points": c.points, "lon": c.lon, "lat": c.lat}
                for c in self.clusters
            ],
            "unplaced_households": self.unplaced_households,
        }


def coverage_report(
    graph: nx.MultiDiGraph,
    demand: Demand,
    outlets: npt.ArrayLike,
    *,
    radii_m: Sequence[float] = DEFAULT_RADII,
    cluster_gap_m: float = 200.0,
    top: int = 10,
    max_snap_m: float = DEFAULT_MAX_SNAP_M,
) -> CoverageReport:
    """Measure walking coverage of ``demand`` by ``outlets`` on ``graph``.

    Parameters
    ----------
    graph
        Usually the walk graph from :func:`geodata.network.load_network`.
    demand
        The demand layer; flagged points count as not covered.
    outlets
        ``(n, 2)`` lon/lat of the active outlets.
    radii_m
        Walking radii to report, e.g. 300 m (dense estates) and 500 m (the default).
    cluster_gap_m
        Uncovered points closer than this (straight line) join one cluster.
    top
        How many clusters to return, largest first.

    Returns
    -------
    CoverageReport
    """
    radii = tuple(sorted(float(r) for r in radii_m))
    if not radii or radii[0] < 0:
        raise ValueError("radii_m must hold at least one radius >= 0")
    points = demand.points
    households = np.array([p.households for p in points], dtype=np.int64)
    nearest = _nearest_outlet(graph, demand, outlets, limit_m=radii[-1], max_snap_m=max_snap_m)
    codes = [p.district or "none" for p in points]
    shares = [
        _share(code, households, nearest, radii, np.array([c == code for c in codes], bool))
        for code in [d.code for d in DISTRICTS]
    ]
    shares.append(_share("all", households, nearest, radii, np.ones(len(points), bool)))
    uncovered = np.flatnonzero(~(nearest <= radii[-1]))
    return CoverageReport(
        radii_m=radii,
        shares=tuple(shares),
        clusters=_clusters(demand, uncovered, gap_m=cluster_gap_m, top=top),
        unplaced_households=int(households[np.isnan(nearest)].sum()),
    )


def _nearest_outlet(
    graph: nx.MultiDiGraph,
    demand: Demand,
    outlets: npt.ArrayLike,
    *,
    limit_m: float,
    max_snap_m: float,
) -> npt.NDArray[np.float64]:
    """Walk to the nearest outlet within ``limit_m``: ``inf`` beyond, NaN if not placed."""
    points = demand.points
    result = np.full(len(points), np.nan)
    usable = np.array([p.flag is None for p in points], dtype=bool)
    at = np.asarray(outlets, dtype=np.float64).reshape(-1, 2)
    matrix = build_matrix(graph, demand.lonlat()[usable], at, limit_m=limit_m, max_snap_m=max_snap_m)
    best = np.full(matrix.shape[0], np.inf)
    dist = sp.csr_array(matrix.metres)
    rows = np.repeat(np.arange(dist.shape[0]), np.diff(dist.indptr))
    np.minimum.at(best, rows, dist.data)
    best[~matrix.origins.snapped] = np.nan
    result[usable] = best
    return result


def _share(
    scope: str,
    households: npt.NDArray[np.int64],
    nearest: npt.NDArray[np.float64],
    radii: tuple[float, ...],
    mask: npt.NDArray[np.bool_],
) -> CoverageShare:
    within = tuple((r, int(households[mask & (nearest <= r)].sum())) for r in radii)
    return CoverageShare(scope=scope, households=int(households[mask].sum()), within=within)


def _clusters(
    demand: Demand, uncovered: npt.NDArray[np.int64], *, gap_m: float, top: int
) -> tuple[UncoveredCluster, ...]:
    """Group uncovered points by single linkage within ``gap_m``; largest first."""
    if not len(uncovered) or top <= 0:
        return ()
    lonlat = demand.lonlat()[uncovered]
    x, y = lonlat_to_metres(lonlat[:, 0], lonlat[:, 1])
    xy = np.column_stack([x, y])
    pairs = cKDTree(xy).query_pairs(gap_m, output_type="ndarray")
    n = len(uncovered)
    links = sp.coo_array((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    _, label = connected_components(links, directed=False)
    weights = np.array([demand.points[i].households for i in uncovered], dtype=np.float64)
    totals = np.bincount(label, weights=weights)
    out = []
    for group in np.argsort(-totals, kind="stable")[:top]:
        members = np.flatnonzero(label == group)
        w = weights[members]
        centre = (xy[members] * (w if w.sum() else np.ones_like(w))[:, None]).sum(axis=0)
        centre /= w.sum() if w.sum() else len(members)
        lon, lat = metres_to_lonlat(centre[None, :])[0]
        out.append(
            UncoveredCluster(
                households=int(totals[group]),
                points=len(members),
                lon=float(lon),
                lat=float(lat),
                demand_ids=tuple(demand.points[uncovered[i]].id for i in members),
            )
        )
    return tuple(out)
