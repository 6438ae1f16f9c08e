"""The siting problem as plain arrays: households, candidates, network distances.

Private module, re-exported by :mod:`geodata.siting`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import networkx as nx
import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from geodata._streets import csr_min
from geodata.candidates import Candidate
from geodata.demand import Demand
from geodata.matrix import DEFAULT_MAX_SNAP_M, build_matrix


class SitingInputError(ValueError):
    """The siting problem or a model's parameters are inconsistent."""


@dataclass(frozen=True, eq=False)
class SitingProblem:
    """Households at demand points, candidate sites, and walking distances between them.

    Attributes
    ----------
    demand_ids, households
        One entry per demand point taking part (households are whole numbers >= 0).
    candidate_ids, fixed
        One entry per candidate; ``fixed`` ones are open in every solution.
    distances
        Metres, demand x candidates: a dense array (``inf`` = no path) or, when built with
        ``limit_m``, a CSR array holding exactly the pairs within ``limit_m``.
    limit_m
        ``None`` for a complete matrix; coverage radii may not exceed it.
    excluded_demand, excluded_candidates
        ``(id, reason)`` of inputs left out (flagged, or too far from any street).
    excluded_households
        Households of the excluded demand: counted in totals, never covered.
    """

    demand_ids: tuple[str, ...]
    households: npt.NDArray[np.int64]
    candidate_ids: tuple[str, ...]
    fixed: npt.NDArray[np.bool_]
    distances: npt.NDArray[np.float64] | sp.csr_array = field(repr=False)
    limit_m: float | None = None
    excluded_demand: tuple[tuple[str, str], ...] = ()
    excluded_candidates: tuple[tuple[str, str], ...] = ()
    excluded_households: int = 0

    def __post_init__(self) -> None:
        n, m = len(self.demand_ids), len(self.candidate_ids)
        if self.distances.shape != (n, m):
            raise SitingInputError(f"distances are {self.distances.shape}, expected {(n, m)}")
        if self.households.shape != (n,) or self.fixed.shape != (m,):
            raise SitingInputError("households and fixed must have one entry per row/column")
        if len(self.households) and int(self.households.min()) < 0:
            raise SitingInputError("households must be >= 0")
        if len(set(self.candidate_ids)) != m or len(set(self.demand_ids)) != n:
            raise SitingInputError("demand and candidate ids must be unique")

    @classmethod
    def from_matrix(
        cls,
        distances: npt.ArrayLike | sp.csr_array,
        households: npt.ArrayLike,
        *,
        demand_ids: Sequence[str] | None = None,
        candidate_ids: Sequence[str] | None = None,
        fixed: npt.ArrayLike | None = None,
        limit_m: float | None = None,
    ) -> SitingProblem:
        """Build a problem from a ready distance matrix (ids default to row/column numbers).

        ``distances`` may be dense (``inf`` for no path) or sparse (pairs within
        ``limit_m``, which is then required).
        """
        if sp.issparse(distances):
            if limit_m is None:
                raise SitingInputError("a sparse distance matrix needs its limit_m")
            matrix: npt.NDArray[np.float64] | sp.csr_array = sp.csr_array(distances)
        else:
            matrix = np.asarray(distances, dtype=np.float64)
        n, m = matrix.shape
        weights = np.asarray(households)
        if not np.all(weights == np.round(weights)):
            raise SitingInputError("households must be whole numbers")
        return cls(
            demand_ids=tuple(demand_ids or (str(i) for i in range(n))),
            households=weights.astype(np.int64),
            candidate_ids=tuple(candidate_ids or (str(j) for j in range(m))),
            fixed=np.zeros(m, bool) if fixed is None else np.asarray(fixed, dtype=bool),
            distances=matrix,
            limit_m=limit_m,
        )

    @property
    def total_households(self) -> int:
        """Households of the problem plus those excluded from it."""
        return int(self.households.sum()) + self.excluded_households

    def cover(self, radius_m: float) -> sp.csr_array:
        """0/1 CSR of which candidates lie within ``radius_m`` of each demand point."""
        if self.limit_m is not None and radius_m > self.limit_m:
            raise SitingInputError(
                f"radius {radius_m:g} m exceeds the {self.limit_m:g} m the distances were built for"
            )
        if isinstance(self.distances, np.ndarray):
            return sp.csr_array(self.distances <= radius_m, dtype=np.int32)
        coo = self.distances.tocoo()
        near = coo.data <= radius_m
        return sp.csr_array(
            (np.ones(int(near.sum()), dtype=np.int32), (coo.row[near], coo.col[near])),
            shape=self.distances.shape,
        )

    def dense(self) -> npt.NDArray[np.float64]:
        """Distances as a dense array; only for problems built without a limit."""
        if not isinstance(self.distances, np.ndarray):
            raise SitingInputError("p-median needs complete distances: build with limit_m=None")
        return self.distances


def build_problem(
    graph: nx.MultiDiGraph,
    demand: Demand,
    candidates: Sequence[Candidate],
    *,
    limit_m: float | None = None,
    max_snap_m: float = DEFAULT_MAX_SNAP_M,
    include_access: bool = True,
) -> SitingProblem:
    """Compute network distances from the demand to the candidates and package them.

    Flagged demand points, and demand or candidates farther than ``max_snap_m`` from every
    street, are left out and listed with their reason; excluded households still count
    in the totals. ``limit_m`` (e.g. the coverage radius) gives a sparse, much faster
    matrix; p-median needs ``limit_m=None``.
    """
    usable = demand.usable
    excluded = [(p.id, str(p.flag)) for p in demand.flagged]
    excluded_households = sum(p.households for p in demand.flagged)
    matrix = build_matrix(
        graph,
        np.array([(p.lon, p.lat) for p in usable]).reshape(-1, 2),
        np.array([(c.lon, c.lat) for c in candidates]).reshape(-1, 2),
        limit_m=limit_m,
        max_snap_m=max_snap_m,
        include_access=include_access,
    )
    rows = np.flatnonzero(matrix.origins.snapped)
    cols = np.flatnonzero(matrix.destinations.snapped)
    excluded += [(usable[i].id, "far_from_street") for i in matrix.origins.unsnapped]
    excluded_households += sum(usable[i].households for i in matrix.origins.unsnapped)
    distances = _select(matrix.metres, rows, cols)
    return SitingProblem(
        demand_ids=tuple(usable[i].id for i in rows),
        households=np.array([usable[i].households for i in rows], dtype=np.int64),
        candidate_ids=tuple(candidates[int(j)].id for j in cols),
        fixed=np.array([candidates[int(j)].fixed for j in cols], dtype=np.bool_),
        distances=distances,
        limit_m=None if limit_m is None else float(limit_m),
        excluded_demand=tuple(excluded),
        excluded_candidates=tuple(
            (candidates[j].id, "far_from_street") for j in matrix.destinations.unsnapped
        ),
        excluded_households=excluded_households,
    )


def _select(
    matrix: npt.NDArray[np.float64] | sp.csr_array,
    rows: npt.NDArray[np.int64],
    cols: npt.NDArray[np.int64],
) -> npt.NDArray[np.float64] | sp.csr_array:
    """The sub-matrix of ``rows`` x ``cols``, keeping a sparse matrix's stored zeros."""
    if isinstance(matrix, np.ndarray):
        return matrix[np.ix_(rows, cols)]
    new_row = np.full(matrix.shape[0], -1)
    new_row[rows] = np.arange(len(rows))
    new_col = np.full(matrix.shape[1], -1)
    new_col[cols] = np.arange(len(cols))
    coo = matrix.tocoo()
    r, c = new_row[coo.row], new_col[coo.col]
    keep = (r >= 0) & (c >= 0)
    return csr_min(r[keep], c[keep], coo.data[keep], shape=(len(rows), len(cols)))
