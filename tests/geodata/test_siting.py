"""Siting models on tiny instances whose optimum is known or brute-forced."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import numpy.typing as npt
import pytest
import scipy.sparse as sp

import geodata._mclp as mclp_module
import geodata._pmedian as pmedian_module
from geodata import (
    SitingInputError,
    SitingProblem,
    SolverUnavailableError,
    build_problem,
    check_outlet_rate,
    intersection_candidates,
    parse_demand_csv,
    solve_lscp,
    solve_mclp,
    solve_pmedian,
    street_frontage_demand,
)
from geodata._mip import Solution

Floats = npt.NDArray[np.float64]


def _random(seed: int, n: int = 24, m: int = 9) -> tuple[Floats, npt.NDArray[np.int64]]:
    """Points in a 2 km square; Euclidean distances stand in for walks."""
    rng = np.random.default_rng(seed)
    demand, sites = rng.uniform(0, 2000, (n, 2)), rng.uniform(0, 2000, (m, 2))
    distances = np.linalg.norm(demand[:, None, :] - sites[None, :, :], axis=2)
    return distances, rng.integers(1, 60, n)


def _covered(d: Floats, w: npt.NDArray[np.int64], open_: tuple[int, ...], r: float) -> int:
    return int(w[(d[:, list(open_)] <= r).any(axis=1)].sum()) if open_ else 0


def test_mclp_on_a_line_picks_the_obvious_sites() -> None:
    """Two clusters of homes far apart: p=2 opens one site in each."""
    d = np.array([[0, 900, 2000], [100, 800, 1900], [2000, 1100, 0], [1900, 1000, 100.0]])
    problem = SitingProblem.from_matrix(d, [10, 10, 30, 30], candidate_ids=["a", "b", "c"])
    result = solve_mclp(problem, radius_m=150, p=2)
    assert set(result.selected) == {"a", "c"} and result.objective == 80


@pytest.mark.parametrize("backend", ["scip", "cbc", "cp-sat"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_mclp_matches_brute_force(seed: int, backend: str) -> None:
    """The MCLP optimum equals the best of all p-subsets, with every back end."""
    d, w = _random(seed)
    problem = SitingProblem.from_matrix(d, w)
    result = solve_mclp(problem, radius_m=500, p=3, backend=backend)  # type: ignore[arg-type]
    best = max(_covered(d, w, c, 500) for c in itertools.combinations(range(9), 3))
    assert result.status == "optimal" and result.objective == best == result.covered_households
    assert result.bound == best and result.gap == 0


@pytest.mark.parametrize("seed", [4, 5])
def test_mclp_respects_fixed_outlets(seed: int) -> None:
    """Fixed outlets stay open and p more are added, best among subsets containing them."""
    d, w = _random(seed)
    fixed = np.zeros(9, bool)
    fixed[[0, 1]] = True
    problem = SitingProblem.from_matrix(d, w, fixed=fixed)
    result = solve_mclp(problem, radius_m=500, p=2)
    best = max(_covered(d, w, (0, 1, *c), 500) for c in itertools.combinations(range(2, 9), 2))
    assert result.selected[:2] == ("0", "1") and len(result.added) <= 2
    assert result.objective == best


@pytest.mark.parametrize("share", [1.0, 0.9])
@pytest.mark.parametrize("seed", [6, 7])
def test_lscp_matches_brute_force(seed: int, share: float) -> None:
    """The fewest sites covering the share of coverable households, as brute force finds."""
    d, w = _random(seed, m=10)
    problem = SitingProblem.from_matrix(d, w)
    result = solve_lscp(problem, radius_m=600, share=share)
    coverable = int(w[(d <= 600).any(axis=1)].sum())
    need = np.ceil(share * coverable - 1e-9)
    best = next(
        k
        for k in range(11)
        if any(_covered(d, w, c, 600) >= need for c in itertools.combinations(range(10), k))
    )
    assert result.status == "optimal" and result.objective == best == len(result.added)
    assert result.covered_households >= need


@pytest.mark.parametrize("backend", ["scip", "cbc"])
@pytest.mark.parametrize("seed", [8, 9, 10])
def test_pmedian_matches_brute_force(seed: int, backend: str) -> None:
    """The p-median's mean walk equals the best of all p-subsets."""
    d, w = _random(seed, n=40, m=10)
    problem = SitingProblem.from_matrix(d, w)
    result = solve_pmedian(problem, p=3, backend=backend)  # type: ignore[arg-type]
    best = min(float(w @ d[:, list(c)].min(axis=1)) for c in itertools.combinations(range(10), 3))
    assert result.status == "optimal"
    assert result.objective == pytest.approx(best / w.sum(), rel=1e-9)


@pytest.mark.parametrize("seed", [15, 27, 28])
def test_pmedian_restricted_model_is_exact(seed: int) -> None:
    """When the Lagrangian bound leaves a gap, the reduced MIP still finds the optimum."""
    d, w = _random(seed, n=60, m=14)
    outcome = pmedian_module.solve_pmedian_model(
        d, w, 4, np.full(60, np.inf), backend="scip", time_limit_s=10
    )
    best = min(float(w @ d[:, list(c)].min(axis=1)) for c in itertools.combinations(range(14), 4))
    assert outcome.model_size != (0, 0), "this instance should need the MIP"
    assert outcome.optimal and outcome.cost == pytest.approx(best, rel=1e-9)


def test_pmedian_with_fixed_outlets_matches_brute_force() -> None:
    """With two fixed outlets the p-median adds the best two of the rest."""
    d, w = _random(11, n=40, m=10)
    fixed = np.zeros(10, bool)
    fixed[[3, 7]] = True
    result = solve_pmedian(SitingProblem.from_matrix(d, w, fixed=fixed), p=2)
    rest = [j for j in range(10) if not fixed[j]]
    best = min(float(w @ d[:, [3, 7, *c]].min(axis=1)) for c in itertools.combinations(rest, 2))
    assert set(result.selected) >= {"3", "7"} and len(result.added) == 2
    assert result.objective == pytest.approx(best / w.sum(), rel=1e-9)


def test_pmedian_refuses_cp_sat_for_fractional_distances() -> None:
    """CP-SAT needs whole numbers; fractional distances raise SolverUnavailableError."""
    d, w = _random(12, n=40, m=10)
    with pytest.raises(SolverUnavailableError):
        solve_pmedian(SitingProblem.from_matrix(d + 0.5, w), p=3, backend="cp-sat")


def test_pmedian_needs_complete_distances() -> None:
    """A sparse (radius-limited) problem cannot be used for the p-median."""
    d, w = _random(13)
    sparse = SitingProblem.from_matrix(sp.csr_array(np.where(d <= 500, d, 0)), w, limit_m=500)
    with pytest.raises(SitingInputError):
        solve_pmedian(sparse, p=2)


def test_radius_beyond_the_matrix_limit_is_refused() -> None:
    """Coverage at 600 m cannot be read from distances limited to 500 m."""
    d, w = _random(14)
    problem = SitingProblem.from_matrix(sp.csr_array(np.where(d <= 500, d, 0)), w, limit_m=500)
    with pytest.raises(SitingInputError):
        solve_mclp(problem, radius_m=600, p=2)


def test_time_limit_reports_feasible_with_gap(monkeypatch: pytest.MonkeyPatch) -> None:
    """A solve stopped early is 'feasible', with its bound and a positive gap."""

    def stopped(model: object, *, backend: str, time_limit_s: float) -> Solution:
        hint = model.hint
        value = float(model.obj @ hint)
        return Solution("feasible", hint, value, value + 7, 0.1, "scip")

    monkeypatch.setattr(mclp_module, "solve_model", stopped)
    d, w = _random(15, m=12)
    result = solve_mclp(SitingProblem.from_matrix(d, w), radius_m=400, p=3)
    assert result.status == "feasible"
    assert result.bound > result.objective and result.gap > 0


def test_to_dict_has_exactly_the_cli_keys() -> None:
    """to_dict gives the nine keys the CLI prints, and summary() names the model."""
    d, w = _random(16)
    result = solve_mclp(SitingProblem.from_matrix(d, w), radius_m=500, p=2)
    assert list(result.to_dict()) == [
        "model",
        "selected",
        "objective",
        "bound",
        "gap",
        "status",
        "covered_households",
        "total_households",
        "solve_seconds",
    ]
    assert result.summary().startswith("mclp: optimal")


def test_outlet_rate_check_per_district() -> None:
    """SB/T 10719-2012: 5,000 households in Futian need 3 outlets at 1 per 2,000."""
    demand = parse_demand_csv("id,lon,lat,households\nA,114.055,22.542,5000\nB,113.97,22.53,1000\n")
    rows = {r.district: r for r in check_outlet_rate(demand, [(114.05, 22.54), (114.06, 22.55)])}
    assert (rows["futian"].required, rows["futian"].outlets, rows["futian"].meets) == (3, 2, False)
    assert (rows["nanshan"].required, rows["nanshan"].outlets) == (1, 0)
    assert rows["all"].required == 3 and rows["all"].outlets == 2


def test_real_network_mclp_matches_brute_force(walk: nx.MultiDiGraph) -> None:
    """On the bundled network (a small corner of it) MCLP agrees with brute force."""
    demand = street_frontage_demand(walk, spacing_m=200)
    sites = [c for c in intersection_candidates(walk, min_spacing_m=300) if c.lon > 114.05][:25]
    problem = build_problem(walk, demand, sites, limit_m=500)
    result = solve_mclp(problem, radius_m=500, p=3)
    cover = problem.cover(500).toarray() > 0
    w = problem.households
    best = max(
        int(w[cover[:, list(c)].any(axis=1)].sum()) for c in itertools.combinations(range(len(sites)), 3)
    )
    assert result.status == "optimal" and result.objective == best
    assert result.total_households == demand.total_households
